package io.jdask.deploy;

import io.jdask.Cluster;
import io.jdask.LocalCluster;
import io.jdask.Security;
import io.jdask.dashboard.Dashboard;
import io.jdask.protocol.Tls;
import io.jdask.scheduler.SchedulerServer;
import io.jdask.scheduler.SchedulerServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workers as SLURM batch jobs, as dask-jobqueue's {@code SLURMCluster}: the scheduler runs in this JVM, and each job
 * runs {@link Builder#processes} workers that join it. {@link #scale} submits jobs with {@code sbatch --parsable} or
 * cancels the newest with {@code scancel}, {@link #close()} cancels them all, and {@link #jobStates()} asks
 * {@code squeue}. {@link #jobScript()} shows the script each job runs.
 *
 * {@snippet :
 * try (SlurmCluster cluster = SlurmCluster.builder()
 *                 .queue("batch").cores(8).memory("16GB").walltime("01:00:00")
 *                 .build();
 *         Client client = Client.connect(cluster)) {
 *     cluster.scale(10); // ten jobs of one worker each
 *     // ...
 * }
 * }
 *
 * <p>Every connection uses mutual TLS. The workers read the cluster's credentials from {@link Builder#sharedDirectory},
 * which must be visible on the compute nodes (the home directory usually is); the file is written there with mode 0600
 * and removed by {@link #close()}. Job output goes to the same directory, one file per job, and stays.
 */
public final class SlurmCluster implements Cluster {
    private static final Logger LOG = LoggerFactory.getLogger(SlurmCluster.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern WALLTIME = Pattern.compile("(\\d+-)?\\d{1,3}(:\\d{2}){0,2}");

    private final Builder b;
    private final Path credentials;
    private final SchedulerServer scheduler;
    private final Dashboard dashboard;
    private final Thread shutdownHook = new Thread(this::closeQuietly, "jdask-slurm-cluster-shutdown");
    /** Job ids of the jobs submitted and not cancelled, oldest first. */
    private final List<String> jobs = new ArrayList<>();

    private boolean closed;

    private SlurmCluster(Builder b) {
        this.b = b;
        this.credentials = b.sharedDirectory.resolve("cluster.jdask");
        try {
            Files.createDirectories(
                    b.sharedDirectory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the shared directory " + b.sharedDirectory, e);
        }
        b.security.write(credentials);
        Security s = b.security;
        SchedulerServer server;
        try {
            server = SchedulerServer.start(SchedulerServerConfig.builder()
                    .listenAddress("tls://" + b.schedulerHost + ":" + b.schedulerPort)
                    .tls(Tls.fromPem(s.caCertificatePem(), s.certificatePem(), s.privateKeyPem()))
                    .build());
        } catch (RuntimeException e) {
            deleteCredentials();
            throw e;
        }
        this.scheduler = server;
        this.dashboard = b.dashboardPort < 0 ? null : Dashboard.start(server, "127.0.0.1", b.dashboardPort);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        LOG.info("SLURM cluster's scheduler listening at {}", server.address());
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String schedulerAddress() {
        return scheduler.address();
    }

    @Override
    public String dashboardLink() {
        return dashboard == null ? "" : dashboard.link();
    }

    @Override
    public List<String> workerAddresses() {
        return new ArrayList<>(scheduler.workers().keySet());
    }

    @Override
    public Security security() {
        return b.security;
    }

    /** The script every job runs (what {@code sbatch} gets on its standard input). */
    public String jobScript() {
        return JobScript.render(b, scheduler.address(), credentials.toString());
    }

    /** The ids of the jobs this cluster submitted and has not cancelled, oldest first. */
    public synchronized List<String> jobIds() {
        return List.copyOf(jobs);
    }

    /**
     * The state SLURM reports for each of this cluster's jobs ({@code PENDING}, {@code RUNNING}, ...), by job id;
     * a job SLURM no longer lists (finished, failed, cancelled long ago) is absent.
     */
    public synchronized Map<String, String> jobStates() {
        Map<String, String> states = new LinkedHashMap<>();
        if (jobs.isEmpty()) return states;
        // All of this user's jobs, then ours among them: `squeue --jobs` fails once SLURM has forgotten one of them.
        String out = Shell.run(
                List.of("squeue", "--noheader", "--user", System.getProperty("user.name"), "--format", "%i %T"),
                null,
                COMMAND_TIMEOUT);
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && jobs.contains(f[0])) states.put(f[0], f[1]);
        }
        return states;
    }

    /**
     * Submits or cancels jobs until there are enough for {@code n} workers ({@code ceil(n / processes)} jobs). Jobs
     * that SLURM no longer lists (ended or failed) are forgotten first, so they are replaced. Returns once the jobs
     * are submitted; the workers join when SLURM runs them.
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
        int wanted = (n + b.processes - 1) / b.processes;
        if (!jobs.isEmpty()) jobs.retainAll(jobStates().keySet());
        String script = jobScript();
        while (jobs.size() < wanted) {
            String out = Shell.run(List.of("sbatch", "--parsable"), script, COMMAND_TIMEOUT)
                    .trim();
            String id = out.split(";")[0].trim();
            if (!id.matches("\\d+(_\\d+)?")) {
                throw new IllegalStateException("sbatch --parsable answered '" + out + "', not a job id");
            }
            jobs.add(id);
            LOG.info("submitted SLURM job {}", id);
        }
        if (jobs.size() > wanted) {
            List<String> cancel = new ArrayList<>(jobs.subList(wanted, jobs.size()));
            scancel(cancel);
            jobs.removeAll(cancel);
        }
    }

    /** Cancels these jobs; a job that ended meanwhile is no error. */
    private static void scancel(List<String> ids) {
        if (ids.isEmpty()) return;
        List<String> cmd = new ArrayList<>(List.of("scancel"));
        cmd.addAll(ids);
        try {
            Shell.run(cmd, null, COMMAND_TIMEOUT);
        } catch (IllegalStateException e) {
            if (!e.getMessage().contains("already completing or completed")
                    && !e.getMessage().contains("Invalid job id")) {
                throw e;
            }
        }
        LOG.info("cancelled SLURM jobs {}", ids);
    }

    /** Cancels every job, stops the scheduler and removes the credentials from the shared directory. */
    @Override
    public void close() {
        io.jdask.spi.Runtimes.get().endAdapt(this); // outside the lock, which adapt's scaling takes
        closeNow();
    }

    private synchronized void closeNow() {
        if (closed) return;
        closed = true;
        try {
            if (!jobs.isEmpty()) {
                jobs.retainAll(jobStates().keySet());
                scancel(jobs);
            }
            jobs.clear();
        } finally {
            if (dashboard != null) dashboard.close();
            scheduler.close();
            deleteCredentials();
            if (Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // The JVM is shutting down already; the hook finds the cluster closed.
                }
            }
        }
    }

    private void deleteCredentials() {
        try {
            Files.deleteIfExists(credentials);
        } catch (IOException e) {
            LOG.warn("cannot remove the credentials {}: {}", credentials, e.getMessage());
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.warn("while cancelling the SLURM jobs at JVM exit: {}", e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "SlurmCluster[" + scheduler.address() + ", jobs " + jobs + "]";
    }

    /** The jobs' resources and what runs in them; {@link #build()} starts the scheduler (no job yet). */
    public static final class Builder {
        String queue;
        int cores = 1;
        long memoryBytes = 1L << 30;
        String memoryText = "1GB";
        String walltime = "00:30:00";
        int processes = 1;
        String jobName = "jdask-worker";
        List<String> extraDirectives = List.of();
        List<String> prologue = List.of();
        String localDirectory;
        Path sharedDirectory;
        String javaCommand =
                Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");
        List<String> javaOptions = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe"))
                .toList();
        String schedulerHost = defaultHost();
        int schedulerPort;
        int dashboardPort = 8787;
        Security security;

        private Builder() {}

        private static String defaultHost() {
            try {
                return InetAddress.getLocalHost().getCanonicalHostName();
            } catch (UnknownHostException e) {
                return "127.0.0.1";
            }
        }

        /** The partition ({@code #SBATCH -p}); default: SLURM's default partition. */
        public Builder queue(String queue) {
            this.queue = requireWord(queue, "queue");
            return this;
        }

        /** Cores per job ({@code --cpus-per-task}), shared by its worker processes as threads (default 1). */
        public Builder cores(int cores) {
            if (cores < 1) throw new IllegalArgumentException("cores must be at least 1, got " + cores);
            this.cores = cores;
            return this;
        }

        /** Memory per job ({@code --mem}), e.g. {@code "8GB"}, shared by its worker processes (default 1GB). */
        public Builder memory(String memory) {
            long bytes = LocalCluster.builder().memoryLimit(memory).spec().memoryLimitBytes();
            if (bytes < (64L << 20)) {
                throw new IllegalArgumentException("memory " + memory + " is below 64MB, too little for a worker JVM");
            }
            this.memoryBytes = bytes;
            this.memoryText = memory;
            return this;
        }

        /** The job's time limit ({@code -t}), e.g. {@code "01:30:00"} or {@code "2-00:00:00"} (default 00:30:00). */
        public Builder walltime(String walltime) {
            if (!WALLTIME.matcher(walltime).matches()) {
                throw new IllegalArgumentException("walltime '" + walltime + "' is not a SLURM time such as"
                        + " 01:30:00, 90 (minutes) or 2-00:00:00");
            }
            this.walltime = walltime;
            return this;
        }

        /** Worker processes per job (default 1); cores and memory are split between them. */
        public Builder processes(int processes) {
            if (processes < 1) throw new IllegalArgumentException("processes must be at least 1, got " + processes);
            this.processes = processes;
            return this;
        }

        /** The job name ({@code -J}), also the start of the workers' names (default {@code jdask-worker}). */
        public Builder jobName(String name) {
            this.jobName = requireWord(name, "jobName");
            return this;
        }

        /** More {@code #SBATCH} lines, given without the prefix, e.g. {@code "--account=proj42"}. */
        public Builder extraDirectives(String... directives) {
            for (String d : directives) {
                if (d.contains("\n")) throw new IllegalArgumentException("a directive is one line: " + d);
            }
            this.extraDirectives = List.of(directives);
            return this;
        }

        /** Shell lines the job runs before the workers, e.g. {@code "module load java/21"}. */
        public Builder prologue(String... lines) {
            this.prologue = List.of(lines);
            return this;
        }

        /** Where workers spill values, on the compute node (e.g. {@code "$TMPDIR"}); default their temp dir. */
        public Builder localDirectory(String directory) {
            this.localDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * A directory the compute nodes see at the same path: the credentials (mode 0600, removed on close) and the
         * jobs' output go there. Default: {@code ~/.jdask/slurm-<random>}.
         */
        public Builder sharedDirectory(Path directory) {
            this.sharedDirectory = directory.toAbsolutePath();
            return this;
        }

        /** The java program on the compute nodes (default: the one running this JVM, at the same path). */
        public Builder javaCommand(String command) {
            this.javaCommand = Objects.requireNonNull(command, "command");
            return this;
        }

        /** The class path on the compute nodes, e.g. the path of jdask.jar (default: this JVM's class path). */
        public Builder classPath(String classPath) {
            this.classPath = Objects.requireNonNull(classPath, "classPath");
            return this;
        }

        /** More options for the worker JVMs (their heap is set from the memory already). */
        public Builder javaOptions(String... options) {
            List<String> all = new ArrayList<>(javaOptions);
            all.addAll(List.of(options));
            this.javaOptions = List.copyOf(all);
            return this;
        }

        /**
         * The interface the scheduler (in this JVM) listens on, which the compute nodes must reach (default: this
         * machine's host name).
         */
        public Builder schedulerHost(String host) {
            this.schedulerHost = requireWord(host, "schedulerHost");
            return this;
        }

        /** The scheduler's port (default 0: any free port). */
        public Builder schedulerPort(int port) {
            this.schedulerPort = port;
            return this;
        }

        /** The dashboard's port on this machine's loopback (default 8787, a free one if taken; -1: none). */
        public Builder dashboardPort(int port) {
            this.dashboardPort = port;
            return this;
        }

        /** The cluster's credentials (default: {@link Security#temporary()}, a new cluster CA). */
        public Builder security(Security security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        private static String requireWord(String value, String what) {
            if (value == null || value.isBlank() || value.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException(what + " must be one word without spaces, got '" + value + "'");
            }
            return value;
        }

        /** Starts the scheduler in this JVM; {@link SlurmCluster#scale} submits the jobs. */
        public SlurmCluster build() {
            if (security == null) security = Security.temporary();
            if (sharedDirectory == null) {
                sharedDirectory = Path.of(
                        System.getProperty("user.home"),
                        ".jdask",
                        "slurm-" + UUID.randomUUID().toString().substring(0, 8));
            }
            return new SlurmCluster(this);
        }
    }
}
