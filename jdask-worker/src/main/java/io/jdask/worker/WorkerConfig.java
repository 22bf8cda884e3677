package io.jdask.worker;

import io.jdask.Security;
import io.jdask.Settings;
import io.jdask.protocol.Clock;
import io.jdask.protocol.Tls;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable settings of a {@link WorkerServer}, built with {@link #builder(String)}.
 *
 * <p>The transport is chosen by address scheme: {@code tcp://} addresses use a Netty TCP
 * transport, {@code inproc://} ones the in-process transport (a worker living in the same JVM as
 * its scheduler, for tests and local clusters without processes). The listen address and the
 * scheduler address may use different schemes; the worker opens one transport per scheme it
 * needs.
 */
public final class WorkerConfig {
    private final String schedulerAddress;
    private final String listenAddress;
    private final int nthreads;
    private final String name;
    private final long memoryLimit;
    private final Map<String, Double> resources;
    private final Duration connectTimeout;
    private final Duration transferTimeout;
    private final Duration classFetchTimeout;
    private final long inlineLimit;
    private final Duration profileInterval;
    private final int executeAhead;
    private final Clock clock;
    private final MemoryFractions memoryFractions;
    private final java.nio.file.Path localDirectory;
    private final boolean ownsProcess;
    private final Security security;
    private final Tls tls;

    private WorkerConfig(Builder b) {
        this.schedulerAddress = b.schedulerAddress;
        // With credentials every port of the worker speaks TLS, whatever scheme the listen address was given in.
        this.listenAddress = b.security != null && b.listenAddress.startsWith("tcp://")
                ? "tls://" + b.listenAddress.substring("tcp://".length())
                : b.listenAddress;
        this.nthreads = b.nthreads;
        this.name = b.name;
        this.memoryLimit = b.memoryLimit;
        this.resources = Map.copyOf(b.resources);
        this.connectTimeout = b.connectTimeout;
        this.transferTimeout = b.transferTimeout;
        this.classFetchTimeout = b.classFetchTimeout;
        this.inlineLimit = b.inlineLimit;
        this.profileInterval = b.profileInterval;
        this.executeAhead = b.executeAhead;
        this.clock = b.clock;
        this.memoryFractions = b.memoryFractions;
        this.localDirectory = b.localDirectory;
        this.ownsProcess = b.ownsProcess;
        this.security = b.security;
        this.tls = security == null
                ? null
                : Tls.fromPem(security.caCertificatePem(), security.certificatePem(), security.privateKeyPem());
        for (String address : new String[] {schedulerAddress, listenAddress}) {
            if (tls == null && address.startsWith("tls://")) {
                throw new IllegalArgumentException(
                        address + " is a tls:// address: give the worker the cluster's credentials (--security FILE)");
            }
        }
    }

    /** Starts the settings of a worker that registers with the scheduler at {@code schedulerAddress}. */
    public static Builder builder(String schedulerAddress) {
        return new Builder(schedulerAddress);
    }

    /** Where the scheduler listens, e.g. {@code tcp://10.0.0.1:8786}. */
    public String schedulerAddress() {
        return schedulerAddress;
    }

    /** Where this worker listens for peers and clients, e.g. {@code tcp://0.0.0.0:0}. */
    public String listenAddress() {
        return listenAddress;
    }

    /** Number of threads running tasks at once. */
    public int nthreads() {
        return nthreads;
    }

    /** Human-readable name; empty means "use the address". */
    public String name() {
        return name;
    }

    /** Bytes of memory this worker may use for data; 0 means no limit. Reported to the scheduler. */
    public long memoryLimit() {
        return memoryLimit;
    }

    /** Abstract resources this worker offers, e.g. {@code GPU=2}. */
    public Map<String, Double> resources() {
        return resources;
    }

    /** How long connecting and registering with the scheduler may take. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long one fetch of values from a peer may take before it counts as a network failure. */
    public Duration transferTimeout() {
        return transferTimeout;
    }

    /** How long a worker waits for a client to answer a request for one of its classes. */
    public Duration classFetchTimeout() {
        return classFetchTimeout;
    }

    /** Results whose serialized form is at most this many bytes travel inline with TaskFinished. */
    public long inlineLimit() {
        return inlineLimit;
    }

    /** How often task threads are sampled for the profile; zero when profiling is off. */
    public Duration profileInterval() {
        return profileInterval;
    }

    /** Short tasks handed to the task threads beyond {@code nthreads} (see {@link Builder#executeAhead}). */
    public int executeAhead() {
        return executeAhead;
    }

    /** Where the worker reads the time: task times, event times, timers' ages. */
    public Clock clock() {
        return clock;
    }

    /** The spill, pause and terminate thresholds (see {@link MemoryFractions}). */
    public MemoryFractions memoryFractions() {
        return memoryFractions;
    }

    /** Where spill files go (in a directory of the worker's own); null means the system's temporary directory. */
    public java.nio.file.Path localDirectory() {
        return localDirectory;
    }

    /**
     * Whether the worker has its JVM to itself (a worker process): only then does its heap measure its own memory,
     * so only then does it spill, pause and exit by the heap's use. A worker sharing a JVM spills by its stored
     * values' sizes alone.
     */
    public boolean ownsProcess() {
        return ownsProcess;
    }

    /** The cluster's TLS set-up for {@code tls://} addresses, or null (plain TCP only). */
    public Tls tls() {
        return tls;
    }

    /** The cluster's credentials, or null (plain TCP only). */
    public Security security() {
        return security;
    }

    @Override
    public String toString() {
        return "WorkerConfig[scheduler=" + schedulerAddress + ", listen=" + listenAddress + ", nthreads=" + nthreads
                + ", name=" + name + ", memoryLimit=" + memoryLimit + ", memory=" + memoryFractions
                + ", localDirectory="
                + localDirectory + ", resources=" + resources + "]";
    }

    /** Builder for {@link WorkerConfig}. */
    public static final class Builder {
        private final String schedulerAddress;
        private String listenAddress = "tcp://127.0.0.1:0";
        private int nthreads = Runtime.getRuntime().availableProcessors();
        private String name = "";
        private long memoryLimit = Runtime.getRuntime().maxMemory();
        private final Map<String, Double> resources = new LinkedHashMap<>();
        // Defaults from the settings (io.jdask.Settings: file, JDASK_*, -Djdask.*); the setters override them.
        private Duration connectTimeout = Settings.current().get(Settings.WORKER_CONNECT_TIMEOUT);
        private Duration transferTimeout = Settings.current().get(Settings.WORKER_TRANSFER_TIMEOUT);
        private Duration classFetchTimeout = Settings.current().get(Settings.WORKER_CLASS_FETCH_TIMEOUT);
        private long inlineLimit = Settings.current().get(Settings.WORKER_INLINE_LIMIT);
        private Duration profileInterval = Settings.current().get(Settings.WORKER_PROFILE_INTERVAL);
        private int executeAhead = Settings.current().get(Settings.WORKER_EXECUTE_AHEAD);
        private Clock clock = Clock.system();
        private MemoryFractions memoryFractions = MemoryFractions.fromSettings();
        private java.nio.file.Path localDirectory = Settings.current().get(Settings.WORKER_LOCAL_DIRECTORY);
        private boolean ownsProcess;
        private Security security;

        private Builder(String schedulerAddress) {
            this.schedulerAddress = checkAddress(schedulerAddress, "scheduler address");
        }

        /** Where to listen for peers and clients. Default {@code tcp://127.0.0.1:0} (a free port). */
        public Builder listen(String address) {
            this.listenAddress = checkAddress(address, "listen address");
            return this;
        }

        /** Task threads. Default: the number of cores. */
        public Builder nthreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("nthreads must be at least 1, was " + n);
            }
            this.nthreads = n;
            return this;
        }

        /** The worker's name in the scheduler's logs and dashboard. Default: its address. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Memory limit in bytes (0: none). Default: the JVM's maximum heap. */
        public Builder memoryLimit(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("memoryLimit must be >= 0 (0 means no limit), was " + bytes);
            }
            this.memoryLimit = bytes;
            return this;
        }

        /** Declares that this worker offers {@code amount} of an abstract resource. */
        public Builder resource(String resourceName, double amount) {
            Objects.requireNonNull(resourceName, "resourceName");
            if (!(amount >= 0)) {
                throw new IllegalArgumentException("resource " + resourceName + " must be >= 0, was " + amount);
            }
            resources.put(resourceName, amount);
            return this;
        }

        /** Resources this worker offers (replaces earlier ones). */
        public Builder resources(Map<String, Double> all) {
            resources.clear();
            all.forEach(this::resource);
            return this;
        }

        /** How long connecting and registering may take. Default 30 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How long one fetch from a peer may take. Default 120 s. */
        public Builder transferTimeout(Duration timeout) {
            this.transferTimeout = positive(timeout, "transferTimeout");
            return this;
        }

        /** How long to wait for a client to send a class. Default 30 s. */
        public Builder classFetchTimeout(Duration timeout) {
            this.classFetchTimeout = positive(timeout, "classFetchTimeout");
            return this;
        }

        /** Largest serialized result sent inline with TaskFinished. Default 64 KiB. */
        public Builder inlineLimit(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("inlineLimit must be >= 0, was " + bytes);
            }
            this.inlineLimit = bytes;
            return this;
        }

        /**
         * How many tasks known to be short (their key prefix ran under 100 microseconds on average) may wait in line for
         * a task thread beyond the {@code nthreads} that run: a thread that finishes one takes the next at once,
         * without waiting for the worker's event loop in between. Default 8 (setting
         * {@code jdask.worker.execute-ahead}); 0 hands a task over only when a thread is free, as Dask does.
         */
        public Builder executeAhead(int tasks) {
            if (tasks < 0) throw new IllegalArgumentException("executeAhead must be >= 0, was " + tasks);
            this.executeAhead = tasks;
            return this;
        }

        /**
         * How often to sample the stacks of running tasks for {@code client.profile()}; default 10 ms, as Dask;
         * {@link Duration#ZERO} turns profiling off.
         */
        public Builder profileInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException(
                        "profileInterval must be >= 0 (0 turns profiling off), was " + interval);
            }
            this.profileInterval = interval;
            return this;
        }

        /** Where the worker reads the time. Default {@link Clock#system()}; tests may pass their own. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The spill, pause and terminate thresholds. Default the {@code jdask.worker.memory.*} settings (Dask's). */
        public Builder memoryFractions(MemoryFractions fractions) {
            this.memoryFractions = Objects.requireNonNull(fractions, "fractions");
            return this;
        }

        /** Where spill files go; null means the system's temporary directory (default: {@code jdask.worker.local-directory}). */
        public Builder localDirectory(java.nio.file.Path directory) {
            this.localDirectory = directory;
            return this;
        }

        /** Whether the worker has its JVM to itself (see {@link WorkerConfig#ownsProcess()}). Default false. */
        public Builder ownsProcess(boolean owns) {
            this.ownsProcess = owns;
            return this;
        }

        /**
         * Mutual TLS with the cluster's credentials on every connection: to the scheduler, from and to peers, from
         * clients. With it the scheduler and listen addresses are {@code tls://}; a {@code tcp://} listen address
         * (the default) becomes {@code tls://} on the same host and port.
         */
        public Builder security(Security security) {
            this.security = security;
            return this;
        }

        public WorkerConfig build() {
            return new WorkerConfig(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }

        private static String checkAddress(String address, String what) {
            Objects.requireNonNull(address, what);
            if (!address.startsWith("tcp://") && !address.startsWith("tls://") && !address.startsWith("inproc://")) {
                throw new IllegalArgumentException(
                        what + " must look like tcp://host:port, tls://host:port or inproc://name, was " + address);
            }
            return address;
        }
    }
}
