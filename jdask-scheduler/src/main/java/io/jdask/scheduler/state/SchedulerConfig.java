package io.jdask.scheduler.state;

/**
 * Immutable tuning of a {@link SchedulerState}. Build with {@link #builder()}; {@link #defaults()} matches
 * Dask's defaults where Dask has one.
 */
public final class SchedulerConfig {
    private final double workerSaturation;
    private final long shortTaskLatencyNanos;
    private final double bandwidthBytesPerSecond;
    private final long defaultTaskDurationNanos;
    private final long defaultDataSizeBytes;
    private final int maxWorkerDeathsPerTask;
    private final int storyCapacity;
    private final long maxTransitionsPerHandle;
    private final boolean workStealing;
    private final long pausedClusterWarningNanos;
    private final long workerTtlNanos;

    private SchedulerConfig(Builder b) {
        this.workerSaturation = b.workerSaturation;
        this.shortTaskLatencyNanos = b.shortTaskLatencyNanos;
        this.bandwidthBytesPerSecond = b.bandwidthBytesPerSecond;
        this.defaultTaskDurationNanos = b.defaultTaskDurationNanos;
        this.defaultDataSizeBytes = b.defaultDataSizeBytes;
        this.maxWorkerDeathsPerTask = b.maxWorkerDeathsPerTask;
        this.storyCapacity = b.storyCapacity;
        this.maxTransitionsPerHandle = b.maxTransitionsPerHandle;
        this.workStealing = b.workStealing;
        this.pausedClusterWarningNanos = b.pausedClusterWarningNanos;
        this.workerTtlNanos = b.workerTtlNanos;
    }

    /** The default worker time-to-live: 30 seconds. */
    public static final long DEFAULT_WORKER_TTL_NANOS = 30_000_000_000L;

    private static final SchedulerConfig DEFAULTS = builder().build();

    public static SchedulerConfig defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        var b = new Builder();
        b.workerSaturation = workerSaturation;
        b.shortTaskLatencyNanos = shortTaskLatencyNanos;
        b.bandwidthBytesPerSecond = bandwidthBytesPerSecond;
        b.defaultTaskDurationNanos = defaultTaskDurationNanos;
        b.defaultDataSizeBytes = defaultDataSizeBytes;
        b.maxWorkerDeathsPerTask = maxWorkerDeathsPerTask;
        b.storyCapacity = storyCapacity;
        b.maxTransitionsPerHandle = maxTransitionsPerHandle;
        b.workStealing = workStealing;
        b.pausedClusterWarningNanos = pausedClusterWarningNanos;
        b.workerTtlNanos = workerTtlNanos;
        return b;
    }

    public double workerSaturation() {
        return workerSaturation;
    }

    /** The scheduler-to-worker round trip that queued short tasks must cover; 0 keeps slots fixed. */
    public long shortTaskLatencyNanos() {
        return shortTaskLatencyNanos;
    }

    /** True when root-ish tasks are queued on the scheduler (saturation is finite). */
    public boolean queuingEnabled() {
        return !Double.isInfinite(workerSaturation);
    }

    public double bandwidthBytesPerSecond() {
        return bandwidthBytesPerSecond;
    }

    public long defaultTaskDurationNanos() {
        return defaultTaskDurationNanos;
    }

    public long defaultDataSizeBytes() {
        return defaultDataSizeBytes;
    }

    public int maxWorkerDeathsPerTask() {
        return maxWorkerDeathsPerTask;
    }

    public int storyCapacity() {
        return storyCapacity;
    }

    public long maxTransitionsPerHandle() {
        return maxTransitionsPerHandle;
    }

    /** True when waiting tasks may be moved from busy workers to idle ones (see {@link WorkStealing}). */
    public boolean workStealing() {
        return workStealing;
    }

    /** How long every worker may stay paused with work waiting before the clients are warned; 0 never warns. */
    public long pausedClusterWarningNanos() {
        return pausedClusterWarningNanos;
    }

    /** A worker not heard from for longer than this is removed (see {@link SchedulerEvent.CheckWorkerTtl}); 0: never. */
    public long workerTtlNanos() {
        return workerTtlNanos;
    }

    @Override
    public String toString() {
        return "SchedulerConfig[workerSaturation=" + workerSaturation + ", bandwidthBytesPerSecond="
                + bandwidthBytesPerSecond + ", defaultTaskDurationNanos=" + defaultTaskDurationNanos
                + ", defaultDataSizeBytes=" + defaultDataSizeBytes + ", maxWorkerDeathsPerTask="
                + maxWorkerDeathsPerTask
                + ", storyCapacity=" + storyCapacity + ", maxTransitionsPerHandle=" + maxTransitionsPerHandle
                + ", workStealing=" + workStealing + ", pausedClusterWarningNanos=" + pausedClusterWarningNanos
                + ", workerTtlNanos=" + workerTtlNanos + "]";
    }

    /** Mutable builder; each setter checks its argument. */
    public static final class Builder {
        private double workerSaturation = 1.1;
        private long shortTaskLatencyNanos = 200_000;
        private double bandwidthBytesPerSecond = 100e6;
        private long defaultTaskDurationNanos = 500_000_000L;
        private long defaultDataSizeBytes = 1024;
        private int maxWorkerDeathsPerTask = 3;
        private int storyCapacity = 100_000;
        private long maxTransitionsPerHandle = 0;
        private boolean workStealing = true;
        private long pausedClusterWarningNanos = 10_000_000_000L;
        private long workerTtlNanos = DEFAULT_WORKER_TTL_NANOS;

        private Builder() {}

        /**
         * Root-ish tasks (no dependencies, no restrictions) go to a worker only while it runs fewer than
         * {@code ceil(nthreads * factor)} tasks; the rest wait in {@link SchedulerTaskState#QUEUED}. Default 1.1
         * (Dask 2022.12+). {@link Double#POSITIVE_INFINITY} disables queuing.
         */
        public Builder workerSaturation(double factor) {
            if (!(factor > 0)) {
                throw new IllegalArgumentException(
                        "workerSaturation must be > 0 (or infinite to disable queuing), was " + factor);
            }
            this.workerSaturation = factor;
            return this;
        }

        /**
         * Lets a worker take more queued root-ish tasks than {@code ceil(nthreads * saturation)} while the tasks it runs
         * are short: with a fixed 2 slots per thread, a worker running tasks of 5 us would idle for most of each round
         * trip to the scheduler and back (about 100 us here) between two of them. A worker's slots become
         * {@code ceil(nthreads * (1 + latency / d))}, where d is the moving average of the run times of the tasks it
         * finished, never fewer than the saturation gives and at most 32 times that. Tasks that take longer than the
         * latency keep exactly Dask's behaviour. Default 200 us; 0 turns the adaptation off.
         */
        public Builder shortTaskLatencyNanos(long nanos) {
            if (nanos < 0) {
                throw new IllegalArgumentException("shortTaskLatencyNanos must be >= 0 (0 turns it off), was " + nanos);
            }
            this.shortTaskLatencyNanos = nanos;
            return this;
        }

        /** Assumed network bandwidth for the cost of fetching dependencies; default 100 MB/s. */
        public Builder bandwidthBytesPerSecond(double bytesPerSecond) {
            if (!(bytesPerSecond > 0) || Double.isInfinite(bytesPerSecond)) {
                throw new IllegalArgumentException(
                        "bandwidthBytesPerSecond must be finite and > 0, was " + bytesPerSecond);
            }
            this.bandwidthBytesPerSecond = bytesPerSecond;
            return this;
        }

        /** Duration estimate of a task whose prefix never finished yet; default 0.5 s. */
        public Builder defaultTaskDurationNanos(long nanos) {
            if (nanos < 0) {
                throw new IllegalArgumentException("defaultTaskDurationNanos must be >= 0, was " + nanos);
            }
            this.defaultTaskDurationNanos = nanos;
            return this;
        }

        /** Size assumed for a result of unknown size; default 1 KiB. */
        public Builder defaultDataSizeBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("defaultDataSizeBytes must be >= 0, was " + bytes);
            }
            this.defaultDataSizeBytes = bytes;
            return this;
        }

        /**
         * A task errs with {@link KilledWorker} when this many workers died while running it; default 3.
         */
        public Builder maxWorkerDeathsPerTask(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxWorkerDeathsPerTask must be >= 1, was " + n);
            }
            this.maxWorkerDeathsPerTask = n;
            return this;
        }

        /** How many story entries are kept (oldest dropped first); default 100,000. 0 keeps none. */
        public Builder storyCapacity(int entries) {
            if (entries < 0) {
                throw new IllegalArgumentException("storyCapacity must be >= 0, was " + entries);
            }
            this.storyCapacity = entries;
            return this;
        }

        /**
         * Cap on transitions in one {@code handle} call, beyond which it throws
         * {@link io.jdask.protocol.state.TransitionCounterMaxExceeded}. 0 (default) means {@code 1000 + 20 * (number of tasks)}, measured
         * when the recommendation loop starts, which a correct machine never reaches.
         */
        public Builder maxTransitionsPerHandle(long cap) {
            if (cap < 0) {
                throw new IllegalArgumentException("maxTransitionsPerHandle must be >= 0 (0 = automatic), was " + cap);
            }
            this.maxTransitionsPerHandle = cap;
            return this;
        }

        /**
         * Whether {@link SchedulerEvent.Balance} events may move waiting tasks from saturated workers to idle ones;
         * default true (as Dask's work-stealing extension).
         */
        public Builder workStealing(boolean on) {
            this.workStealing = on;
            return this;
        }

        /**
         * When every worker has been paused by memory for this long while tasks wait, every client is warned once (a
         * {@link SchedulerInstruction.WorkersPaused} naming the workers and their memory), and again only after the
         * cluster ran and stalled anew. Pausing frees nothing by itself: if what fills the workers is results that the
         * waiting tasks need, the cluster stays paused until a worker passes its terminate fraction and its nanny
         * restarts it, or the user frees data. Dask logs and waits; the warning says what is stuck and why. Default
         * 10 s; 0 turns the warning off.
         */
        public Builder pausedClusterWarningNanos(long nanos) {
            if (nanos < 0) {
                throw new IllegalArgumentException("pausedClusterWarningNanos must be >= 0 (0 = never), was " + nanos);
            }
            this.pausedClusterWarningNanos = nanos;
            return this;
        }

        /**
         * The worker time-to-live: a worker the scheduler has not heard from (a heartbeat, or any other message) for
         * longer than this is removed as if its connection had closed, when a {@link SchedulerEvent.CheckWorkerTtl}
         * comes. Default 30 s (Dask's default is 5 minutes); 0 turns the check off.
         */
        public Builder workerTtlNanos(long nanos) {
            if (nanos < 0) {
                throw new IllegalArgumentException("workerTtlNanos must be >= 0 (0 turns the check off), was " + nanos);
            }
            this.workerTtlNanos = nanos;
            return this;
        }

        public SchedulerConfig build() {
            return new SchedulerConfig(this);
        }
    }
}
