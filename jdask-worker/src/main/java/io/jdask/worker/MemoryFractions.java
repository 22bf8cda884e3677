package io.jdask.worker;

import io.jdask.Settings;

/**
 * The four thresholds of a worker's memory management, as fractions of its memory limit (Dask's
 * {@code distributed.worker.memory.target/spill/pause/terminate}). Zero turns one off.
 *
 * <ul>
 *   <li>{@code target} (default 0.6): when the stored values' sizes pass this share of the limit, the least
 *       recently used ones are written to the local directory until they are below it again.
 *   <li>{@code spill} (0.7): when the JVM's heap, measured after a collection, passes this share, stored values
 *       are written to disk until the heap would be back at {@code target}.
 *   <li>{@code pause} (0.8): above this share of heap the worker starts no new task and fetches nothing; the
 *       scheduler places new work elsewhere until the heap is below it again.
 *   <li>{@code terminate} (0.95): above it a worker process exits at once, and its nanny starts a fresh one.
 * </ul>
 *
 * <p>Defaults come from the settings {@code jdask.worker.memory.target}, {@code .spill}, {@code .pause} and {@code
 * .terminate} ({@link io.jdask.Settings}: the settings file, {@code JDASK_WORKER_MEMORY_*}, {@code -Djdask.*}).
 */
public record MemoryFractions(double target, double spill, double pause, double terminate) {
    /** Dask's defaults. */
    public static final MemoryFractions DEFAULT = new MemoryFractions(0.6, 0.7, 0.8, 0.95);

    /**
     * @throws IllegalArgumentException naming the fraction that is not a number in [0, 1]
     */
    public MemoryFractions {
        check("target", target);
        check("spill", spill);
        check("pause", pause);
        check("terminate", terminate);
    }

    /** The fractions of the {@code jdask.worker.memory.*} settings (Dask's defaults unless a source sets them). */
    public static MemoryFractions fromSettings() {
        Settings s = Settings.current();
        return new MemoryFractions(
                s.get(Settings.WORKER_MEMORY_TARGET),
                s.get(Settings.WORKER_MEMORY_SPILL),
                s.get(Settings.WORKER_MEMORY_PAUSE),
                s.get(Settings.WORKER_MEMORY_TERMINATE));
    }

    /** A copy with {@code target} replaced. */
    public MemoryFractions withTarget(double f) {
        return new MemoryFractions(f, spill, pause, terminate);
    }

    /** A copy with {@code spill} replaced. */
    public MemoryFractions withSpill(double f) {
        return new MemoryFractions(target, f, pause, terminate);
    }

    /** A copy with {@code pause} replaced. */
    public MemoryFractions withPause(double f) {
        return new MemoryFractions(target, spill, f, terminate);
    }

    /** A copy with {@code terminate} replaced. */
    public MemoryFractions withTerminate(double f) {
        return new MemoryFractions(target, spill, pause, f);
    }

    private static void check(String name, double f) {
        if (!(f >= 0 && f <= 1)) {
            throw new IllegalArgumentException(
                    "the memory " + name + " fraction must be between 0 and 1 (0 turns it off), was " + f);
        }
    }
}
