package io.jdask;

import java.util.Objects;

/**
 * Options of one {@code compute} or {@code persist}: {@code z.compute(opts -> opts.retries(3))}.
 *
 * <p>Immutable; each setter returns a new instance. The defaults: {@link Scheduler#DEFAULT}, no retries.
 */
public final class ComputeOptions {
    private static final ComputeOptions DEFAULTS = new ComputeOptions(Scheduler.DEFAULT, 0);

    private final Scheduler scheduler;
    private final int retries;

    private ComputeOptions(Scheduler scheduler, int retries) {
        this.scheduler = scheduler;
        this.retries = retries;
    }

    public static ComputeOptions defaults() {
        return DEFAULTS;
    }

    /** Where to run: {@link Scheduler#SYNC}, {@link Scheduler#THREADS}, or the default. */
    public ComputeOptions scheduler(Scheduler scheduler) {
        return new ComputeOptions(Objects.requireNonNull(scheduler, "scheduler"), retries);
    }

    /** How many times a failing task is run again before the computation fails (0: never). */
    public ComputeOptions retries(int retries) {
        if (retries < 0) throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        return new ComputeOptions(scheduler, retries);
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public int retries() {
        return retries;
    }

    @Override
    public String toString() {
        return "ComputeOptions[scheduler=" + scheduler + ", retries=" + retries + "]";
    }
}
