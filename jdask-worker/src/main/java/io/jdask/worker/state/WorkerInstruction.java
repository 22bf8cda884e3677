package io.jdask.worker.state;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the shell must do, returned by {@link WorkerState#handle} in the order it should be done.
 * Every instruction carries the {@code stimulusId} of the event that caused it.
 *
 * <p>Two kinds: {@link SchedulerMessage}s (names end in {@code Msg}) go to the scheduler over the
 * worker's stream as they are; the others are work for the shell itself:
 *
 * <ul>
 *   <li>{@link Execute}: run the task on a worker thread, later report {@link
 *       WorkerEvent.ExecuteSuccess} or {@link WorkerEvent.ExecuteFailure} (and {@link
 *       WorkerEvent.Secede} if the task secedes). Never sent twice for a running key.
 *   <li>{@link CancelExecution}: stop a run the scheduler no longer wants (skip it if not started, else interrupt).
 *   <li>{@link GatherDep}: fetch the keys from one peer, later report exactly one of the three
 *       {@code GatherDep*} outcomes. At most one GatherDep per peer is outstanding.
 *   <li>{@link Rejoined}: let the rejoining thread of the task go on.
 *   <li>{@link DropData}: delete the values of these keys from the data store.
 * </ul>
 */
public sealed interface WorkerInstruction {
    String stimulusId();

    /** An instruction that is a message for the scheduler. */
    sealed interface SchedulerMessage extends WorkerInstruction {}

    /**
     * Run task {@code key} (its code: {@link WorkerTask#runSpec()}) on a worker thread; {@code runId} is the
     * assignment it runs for (see {@link WorkerTask#runId()}).
     */
    record Execute(String key, long runId, String stimulusId) implements WorkerInstruction {
        public Execute {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }

        /** Without a run id (0): a task no ComputeTask assigned one to. */
        public Execute(String key, String stimulusId) {
            this(key, 0, stimulusId);
        }
    }

    /**
     * Fetch {@code keys} (highest priority first) from {@code peer}; {@code totalNbytes} is the
     * expected size, already counted against the incoming transfer limits.
     */
    record GatherDep(String peer, Set<String> keys, long totalNbytes, String stimulusId) implements WorkerInstruction {
        public GatherDep {
            Objects.requireNonNull(peer, "peer");
            keys = Copies.set(keys, "keys");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * Stop the run of {@code key}: if its function has not started, skip it (and hand in {@link
     * WorkerEvent.ExecuteSkipped}); if it runs, interrupt its thread once, so a task blocked on a queue, lock or
     * future wakes up and ends. A run that already returned is left alone.
     */
    record CancelExecution(String key, String stimulusId) implements WorkerInstruction {
        public CancelExecution {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** The rejoining thread of {@code key} may go on: it holds a slot again (or never needed one). */
    record Rejoined(String key, String stimulusId) implements WorkerInstruction {}

    /** Delete these keys' values from the shell's data store. */
    record DropData(List<String> keys, String stimulusId) implements WorkerInstruction {
        public DropData {
            keys = Copies.list(keys, "keys");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * Task {@code key}, which the scheduler asked us to compute, is in memory here.
     *
     * @param typeName the value's class name, or null if unknown (the value was fetched, not
     *     computed)
     * @param start when the task body started (shell clock nanoseconds), 0 if not computed here
     * @param stop when it returned, 0 if not computed here
     */
    record TaskFinishedMsg(
            String key, long runId, long nbytes, String typeName, long start, long stop, String stimulusId)
            implements SchedulerMessage {
        public TaskFinishedMsg {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }

        /** Without a run id (0): a task no ComputeTask assigned one to. */
        public TaskFinishedMsg(String key, long nbytes, String typeName, long start, long stop, String stimulusId) {
            this(key, 0, nbytes, typeName, start, stop, stimulusId);
        }
    }

    /** Task {@code key} failed here; {@code error} is what the shell or a peer reported. */
    record TaskErredMsg(String key, long runId, Object error, String stimulusId) implements SchedulerMessage {
        public TaskErredMsg {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }

        /** Without a run id (0): a task no ComputeTask assigned one to. */
        public TaskErredMsg(String key, Object error, String stimulusId) {
            this(key, 0, error, stimulusId);
        }
    }

    /** Task {@code key} has been running here for a while (see {@link WorkerEvent.StillRunning}). */
    record TaskStartedMsg(String key, String stimulusId) implements SchedulerMessage {
        public TaskStartedMsg {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** {@code erringWorker}, which the scheduler named as a holder of {@code key}, did not have it. */
    record MissingDataMsg(String key, String erringWorker, String stimulusId) implements SchedulerMessage {
        public MissingDataMsg {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(erringWorker, "erringWorker");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** This worker now holds replicas of these keys (fetched from peers). */
    record AddKeysMsg(List<String> keys, String stimulusId) implements SchedulerMessage {
        public AddKeysMsg {
            keys = Copies.list(keys, "keys");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /**
     * No known peer holds these keys any more; the scheduler should answer with {@link
     * WorkerEvent.RefreshWhoHas}.
     */
    record RequestRefreshWhoHasMsg(List<String> keys, String stimulusId) implements SchedulerMessage {
        public RequestRefreshWhoHasMsg {
            keys = Copies.list(keys, "keys");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** This worker dropped its copy of {@code key}. */
    record ReleaseWorkerDataMsg(String key, String stimulusId) implements SchedulerMessage {
        public ReleaseWorkerDataMsg {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }

    /** Task {@code key} seceded: it still runs but no longer occupies a thread here. */
    record LongRunningMsg(String key, long runId, String stimulusId) implements SchedulerMessage {
        public LongRunningMsg {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }

        /** Without a run id (0): a task no ComputeTask assigned one to. */
        public LongRunningMsg(String key, String stimulusId) {
            this(key, 0, stimulusId);
        }
    }

    /**
     * The answer to a {@link WorkerEvent.StealRequest}: {@code released} when the run had not started and was dropped
     * here (the scheduler may give it to another worker); {@code state} is the task's state when the request came.
     */
    record StealResponseMsg(String key, long runId, boolean released, String state, String stimulusId)
            implements SchedulerMessage {
        public StealResponseMsg {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(stimulusId, "stimulusId");
        }
    }
}
