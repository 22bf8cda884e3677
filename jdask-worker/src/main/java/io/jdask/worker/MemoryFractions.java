package io.jdask.worker;

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
 * <p>Defaults can be changed with the system properties {@code jdask.worker.memory.target}, {@code .spill},
 * {@code .pause} and {@code .terminate} (until the settings file of the operations issue takes them).
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

    /** The defaults, each replaced by its {@code jdask.worker.memory.*} system property when that is set. */
    public static MemoryFractions fromSystemProperties() {
        return new MemoryFractions(
                property("target", DEFAULT.target),
                property("spill", DEFAULT.spill),
                property("pause", DEFAULT.pause),
                property("terminate", DEFAULT.terminate));
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

    private static double property(String name, double fallback) {
        String value = System.getProperty("jdask.worker.memory." + name);
        if (value == null || value.isBlank()) return fallback;
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property jdask.worker.memory." + name
                    + " must be a fraction such as 0.6 (0 turns it off), was " + value);
        }
    }

    private static void check(String name, double f) {
        if (!(f >= 0 && f <= 1)) {
            throw new IllegalArgumentException(
                    "the memory " + name + " fraction must be between 0 and 1 (0 turns it off), was " + f);
        }
    }
}
