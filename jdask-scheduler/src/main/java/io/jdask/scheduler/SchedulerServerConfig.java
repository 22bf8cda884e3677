package io.jdask.scheduler;

import io.jdask.Settings;
import io.jdask.protocol.Clock;
import io.jdask.protocol.Tls;
import io.jdask.scheduler.state.SchedulerConfig;
import io.jdask.scheduler.state.SchedulerEvent;
import io.jdask.scheduler.state.SchedulerState;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Immutable settings of a {@link SchedulerServer}: where it listens, how its state machine is tuned
 * ({@link SchedulerConfig}), and the shell's own limits. Build with {@link #builder()}; {@link #defaults()}
 * listens on {@value #DEFAULT_LISTEN_ADDRESS}.
 *
 * <p>(Named apart from {@link SchedulerConfig}, which tunes the pure state machine and is part of this one.)
 */
public final class SchedulerServerConfig {
    /**
     * Dask's default scheduler port, on loopback only: without TLS a scheduler reachable from the network runs code
     * for anyone who connects, so listening wider is asked for explicitly (with {@link Builder#tls}).
     */
    public static final String DEFAULT_LISTEN_ADDRESS = "tcp://127.0.0.1:8786";

    private final String listenAddress;
    private final SchedulerConfig state;
    private final Duration restartTimeout;
    private final Duration workerExitGrace;
    /** A client connection silent for longer than this is closed; zero: never. */
    private final Duration clientTtl;

    private final String dashboardLink;
    private final int taskStreamSize;
    private final boolean validateState;
    private final int ioThreads;
    private final String name;
    /** Where the shell reads the time (event times, timers, snapshots); the machine's clock except in tests. */
    private final Clock clock;
    /** Test hook run on the loop thread before each handle call; may throw to simulate a state failure. */
    private final Consumer<List<SchedulerEvent>> beforeHandle;
    /** Checks the state's invariants (throws if broken); SchedulerState::validate except in tests. */
    private final Consumer<SchedulerState> validator;
    /** The cluster's TLS set-up, or null for plain TCP. */
    private final Tls tls;

    private SchedulerServerConfig(Builder b) {
        this.listenAddress = b.listenAddress;
        this.state = b.state;
        this.restartTimeout = b.restartTimeout;
        this.workerExitGrace = b.workerExitGrace;
        this.clientTtl = b.clientTtl;
        this.dashboardLink = b.dashboardLink;
        this.taskStreamSize = b.taskStreamSize;
        this.validateState = b.validateState;
        this.ioThreads = b.ioThreads;
        this.name = b.name;
        this.clock = b.clock;
        this.beforeHandle = b.beforeHandle;
        this.validator = b.validator;
        this.tls = b.tls;
        if (tls != null && listenAddress.startsWith("tcp://")) {
            throw new IllegalArgumentException("with TLS the listen address is tls://host:port, was " + listenAddress);
        }
        if (tls == null && listenAddress.startsWith("tls://")) {
            throw new IllegalArgumentException(
                    "listen address " + listenAddress + " needs the cluster's credentials (SchedulerServerConfig.tls)");
        }
    }

    /** The default client time-to-live: 60 seconds. */
    public static final Duration DEFAULT_CLIENT_TTL = Duration.ofSeconds(60);

    public static Builder builder() {
        return new Builder();
    }

    public static SchedulerServerConfig defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        var b = new Builder();
        b.listenAddress = listenAddress;
        b.state = state;
        b.restartTimeout = restartTimeout;
        b.workerExitGrace = workerExitGrace;
        b.clientTtl = clientTtl;
        b.dashboardLink = dashboardLink;
        b.taskStreamSize = taskStreamSize;
        b.validateState = validateState;
        b.ioThreads = ioThreads;
        b.name = name;
        b.clock = clock;
        b.beforeHandle = beforeHandle;
        b.validator = validator;
        b.tls = tls;
        return b;
    }

    /** The cluster's TLS set-up ({@code tls://} listen address), or null for plain TCP. */
    public Tls tls() {
        return tls;
    }

    /** Where to listen: {@code tcp://host:port} (port 0 picks a free one) or {@code inproc://name}. */
    public String listenAddress() {
        return listenAddress;
    }

    /** Tuning of the state machine. */
    public SchedulerConfig state() {
        return state;
    }

    public Duration restartTimeout() {
        return restartTimeout;
    }

    /** How long a worker whose connection closed may wait for its nanny's account of why (see the builder). */
    public Duration workerExitGrace() {
        return workerExitGrace;
    }

    public String dashboardLink() {
        return dashboardLink;
    }

    /** How long a client connection may stay silent before the scheduler drops it (see the builder). */
    public Duration clientTtl() {
        return clientTtl;
    }

    /** How many task stream entries the scheduler keeps (the latest ones). */
    public int taskStreamSize() {
        return taskStreamSize;
    }

    public boolean validateState() {
        return validateState;
    }

    public int ioThreads() {
        return ioThreads;
    }

    public String name() {
        return name;
    }

    /** Where the scheduler shell reads the time. */
    public Clock clock() {
        return clock;
    }

    Consumer<List<SchedulerEvent>> beforeHandle() {
        return beforeHandle;
    }

    Consumer<SchedulerState> validator() {
        return validator;
    }

    @Override
    public String toString() {
        return "SchedulerServerConfig[listenAddress=" + listenAddress + ", state=" + state + ", restartTimeout="
                + restartTimeout + ", dashboardLink=" + dashboardLink + ", validateState=" + validateState
                + ", ioThreads=" + ioThreads + ", name=" + name + "]";
    }

    /** Mutable builder; each setter checks its argument. */
    public static final class Builder {
        private String listenAddress = DEFAULT_LISTEN_ADDRESS;
        // Defaults from the settings (io.jdask.Settings: file, JDASK_*, -Djdask.*); the setters override them.
        private SchedulerConfig state = stateFromSettings(Settings.current());
        private Duration restartTimeout = Settings.current().get(Settings.SCHEDULER_RESTART_TIMEOUT);
        private Duration workerExitGrace = Duration.ZERO;
        private Duration clientTtl = Settings.current().get(Settings.SCHEDULER_CLIENT_TTL);
        private String dashboardLink = "";
        private int taskStreamSize = Settings.current().get(Settings.SCHEDULER_TASK_STREAM_SIZE);
        private boolean validateState = false;
        private int ioThreads = Math.min(4, Math.max(1, Runtime.getRuntime().availableProcessors()));
        private String name = "scheduler";
        private Clock clock = Clock.system();
        private Consumer<List<SchedulerEvent>> beforeHandle = events -> {};
        private Consumer<SchedulerState> validator = SchedulerState::validate;
        private Tls tls;

        private Builder() {}

        /** The state machine's tuning as the settings give it (the pure state never reads them itself). */
        static SchedulerConfig stateFromSettings(Settings s) {
            return SchedulerConfig.builder()
                    .workerSaturation(s.get(Settings.SCHEDULER_WORKER_SATURATION))
                    .shortTaskLatencyNanos(
                            s.get(Settings.SCHEDULER_SHORT_TASK_LATENCY).toNanos())
                    .bandwidthBytesPerSecond(s.get(Settings.SCHEDULER_BANDWIDTH))
                    .defaultTaskDurationNanos(
                            s.get(Settings.SCHEDULER_DEFAULT_TASK_DURATION).toNanos())
                    .defaultDataSizeBytes(s.get(Settings.SCHEDULER_DEFAULT_DATA_SIZE))
                    .maxWorkerDeathsPerTask(s.get(Settings.SCHEDULER_ALLOWED_FAILURES))
                    .storyCapacity(s.get(Settings.SCHEDULER_STORY_LENGTH))
                    .workStealing(s.get(Settings.SCHEDULER_WORK_STEALING))
                    .workerTtlNanos(s.get(Settings.SCHEDULER_WORKER_TTL).toNanos())
                    .build();
        }

        /**
         * {@code tcp://host:port}, {@code tls://host:port} (with {@link #tls}) or {@code inproc://name}; default
         * {@value #DEFAULT_LISTEN_ADDRESS}. Port 0 (or an
         * empty inproc name) picks a free one; {@link SchedulerServer#address()} tells which.
         */
        public Builder listenAddress(String address) {
            Objects.requireNonNull(address, "address");
            if (!address.startsWith("tcp://") && !address.startsWith("tls://") && !address.startsWith("inproc://")) {
                throw new IllegalArgumentException("listen address must look like tcp://host:port, tls://host:port"
                        + " or inproc://name, was '" + address + "'");
            }
            this.listenAddress = address;
            return this;
        }

        /** Tuning of the state machine; default the {@code jdask.scheduler.*} settings (Dask's defaults). */
        public Builder state(SchedulerConfig config) {
            this.state = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Shortcut for {@link SchedulerConfig.Builder#workStealing} on the state configuration. */
        public Builder workStealing(boolean on) {
            this.state = state.toBuilder().workStealing(on).build();
            return this;
        }

        /** Shortcut for {@link SchedulerConfig.Builder#workerSaturation} on the state configuration. */
        public Builder workerSaturation(double factor) {
            this.state = state.toBuilder().workerSaturation(factor).build();
            return this;
        }

        /**
         * Shortcut for {@link SchedulerConfig.Builder#workerTtlNanos} on the state configuration: a worker silent
         * (no heartbeat, no message) for longer than this is removed and its tasks rerun elsewhere; default 30 s;
         * {@link Duration#ZERO} turns the check off.
         */
        public Builder workerTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("workerTtl must be >= 0 (0 turns the check off), was " + ttl);
            }
            this.state = state.toBuilder().workerTtlNanos(ttl.toNanos()).build();
            return this;
        }

        /**
         * Shortcut for {@link SchedulerConfig.Builder#maxWorkerDeathsPerTask}: how many workers may die under a task
         * before it fails with a KilledWorker error (Dask's allowed-failures); default 3.
         */
        public Builder allowedFailures(int n) {
            this.state = state.toBuilder().maxWorkerDeathsPerTask(n).build();
            return this;
        }

        /**
         * A client whose connection has been silent this long (clients over TCP send a heartbeat every second) is
         * dropped as if it had disconnected: its futures are released, its locks and leases go to the next waiters.
         * Default 60 s; {@link Duration#ZERO} turns it off. A client in the scheduler's own JVM (a LocalCluster's,
         * over {@code connectLocal}) cannot go silent on its own and is exempt.
         */
        public Builder clientTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("clientTtl must be >= 0 (0 turns the check off), was " + ttl);
            }
            this.clientTtl = ttl;
            return this;
        }

        /** How long a restart waits for the workers to leave before answering anyway; default 30 s. */
        /**
         * When a worker's connection closes, how long its removal may wait for its nanny's account of why it died
         * ({@link SchedulerServer#workerExited}), so that the {@code KilledWorker} errors it causes can say it. Its
         * tasks are rescheduled only then. Default zero (no wait): for schedulers whose workers have no nanny that
         * talks to them; a LocalCluster of worker processes sets it.
         */
        public Builder workerExitGrace(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("workerExitGrace must be >= 0, was " + grace);
            }
            this.workerExitGrace = grace;
            return this;
        }

        public Builder restartTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("restartTimeout must be positive, was " + timeout);
            }
            this.restartTimeout = timeout;
            return this;
        }

        /**
         * The dashboard URL told to clients in their welcome; default empty (no dashboard). A dashboard started on the
         * running server sets it with {@link SchedulerServer#dashboardLink(String)}.
         */
        public Builder dashboardLink(String link) {
            this.dashboardLink = Objects.requireNonNull(link, "link");
            return this;
        }

        /** How many task stream entries to keep (the latest ones); default 10,000, about 1 MB. */
        public Builder taskStreamSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("taskStreamSize must be at least 1, was " + n);
            }
            this.taskStreamSize = n;
            return this;
        }

        /**
         * Check every state invariant after each batch of events (linear in the state's size: for tests and
         * debugging). A violation is treated like a failure inside the state machine. Default false.
         */
        public Builder validateState(boolean validate) {
            this.validateState = validate;
            return this;
        }

        /**
         * I/O threads of the in-process transport; default min(4, cores). With TCP the scheduler always has exactly one
         * I/O thread, on which its loop also runs (see SchedulerLoop), so this setting does not apply there.
         */
        public Builder ioThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("ioThreads must be at least 1, was " + n);
            }
            this.ioThreads = n;
            return this;
        }

        /** The name sent in handshakes and used in thread names and logs; default "scheduler". */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Where the scheduler shell reads the time: the times on its events, its timers (coordination deadlines,
         * restarts, gathers, holding reports) and its snapshots. Default {@link Clock#system()}; a test passes a clock
         * it drives. The loop thread reads it, so it must be thread-safe.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Test hook: runs on the loop thread before each {@code handle} call with the batch of events. */
        Builder beforeHandle(Consumer<List<SchedulerEvent>> hook) {
            this.beforeHandle = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /** Test hook: replaces {@link SchedulerState#validate()} (to simulate a state found inconsistent). */
        Builder validator(Consumer<SchedulerState> check) {
            this.validator = Objects.requireNonNull(check, "check");
            return this;
        }

        /**
         * Mutual TLS with these credentials on the scheduler's port (listen address {@code tls://host:port}): only
         * holders of the cluster's credentials connect. Default none.
         */
        public Builder tls(Tls tls) {
            this.tls = tls;
            return this;
        }

        public SchedulerServerConfig build() {
            return new SchedulerServerConfig(this);
        }
    }
}
