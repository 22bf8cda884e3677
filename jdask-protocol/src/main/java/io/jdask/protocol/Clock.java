package io.jdask.protocol;

/**
 * Where the scheduler and worker shells read the time, so that a test can drive their timers and the times they put
 * on events with a clock of its own instead of the machine's.
 *
 * <p>Two readings, as the shells need them: {@link #nanoTime()} for durations and deadlines (monotonic, any origin,
 * like {@link System#nanoTime()}), and {@link #wallNanos()} for times that leave the process (task stream records,
 * compared across machines): nanoseconds since the epoch. An implementation must be thread-safe, fast and must not
 * block; the shells call it on their event loops and task threads.
 */
public interface Clock {

    /** Monotonic nanoseconds from an arbitrary origin; only differences mean something. */
    long nanoTime();

    /** Nanoseconds since 1970-01-01T00:00Z, advancing with {@link #nanoTime()}. */
    long wallNanos();

    /**
     * The machine's clock. Its wall time is fixed to the monotonic clock once, when this class loads, so wall times
     * taken by one process never go backwards (a step of the system clock does not show; for task timelines that is
     * the right trade).
     */
    static Clock system() {
        return SystemClock.INSTANCE;
    }

    /** The clock of {@link #system()}. */
    enum SystemClock implements Clock {
        INSTANCE;

        private static final long EPOCH_OFFSET_NANOS = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long wallNanos() {
            return EPOCH_OFFSET_NANOS + System.nanoTime();
        }
    }
}
