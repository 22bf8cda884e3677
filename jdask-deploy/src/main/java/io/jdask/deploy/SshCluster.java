package io.jdask.deploy;

import io.jdask.Cluster;
import io.jdask.Security;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scheduler and workers started on other machines over SSH: the first host runs {@code jdask scheduler}, the others
 * {@code jdask worker} ({@link Builder#nworkers} per host, more or fewer with {@link #scale}, spread round-robin).
 * Every connection uses mutual TLS: the cluster's credentials ({@link Builder#security}, a new cluster CA by default)
 * are copied to each host first, into a directory of its own with mode 0600, and removed by {@link #close()}.
 *
 * {@snippet :
 * try (SshCluster cluster = SshCluster.builder()
 *                 .hosts("node1", "node2", "node3") // scheduler on node1, workers on node2 and node3
 *                 .nthreads(4)
 *                 .build();
 *         Client client = Client.connect(cluster)) {
 *     client.submit(Tutorial::inc, 1).result();
 * }
 * }
 *
 * <p>Design note. It runs the system's {@code ssh} rather than an SSH library in this JVM, as a person would: so the
 * user's {@code ~/.ssh/config} (host aliases, {@code ProxyJump}, per-host users and keys), agent and
 * {@code known_hosts} apply unchanged, no crypto or key parsing runs in the JVM, and the project gains no dependency.
 * Each remote process runs under a small shell wrapper that sends it SIGTERM when its standard input ends; the local
 * {@code ssh} holds that input open, so the remote process stops when {@link #close()} closes it, when this JVM exits
 * (a shutdown hook; and if the JVM is killed outright its end of the pipe closes all the same) and when the
 * connection drops. The hosts need the JDK and the jdask jar at the paths given (by default the ones this JVM uses).
 */
public final class SshCluster implements Cluster {
    private static final Logger LOG = LoggerFactory.getLogger(SshCluster.class);
    private static final String MAIN = "io.jdask.cli.Main";
    private static final String CREDENTIALS_FILE = "cluster.jdask";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final Builder b;
    private final String remoteDirectory;
    private final List<String> workerHosts;
    private final Thread shutdownHook;
    private RemoteProcess scheduler;
    private String schedulerAddress;
    private String dashboardLink = "";
    private final List<Worker> workers = new ArrayList<>();
    private int started;
    private boolean closed;

    private record Worker(RemoteProcess process, String address) {}

    private SshCluster(Builder b) {
        this.b = b;
        this.remoteDirectory = b.remoteDirectory != null
                ? b.remoteDirectory
                : ".jdask/ssh-" + UUID.randomUUID().toString().substring(0, 8);
        this.workerHosts = b.hosts.size() == 1 ? b.hosts : b.hosts.subList(1, b.hosts.size());
        this.shutdownHook = new Thread(this::closeQuietly, "jdask-ssh-cluster-shutdown");
    }

    public static Builder builder() {
        return new Builder();
    }

    private void start() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try (ExecutorService copying = Executors.newVirtualThreadPerTaskExecutor()) {
            // One ssh per host, at once: on many hosts the copies would otherwise add up to seconds.
            List<CompletableFuture<Void>> copies = new LinkedHashSet<>(b.hosts)
                    .stream()
                            .map(host -> CompletableFuture.runAsync(() -> copyCredentials(host), copying))
                            .toList();
            for (CompletableFuture<Void> copy : copies) {
                try {
                    copy.join();
                } catch (CompletionException e) {
                    throw (RuntimeException) e.getCause();
                }
            }
            String schedulerHost = b.hosts.get(0);
            List<String> args = new ArrayList<>(List.of(
                    "scheduler",
                    "--security",
                    credentialsPath(),
                    "--host",
                    schedulerHost,
                    "--port",
                    Integer.toString(b.schedulerPort),
                    "--dashboard-port",
                    Integer.toString(b.dashboardPort)));
            scheduler = RemoteProcess.start(
                    "the jdask scheduler",
                    schedulerHost,
                    ssh(schedulerHost, remoteJava(args)),
                    line -> line.startsWith("jdask scheduler listening at "));
            schedulerAddress = scheduler.awaitReady(b.startTimeout).substring("jdask scheduler listening at ".length());
            LOG.info("scheduler on {} listening at {}", schedulerHost, schedulerAddress);
            scale(workerHosts.size() * b.nworkers);
        } catch (RuntimeException e) {
            try {
                close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Copies the credentials to {@code host}: a private directory, then the file, with mode 0600. */
    private void copyCredentials(String host) {
        String file = credentialsPath();
        String script = "umask 077 && mkdir -p " + Shell.quote(remoteDirectory) + " && cat > " + Shell.quote(file)
                + " && chmod 600 " + Shell.quote(file);
        try {
            Shell.run(ssh(host, script), b.security.toFileText(), COMMAND_TIMEOUT);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    "cannot copy the cluster's credentials to " + host + " over ssh: " + e.getMessage(), e);
        }
    }

    private String credentialsPath() {
        return remoteDirectory + "/" + CREDENTIALS_FILE;
    }

    /** The remote command line that runs jdask with {@code args} under {@link #remoteWrapper}. */
    String remoteJava(List<String> args) {
        List<String> java = new ArrayList<>();
        java.add(b.javaCommand);
        java.addAll(b.javaOptions);
        java.addAll(List.of("-cp", b.classPath, MAIN));
        java.addAll(args);
        return remoteWrapper(java);
    }

    /**
     * A shell command line that runs {@code command} and sends it SIGTERM once the shell's standard input (the local
     * ssh's) ends: a background {@code cat} reads the input to its end, then signals the shell's own pid, which by then
     * is the command's ({@code exec}). The command itself reads nothing.
     */
    static String remoteWrapper(List<String> command) {
        return "exec 3<&0; { cat <&3 >/dev/null 2>&1; kill $$ 2>/dev/null; } </dev/null >/dev/null 2>&1 & exec "
                + Shell.join(command) + " </dev/null";
    }

    private List<String> ssh(String host, String remoteCommand) {
        return commandFor(b, host, remoteCommand);
    }

    /** The local ssh command line that runs {@code remoteCommand} on {@code host}. */
    static List<String> commandFor(Builder b, String host, String remoteCommand) {
        List<String> cmd =
                new ArrayList<>(List.of(b.sshCommand, "-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15"));
        if (b.port > 0) cmd.addAll(List.of("-p", Integer.toString(b.port)));
        if (b.identityFile != null) cmd.addAll(List.of("-i", b.identityFile.toString(), "-o", "IdentitiesOnly=yes"));
        if (b.knownHostsFile != null) {
            cmd.addAll(List.of("-o", "UserKnownHostsFile=" + b.knownHostsFile, "-o", "StrictHostKeyChecking=yes"));
        }
        for (String option : b.sshOptions) cmd.addAll(List.of("-o", option));
        if (b.user != null) cmd.addAll(List.of("-l", b.user));
        cmd.add(host);
        cmd.add(remoteCommand);
        return cmd;
    }

    @Override
    public String schedulerAddress() {
        return schedulerAddress;
    }

    @Override
    public String dashboardLink() {
        return dashboardLink;
    }

    @Override
    public synchronized List<String> workerAddresses() {
        return workers.stream()
                .filter(w -> w.process().isAlive())
                .map(Worker::address)
                .toList();
    }

    @Override
    public Security security() {
        return b.security;
    }

    /** Where the credentials are on each host (relative paths are under the remote user's home directory). */
    public String remoteCredentialsPath() {
        return credentialsPath();
    }

    /**
     * Starts or stops workers until {@code n} run. New workers go to the worker hosts in turn; the newest stop first
     * (SIGTERM, so each worker closes its connections before it exits).
     *
     * @throws IllegalStateException naming the host and showing the remote output if a worker fails to start
     */
    @Override
    public void scale(int n) {
        // a scale by hand ends adapt (a no-op on adapt's own thread); outside the lock, which adapt's scaling takes
        io.jdask.spi.Runtimes.get().endAdapt(this);
        resize(n);
    }

    private synchronized void resize(int n) {
        if (n < 0) throw new IllegalArgumentException("scale(n) needs n >= 0, got " + n);
        if (closed) throw new IllegalStateException("the cluster is closed");
        workers.removeIf(w -> !w.process().isAlive());
        List<RemoteProcess> starting = new ArrayList<>();
        while (workers.size() + starting.size() < n) {
            String host = workerHosts.get(started % workerHosts.size());
            String name = "ssh-" + host + "-" + started++;
            starting.add(RemoteProcess.start(
                    "jdask worker " + name,
                    host,
                    ssh(host, remoteJava(workerArguments(host, name))),
                    line -> line.startsWith("jdask worker ") && line.contains(" registered with ")));
        }
        IllegalStateException failure = null;
        for (RemoteProcess p : starting) {
            try {
                String line = p.awaitReady(b.startTimeout);
                workers.add(new Worker(p, line.split(" ")[2]));
            } catch (IllegalStateException e) {
                p.stop(STOP_GRACE);
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (failure != null) throw failure;
        List<RemoteProcess> stopping = new ArrayList<>();
        while (workers.size() > n)
            stopping.add(workers.remove(workers.size() - 1).process());
        stopAll(stopping);
    }

    private List<String> workerArguments(String host, String name) {
        List<String> args = new ArrayList<>(List.of(
                "worker",
                schedulerAddress,
                "--security",
                credentialsPath(),
                "--host",
                host,
                "--nthreads",
                Integer.toString(b.nthreads),
                "--name",
                name));
        if (b.memoryLimit != null) args.addAll(List.of("--memory-limit", b.memoryLimit));
        return args;
    }

    private static void stopAll(List<RemoteProcess> processes) {
        processes.forEach(RemoteProcess::requestStop);
        List<String> problems = new ArrayList<>();
        for (RemoteProcess p : processes) {
            String problem = p.stop(STOP_GRACE);
            if (problem != null) problems.add(problem);
        }
        if (!problems.isEmpty()) throw new IllegalStateException(String.join("\n", problems));
    }

    /**
     * Stops every worker, then the scheduler, and removes the credentials' directory from every host.
     *
     * @throws IllegalStateException listing what could not be stopped or removed (after trying everything)
     */
    @Override
    public void close() {
        io.jdask.spi.Runtimes.get().endAdapt(this); // outside the lock, which adapt's scaling takes
        closeNow();
    }

    private synchronized void closeNow() {
        if (closed) return;
        closed = true;
        List<String> problems = new ArrayList<>();
        try {
            stopAll(workers.stream().map(Worker::process).toList());
        } catch (IllegalStateException e) {
            problems.add(e.getMessage());
        }
        workers.clear();
        if (scheduler != null) {
            String problem = scheduler.stop(STOP_GRACE);
            if (problem != null) problems.add(problem);
        }
        try (ExecutorService removing = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<String>> removals = new LinkedHashSet<>(b.hosts)
                    .stream()
                            .map(host -> CompletableFuture.supplyAsync(
                                    () -> {
                                        try {
                                            Shell.run(
                                                    ssh(host, "rm -rf " + Shell.quote(remoteDirectory)),
                                                    null,
                                                    COMMAND_TIMEOUT);
                                            return null;
                                        } catch (IllegalStateException e) {
                                            return "cannot remove " + remoteDirectory + " on " + host + ": "
                                                    + e.getMessage();
                                        }
                                    },
                                    removing))
                            .toList();
            for (CompletableFuture<String> removal : removals) {
                String problem = removal.join();
                if (problem != null) problems.add(problem);
            }
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down already; the hook finds the cluster closed.
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("closing the SSH cluster: " + String.join("\n", problems));
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.warn("while stopping the SSH cluster at JVM exit: {}", e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "SshCluster[" + schedulerAddress + ", hosts " + b.hosts + "]";
    }

    /** What to start and how to reach the hosts; {@link #build()} starts it. */
    public static final class Builder {
        private List<String> hosts = List.of();
        private String user;
        private int port;
        private Path identityFile;
        private Path knownHostsFile;
        private List<String> sshOptions = List.of();
        private String sshCommand = "ssh";
        private String javaCommand =
                Path.of(System.getProperty("java.home"), "bin", "java").toString();
        private String classPath = System.getProperty("java.class.path");
        private List<String> javaOptions = defaultJavaOptions();
        private int nthreads = 1;
        private int nworkers = 1;
        private String memoryLimit;
        private int schedulerPort = 8786;
        private int dashboardPort = -1;
        private Security security;
        private String remoteDirectory;
        private Duration startTimeout = Duration.ofSeconds(90);

        private Builder() {}

        /** The flags of this JVM that let Netty use epoll and Fory use Unsafe without warnings. */
        private static List<String> defaultJavaOptions() {
            return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe"))
                    .toList();
        }

        /** The first host runs the scheduler, the others workers (with one host, it runs both). */
        public Builder hosts(String... hosts) {
            return hosts(List.of(hosts));
        }

        public Builder hosts(List<String> hosts) {
            if (hosts.isEmpty()) throw new IllegalArgumentException("hosts: give at least one host");
            this.hosts = List.copyOf(hosts);
            return this;
        }

        /** The remote user (default: ssh's own default, usually from ~/.ssh/config or the local user name). */
        public Builder user(String user) {
            this.user = Objects.requireNonNull(user, "user");
            return this;
        }

        /** The SSH port (default: ssh's own, 22 unless ~/.ssh/config says otherwise). */
        public Builder port(int port) {
            if (port <= 0 || port > 65535) throw new IllegalArgumentException("port must be 1..65535, got " + port);
            this.port = port;
            return this;
        }

        /** The private key to log in with (default: ssh's own choice, the agent or ~/.ssh/id_*). */
        public Builder identityFile(Path file) {
            this.identityFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /** A known_hosts file to check the hosts' keys against, strictly (default: the user's own). */
        public Builder knownHostsFile(Path file) {
            this.knownHostsFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Further {@code ssh -o} options, e.g. {@code "ProxyJump=gateway"}. */
        public Builder sshOptions(String... options) {
            this.sshOptions = List.of(options);
            return this;
        }

        /** The local ssh program (default: {@code ssh} on the PATH). */
        public Builder sshCommand(String command) {
            this.sshCommand = Objects.requireNonNull(command, "command");
            return this;
        }

        /** The java program on the hosts (default: the one running this JVM, at the same path). */
        public Builder javaCommand(String command) {
            this.javaCommand = Objects.requireNonNull(command, "command");
            return this;
        }

        /** The class path on the hosts, e.g. the path of jdask.jar (default: this JVM's class path). */
        public Builder classPath(String classPath) {
            this.classPath = Objects.requireNonNull(classPath, "classPath");
            return this;
        }

        /** Options for the remote JVMs, e.g. {@code "-Xmx4g"} (default: none but the native-access flags). */
        public Builder javaOptions(String... options) {
            List<String> all = new ArrayList<>(defaultJavaOptions());
            all.addAll(List.of(options));
            this.javaOptions = List.copyOf(all);
            return this;
        }

        /** Threads per worker (default 1). */
        public Builder nthreads(int n) {
            if (n < 1) throw new IllegalArgumentException("nthreads must be at least 1, got " + n);
            this.nthreads = n;
            return this;
        }

        /** Worker processes started on each worker host by {@link #build()} (default 1). */
        public Builder nworkers(int n) {
            if (n < 0) throw new IllegalArgumentException("nworkers must be at least 0, got " + n);
            this.nworkers = n;
            return this;
        }

        /** Each worker's memory limit, as {@code jdask worker --memory-limit} takes it, e.g. {@code "4GB"}. */
        public Builder memoryLimit(String limit) {
            this.memoryLimit = Objects.requireNonNull(limit, "limit");
            return this;
        }

        /** The scheduler's port on the first host (default 8786). */
        public Builder schedulerPort(int port) {
            this.schedulerPort = port;
            return this;
        }

        /**
         * The dashboard's port on the first host's loopback interface (default -1: none). Reach it with {@code ssh
         * -L 8787:127.0.0.1:8787 node1}.
         */
        public Builder dashboardPort(int port) {
            this.dashboardPort = port;
            return this;
        }

        /** The cluster's credentials (default: {@link Security#temporary()}, a new cluster CA for this cluster). */
        public Builder security(Security security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /** Where the credentials go on each host (default {@code .jdask/ssh-<random>} under the home directory). */
        public Builder remoteDirectory(String directory) {
            this.remoteDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** How long a remote scheduler or worker may take to start (default 90 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Starts the scheduler, then the workers, and returns once all are running.
         *
         * @throws IllegalStateException naming the host and showing the remote output when something fails to start;
         *     whatever did start is stopped again first
         */
        public SshCluster build() {
            if (hosts.isEmpty()) throw new IllegalStateException("hosts(...) is required: the hosts to start on");
            if (security == null) security = Security.temporary();
            SshCluster cluster = new SshCluster(this);
            cluster.start();
            return cluster;
        }
    }
}
