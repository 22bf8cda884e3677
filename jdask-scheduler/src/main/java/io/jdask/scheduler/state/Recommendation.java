package io.jdask.scheduler.state;

import java.util.List;

/**
 * A transition asked for: the state a task should move to, with what the edge into that state needs.
 *
 * <p>As on the worker ({@code io.jdask.worker.state.Recommendation}), the recommendation's type carries the edge's
 * argument, and the table's edges come in matching shapes (see {@link SchedulerTransitions.Edge}), so an edge given
 * the wrong argument does not compile. The scheduler's edges need:
 *
 * <ul>
 *   <li>into MEMORY, where the result is: {@link Scattered} (from RELEASED, data a client put on workers) or
 *       {@link Finished} (from PROCESSING, the worker's report). A {@link Plain} MEMORY is refused when it is made.
 *   <li>out of PROCESSING without a result, why it ends ({@link LeavesProcessing}): {@link ErredOnWorker} (the worker
 *       holds an error, to be freed), {@link WorkerDied} (the task is blamed for killing its workers), or
 *       {@link Plain} (recommended: the worker may still be running it and is told to cancel).
 * </ul>
 *
 * Recommendations an edge makes for other tasks are plain states, queued on the task itself (see {@link
 * Recommendations}); the typed ones come from event handlers, which call {@link TransitionLoop#transition}.
 */
sealed interface Recommendation {
    SchedulerTaskState to();

    /** Why a task leaves PROCESSING other than with its result. */
    sealed interface LeavesProcessing extends Recommendation {}

    /** Move to {@code to}; the edge needs nothing more. Never MEMORY. */
    record Plain(SchedulerTaskState to) implements LeavesProcessing {
        private static final Plain[] CACHE = cache();

        public Plain {
            if (to == SchedulerTaskState.MEMORY) {
                throw new IllegalArgumentException(
                        "a recommendation of MEMORY needs to say where the result is: use Scattered or Finished");
            }
        }

        /** The (shared) plain recommendation of {@code to}; throws for MEMORY. */
        static Plain of(SchedulerTaskState to) {
            Plain p = CACHE[to.ordinal()];
            return p != null ? p : new Plain(to);
        }

        private static Plain[] cache() {
            var plain = new Plain[SchedulerTaskState.values().length];
            for (SchedulerTaskState s : SchedulerTaskState.values()) {
                if (s != SchedulerTaskState.MEMORY) plain[s.ordinal()] = new Plain(s);
            }
            return plain;
        }
    }

    /**
     * Move RELEASED to MEMORY: a client scattered the data onto these workers.
     *
     * @param holders the connected workers holding it, at least one
     * @param nbytes its size, or -1 if unknown
     * @param typeName its type's name, or empty if unknown
     */
    record Scattered(List<WorkerInfo> holders, long nbytes, String typeName) implements Recommendation {
        public Scattered {
            if (holders.isEmpty()) {
                throw new IllegalArgumentException("scattered data needs at least one holder");
            }
        }

        @Override
        public SchedulerTaskState to() {
            return SchedulerTaskState.MEMORY;
        }
    }

    /** Move PROCESSING to MEMORY: the worker running the task reported its result. */
    record Finished(SchedulerEvent.TaskFinished report) implements Recommendation {
        @Override
        public SchedulerTaskState to() {
            return SchedulerTaskState.MEMORY;
        }
    }

    /**
     * The worker running the task reported an error and holds it: move to {@code to}, ERRED, or WAITING when the
     * task is retried (through RELEASED, whose edge frees the error on the worker instead of cancelling the run).
     */
    record ErredOnWorker(SchedulerEvent.TaskErred report, SchedulerTaskState to) implements LeavesProcessing {
        public ErredOnWorker {
            if (to != SchedulerTaskState.ERRED && to != SchedulerTaskState.WAITING) {
                throw new IllegalArgumentException(
                        "an error reported by a worker leads to ERRED or WAITING, not " + to);
            }
        }
    }

    /** Move PROCESSING to ERRED: the workers running the task kept dying, and it is blamed. */
    record WorkerDied(KilledWorker error) implements LeavesProcessing {
        @Override
        public SchedulerTaskState to() {
            return SchedulerTaskState.ERRED;
        }
    }
}
