package io.jdask.worker.state;

/**
 * A pending recommendation: the state a task should move to, with what the edge into that state needs.
 *
 * <p>The target decides the argument, so the recommendation's type says it: an edge into ERROR takes a {@link
 * ToError}, an edge into FLIGHT a {@link ToFlight} (see {@link WorkerTransitions.Edge}), and every other edge
 * nothing. A {@link Plain} recommendation of ERROR or FLIGHT is refused when it is made.
 */
sealed interface Recommendation {
    WorkerTaskState to();

    /** Move to {@code to}; the edge needs nothing more. Never ERROR or FLIGHT. */
    record Plain(WorkerTaskState to) implements Recommendation {
        private static final Plain[] CACHE = cache();

        public Plain {
            if (to == WorkerTaskState.ERROR || to == WorkerTaskState.FLIGHT) {
                throw new IllegalArgumentException(
                        "a recommendation of " + to + " needs its argument: use ToError or ToFlight");
            }
        }

        /** The (shared) plain recommendation of {@code to}; throws for ERROR and FLIGHT. */
        static Plain of(WorkerTaskState to) {
            Plain p = CACHE[to.ordinal()];
            return p != null ? p : new Plain(to);
        }

        private static Plain[] cache() {
            var plain = new Plain[WorkerTaskState.values().length];
            for (WorkerTaskState s : WorkerTaskState.values()) {
                if (s != WorkerTaskState.ERROR && s != WorkerTaskState.FLIGHT) plain[s.ordinal()] = new Plain(s);
            }
            return plain;
        }
    }

    /**
     * Move to ERROR because of {@code error}, as the shell or a peer reported it.
     *
     * @param peer the peer a failed transfer came from; null when the task itself failed
     */
    record ToError(Object error, String peer) implements Recommendation {
        @Override
        public WorkerTaskState to() {
            return WorkerTaskState.ERROR;
        }
    }

    /** Move to FLIGHT: the transfer from {@code peer}, which holds the task's key, was planned. */
    record ToFlight(Peer peer) implements Recommendation {
        @Override
        public WorkerTaskState to() {
            return WorkerTaskState.FLIGHT;
        }
    }
}
