package io.jdask;

import io.jdask.spi.Runtimes;
import java.time.Duration;
import java.util.List;

/**
 * A scheduler and workers on this machine: worker processes (the default) or worker threads in this JVM.
 *
 * {@snippet :
 * try (LocalCluster cluster = LocalCluster.builder().workers(2).threadsPerWorker(2).build();
 *      Client client = Client.connect(cluster)) {
 *     // ...
 * }
 * }
 * Closing the cluster stops every process it started.
 */
public interface LocalCluster extends Cluster {

    static Builder builder() {
        return new Builder();
    }

    /** The scheduler's address, {@code tcp://127.0.0.1:port} ({@code tls://} with {@link Builder#security}). */
    @Override
    String schedulerAddress();

    /** The dashboard's URL, {@code http://127.0.0.1:PORT/status}, or an empty string if it is disabled. */
    @Override
    String dashboardLink();

    /** The addresses of the workers running now. */
    @Override
    List<String> workerAddresses();

    /** Adds or stops workers until there are {@code n}; returns when they have joined or left. */
    @Override
    void scale(int n);

    /** The credentials of {@link Builder#security}, or null. */
    @Override
    default Security security() {
        return spec().security();
    }

    /** The options it was built with. */
    Spec spec();

    /** Stops the workers and the scheduler; no process is left behind. */
    @Override
    void close();

    /**
     * What a local cluster is made of. {@code workerJvmOptions} are added to the command line of each worker process
     * after jdask's own flags (so a user's {@code -Xss} or {@code -XX} setting wins), before the class path.
     */
    record Spec(
            int workers,
            int threadsPerWorker,
            boolean processes,
            long memoryLimitBytes,
            int dashboardPort,
            int schedulerPort,
            Memory memory,
            Security security,
            Duration workerTtl,
            int allowedFailures,
            List<String> workerJvmOptions) {
        /** The scheduler's default worker time-to-live (see {@link Builder#workerTtl}). */
        public static final Duration DEFAULT_WORKER_TTL = Duration.ofSeconds(30);
        /** How many worker deaths a task survives by default (see {@link Builder#allowedFailures}). */
        public static final int DEFAULT_ALLOWED_FAILURES = 3;

        public Spec {
            if (workers < 0) throw new IllegalArgumentException("workers must be >= 0, got " + workers);
            workerTtl = workerTtl == null ? DEFAULT_WORKER_TTL : workerTtl;
            if (workerTtl.isNegative()) {
                throw new IllegalArgumentException(
                        "workerTtl must be >= 0 (zero turns the check off), got " + workerTtl);
            }
            if (allowedFailures < 1) {
                throw new IllegalArgumentException("allowedFailures must be >= 1, got " + allowedFailures);
            }
            if (threadsPerWorker < 1) {
                throw new IllegalArgumentException("threadsPerWorker must be >= 1, got " + threadsPerWorker);
            }
            memory = memory == null ? Memory.DEFAULT : memory;
            workerJvmOptions = workerJvmOptions == null ? List.of() : List.copyOf(workerJvmOptions);
            for (String o : workerJvmOptions) {
                if (o.isBlank() || !o.startsWith("-") || o.contains(" -")) {
                    throw new IllegalArgumentException("a worker JVM option starts with '-' (such as -Xss8m or"
                            + " -Dname=value), got '" + o + "'; pass each option as one string");
                }
                if (o.equals("-cp") || o.equals("-classpath") || o.equals("--class-path") || o.equals("-jar")) {
                    throw new IllegalArgumentException("worker JVM options cannot set " + o
                            + ": LocalCluster gives worker processes this JVM's class path; ship other jars with"
                            + " client.uploadJar");
                }
            }
        }

        /** With the default worker time-to-live and allowed failures, and no extra JVM options for workers. */
        public Spec(
                int workers,
                int threadsPerWorker,
                boolean processes,
                long memoryLimitBytes,
                int dashboardPort,
                int schedulerPort,
                Memory memory,
                Security security) {
            this(
                    workers,
                    threadsPerWorker,
                    processes,
                    memoryLimitBytes,
                    dashboardPort,
                    schedulerPort,
                    memory,
                    security,
                    DEFAULT_WORKER_TTL,
                    DEFAULT_ALLOWED_FAILURES,
                    List.of());
        }

        /** With the workers' default memory management and no TLS. */
        public Spec(
                int workers,
                int threadsPerWorker,
                boolean processes,
                long memoryLimitBytes,
                int dashboardPort,
                int schedulerPort) {
            this(
                    workers,
                    threadsPerWorker,
                    processes,
                    memoryLimitBytes,
                    dashboardPort,
                    schedulerPort,
                    Memory.DEFAULT,
                    null);
        }
    }

    /**
     * How workers manage their memory, as fractions of the memory limit (Dask's {@code distributed.worker.memory.*});
     * -1 leaves a fraction at the workers' default (0.6, 0.7, 0.8, 0.95, or the {@code jdask.worker.memory.*}
     * system properties), 0 turns it off.
     *
     * @param target above it the least recently used stored values spill to disk
     * @param spill above it (of heap after a collection) values spill too
     * @param pause above it a worker starts no new task
     * @param terminate above it a worker process exits and is restarted
     * @param localDirectory where spill files go; empty for the system's temporary directory
     */
    record Memory(double target, double spill, double pause, double terminate, String localDirectory) {
        public static final Memory DEFAULT = new Memory(-1, -1, -1, -1, "");

        public Memory {
            check("target", target);
            check("spill", spill);
            check("pause", pause);
            check("terminate", terminate);
            localDirectory = localDirectory == null ? "" : localDirectory;
        }

        private static void check(String name, double f) {
            if (!(f == -1 || (f >= 0 && f <= 1))) {
                throw new IllegalArgumentException(
                        "the memory " + name + " fraction must be between 0 and 1 (0 turns it off), got " + f);
            }
        }
    }

    /**
     * Builds a {@link LocalCluster}; defaults: one worker process per core, one thread each, the dashboard on port
     * {@value #DEFAULT_DASHBOARD_PORT} (or a free port if that one is taken), each replaced by its {@code
     * jdask.cluster.*} setting when one is set ({@link Settings}).
     */
    final class Builder {
        // Defaults from the jdask.cluster.* settings (see Settings); the setters override them.
        private int workers = Settings.current().get(Settings.CLUSTER_WORKERS);
        private int threadsPerWorker = Settings.current().get(Settings.CLUSTER_THREADS_PER_WORKER);
        private boolean processes = Settings.current().get(Settings.CLUSTER_PROCESSES);
        private long memoryLimit = Settings.current().get(Settings.CLUSTER_MEMORY_LIMIT);
        /** Dask's dashboard port. */
        public static final int DEFAULT_DASHBOARD_PORT = 8787;

        private int dashboardPort = Settings.current().get(Settings.CLUSTER_DASHBOARD_PORT);
        private int schedulerPort = 0;
        private Memory memory = Memory.DEFAULT;
        private Security security;
        private Duration workerTtl = Settings.current().get(Settings.SCHEDULER_WORKER_TTL);
        private int allowedFailures = Settings.current().get(Settings.SCHEDULER_ALLOWED_FAILURES);
        private List<String> workerJvmOptions = List.of();

        Builder() {}

        /** How many workers to start (0 is allowed: add them later with {@code scale}). */
        public Builder workers(int n) {
            this.workers = n;
            return this;
        }

        /** Threads per worker: how many tasks one worker runs at once. */
        public Builder threadsPerWorker(int n) {
            this.threadsPerWorker = n;
            return this;
        }

        /** Workers as separate JVMs (true, the default) or as threads in this JVM (false: fast start, for tests). */
        public Builder processes(boolean processes) {
            this.processes = processes;
            return this;
        }

        /** Memory per worker, such as {@code "4GB"}, {@code "512MiB"}: a worker process's heap. */
        public Builder memoryLimit(String limit) {
            this.memoryLimit = MemorySizes.parse(limit);
            return this;
        }

        /**
         * The dashboard's port: default {@value #DEFAULT_DASHBOARD_PORT} as in Dask, falling back to a free port (with
         * a log line) when it is taken; 0 picks a free one; -1 disables the dashboard. The dashboard listens on
         * 127.0.0.1, like the local scheduler; {@link LocalCluster#dashboardLink()} tells where.
         */
        public Builder dashboardPort(int port) {
            this.dashboardPort = port;
            return this;
        }

        /** Fraction of the memory limit above which stored values spill to disk (default 0.6; 0 turns it off). */
        public Builder memoryTarget(double fraction) {
            memory = new Memory(fraction, memory.spill(), memory.pause(), memory.terminate(), memory.localDirectory());
            return this;
        }

        /** Fraction of the memory limit of heap (after a collection) above which values spill too (default 0.7). */
        public Builder memorySpill(double fraction) {
            memory = new Memory(memory.target(), fraction, memory.pause(), memory.terminate(), memory.localDirectory());
            return this;
        }

        /** Fraction of the memory limit of heap above which a worker starts no new task (default 0.8). */
        public Builder memoryPause(double fraction) {
            memory = new Memory(memory.target(), memory.spill(), fraction, memory.terminate(), memory.localDirectory());
            return this;
        }

        /** Fraction of the memory limit of heap above which a worker process exits and is restarted (default 0.95). */
        public Builder memoryTerminate(double fraction) {
            memory = new Memory(memory.target(), memory.spill(), memory.pause(), fraction, memory.localDirectory());
            return this;
        }

        /** Where workers spill values (each in a directory of its own); default the system's temporary directory. */
        public Builder localDirectory(String directory) {
            memory = new Memory(memory.target(), memory.spill(), memory.pause(), memory.terminate(), directory);
            return this;
        }

        /** The scheduler's port (default 0: a free one). */
        public Builder schedulerPort(int port) {
            this.schedulerPort = port;
            return this;
        }

        /**
         * Mutual TLS between the cluster's scheduler, workers and clients, with these credentials (usually
         * {@link Security#temporary()}); default none (plain TCP on loopback). Worker processes get the credentials
         * through a file only this user can read, deleted when the cluster closes; never on a command line.
         */
        public Builder security(Security security) {
            this.security = security;
            return this;
        }

        /**
         * The scheduler removes a worker it has not heard from for this long (workers send a heartbeat every second)
         * and runs its tasks elsewhere; a worker process that was only frozen registers again as a new worker when it
         * wakes. Default 30 s; {@link Duration#ZERO} turns the check off.
         */
        public Builder workerTtl(Duration ttl) {
            this.workerTtl = java.util.Objects.requireNonNull(ttl, "ttl");
            return this;
        }

        /**
         * How many times the workers running a task may die under it before the task fails with
         * {@link KilledWorkerException} (Dask's {@code allowed-failures}); default 3.
         */
        public Builder allowedFailures(int n) {
            this.allowedFailures = n;
            return this;
        }

        /**
         * JVM options for each worker process, such as {@code "-Xss8m"}, {@code "-Dmy.setting=1"} or
         * {@code "--add-opens=java.base/java.util=ALL-UNNAMED"}: added after jdask's own (heap from {@link
         * #memoryLimit}, garbage collector, flags that keep the serializer quiet), so they win where both set the same
         * thing. Ignored for workers in this JVM ({@code processes(false)}).
         */
        public Builder workerJvmOptions(String... options) {
            this.workerJvmOptions = List.of(options);
            spec(); // refuses a bad option here, where it was given
            return this;
        }

        public Spec spec() {
            return new Spec(
                    workers,
                    threadsPerWorker,
                    processes,
                    memoryLimit,
                    dashboardPort,
                    schedulerPort,
                    memory,
                    security,
                    workerTtl,
                    allowedFailures,
                    workerJvmOptions);
        }

        /** Starts the cluster and returns when its workers have joined. */
        public LocalCluster build() {
            return Runtimes.get().startLocalCluster(spec());
        }
    }
}
