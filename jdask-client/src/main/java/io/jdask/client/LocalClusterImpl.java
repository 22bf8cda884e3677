package io.jdask.client;

import io.jdask.LocalCluster;
import io.jdask.dashboard.Dashboard;
import io.jdask.scheduler.SchedulerServer;
import io.jdask.scheduler.SchedulerServerConfig;
import io.jdask.worker.WorkerConfig;
import io.jdask.worker.WorkerMain;
import io.jdask.worker.WorkerNanny;
import io.jdask.worker.WorkerOptions;
import io.jdask.worker.WorkerServer;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scheduler in this JVM and workers as child JVMs ({@code processes(true)}) or as {@link WorkerServer}s in this
 * JVM. Each process has a {@link WorkerNanny}, which restarts it when it exits while the cluster is not closing or
 * shrinking (a crash, an {@code OutOfMemoryError}, or {@code client.restart()}), at most
 * {@link WorkerNanny#MAX_RESTARTS} times a minute
 * per worker. A shutdown hook stops the child processes if this JVM exits without closing the cluster.
 */
final class LocalClusterImpl implements LocalCluster {
    private static final Logger LOG = LoggerFactory.getLogger(LocalClusterImpl.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Spec spec;
    private final SchedulerServer scheduler;
    /** The dashboard, or null when disabled. */
    private final Dashboard dashboard;
    /** The workers, in start order. Guarded by {@code this}. */
    private final List<Worker> workers = new ArrayList<>();

    private int nextId;
    private volatile boolean closing;
    private final Thread shutdownHook;
    /** Class data sharing archives for worker JVMs; empty when off or impossible (see ClassDataArchives). */
    private final Optional<ClassDataArchives> archives;
    /**
     * The java binary of worker processes and their JVM flags (see {@link #javaAndFlags}), fixed for the cluster: an
     * AOT cache is keyed on them and must be used with the flags it was made with.
     */
    private final List<String> workerJava;
    /** The credentials for worker processes of a cluster with TLS; null without TLS or without processes. */
    private final CredentialsFile credentials;

    /** A worker this cluster runs: a child process under a {@link WorkerNanny}, or an in-JVM server. */
    private final class Worker {
        final String name;
        /** The nanny of the worker process; null for a worker in this JVM. */
        volatile WorkerNanny nanny;

        volatile WorkerServer server;

        /** Set when the cluster stops it on purpose (scale-down, close): its exit is no crash. */
        volatile boolean retiring;

        Worker(String name) {
            this.name = name;
        }

        void start() {
            if (spec.processes()) {
                WorkerNanny n = new WorkerNanny(name, this::launch, this::exited, System.err);
                nanny = n;
                n.start();
            } else {
                WorkerServer s = WorkerServer.start(workerConfig(name));
                server = s;
                // Retired by the scheduler (client.retireWorkers): it is gone for good, not a worker of the cluster.
                s.closeFuture().thenRun(() -> {
                    if (s.retired()) retiredInProcess(this);
                });
            }
        }

        /** Starts one process of this worker, with a local directory (its spill files) removed when it exits. */
        private WorkerNanny.Started launch() {
            Optional<ClassDataArchives.Slot> archive = archives.flatMap(ClassDataArchives::acquire);
            Path scratch = newLocalDirectory(name);
            Process p;
            try {
                p = spawn(name, archive.map(ClassDataArchives.Slot::jvmOptions).orElse(List.of()), scratch);
            } catch (RuntimeException e) {
                archive.ifPresent(ClassDataArchives.Slot::close);
                io.jdask.worker.SpillFiles.deleteTree(scratch);
                throw e;
            }
            // its two outputs come merged (see spawn): passed on to this JVM's stderr and to its log file
            io.jdask.worker.ErrorTail errors = io.jdask.worker.ErrorTail.followMerged(
                    p, System.err, name, WorkerMain::isRegistrationLine, logFile(name));
            return new WorkerNanny.Started(
                    p,
                    () -> {
                        archive.ifPresent(ClassDataArchives.Slot::close);
                        // a process that died cannot remove its spill files; the directory it was given goes with it
                        io.jdask.worker.SpillFiles.deleteTree(scratch);
                    },
                    errors);
        }

        /**
         * A worker process ended: the scheduler hears why (its tasks' KilledWorker errors say it); one the nanny does
         * not restart (retired, or dying too often) is no longer a worker of the cluster.
         */
        private void exited(long pid, io.jdask.worker.WorkerExit exit, boolean asked, boolean restarting) {
            // empty: stopped on purpose, nothing to blame
            scheduler.workerExited(pid, asked || retiring || closing ? "" : exit.describe());
            if (!restarting) {
                synchronized (LocalClusterImpl.this) {
                    if (!closing) workers.remove(this);
                }
            }
        }

        /** The coming exit is asked for (a scale-down): the nanny must not restart it. */
        void expectStop() {
            retiring = true;
            WorkerNanny n = nanny;
            if (n != null) n.expectExit();
        }

        /** The scale-down failed: the worker stays, and is restarted again if it dies. */
        void keep() {
            retiring = false;
            WorkerNanny n = nanny;
            if (n != null) n.unexpectExit();
        }

        Process process() {
            WorkerNanny n = nanny;
            return n == null ? null : n.process();
        }

        void stop(boolean wait) {
            retiring = true;
            WorkerNanny n = nanny;
            if (n != null) n.stop(wait);
            WorkerServer s = server;
            if (s != null) s.close();
        }
    }

    private LocalClusterImpl(Spec spec, SchedulerServer scheduler, Dashboard dashboard) {
        this.spec = spec;
        this.scheduler = scheduler;
        this.dashboard = dashboard;
        this.credentials = spec.processes() && spec.security() != null ? CredentialsFile.write(spec.security()) : null;
        this.shutdownHook = new Thread(this::killChildren, "jdask-local-cluster-shutdown");
        this.workerJava = List.copyOf(javaAndFlags());
        this.archives = spec.processes()
                ? ClassDataArchives.forWorkers(Runtime.version().toString(), workerClassPath(), workerJava)
                : Optional.empty();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static LocalCluster start(Spec spec) {
        SchedulerServer scheduler = SchedulerServer.start(SchedulerServerConfig.builder()
                .listenAddress(
                        (spec.security() != null ? "tls" : "tcp") + "://127.0.0.1:" + Math.max(0, spec.schedulerPort()))
                .tls(tls(spec.security()))
                .name("local-scheduler")
                // Worker processes have a nanny here, which says why one died: wait for that before removing it.
                .workerExitGrace(spec.processes() ? Duration.ofSeconds(2) : Duration.ZERO)
                .workerTtl(spec.workerTtl())
                .allowedFailures(spec.allowedFailures())
                .build());
        Dashboard dashboard = null;
        if (spec.dashboardPort() >= 0) {
            try {
                // Before any worker or client connects, so that every client's welcome carries the link.
                dashboard = Dashboard.start(scheduler, "127.0.0.1", spec.dashboardPort());
            } catch (RuntimeException e) {
                LOG.warn("the dashboard could not start ({}); the cluster runs without it", e.toString());
            }
        }
        LocalClusterImpl cluster = new LocalClusterImpl(spec, scheduler, dashboard);
        // With -Djdask.cluster.warmup=true, this JVM warms the scheduler's side of the task path (the codec both ways,
        // run specs) while the worker processes start, and stops as soon as they are there. Off by default: on 2 cores
        // it delayed the start more than it sped up the first tasks (see WorkerMain's warm-up note).
        java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
        if (spec.processes() && io.jdask.Settings.current().get(io.jdask.Settings.CLUSTER_WARMUP)) {
            io.jdask.worker.IdleWarmup.startThread("jdask-cluster-warmup", 20_000, started::get);
        }
        try {
            cluster.scale(spec.workers());
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        } finally {
            started.set(true);
        }
        return cluster;
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
    public Spec spec() {
        return spec;
    }

    @Override
    public void scale(int n) {
        Adaptive.end(this);
        resize(n);
    }

    /** {@link #scale} without ending an adaptive loop: what that loop itself calls. */
    void resize(int n) {
        if (n < 0) throw new IllegalArgumentException("scale(n) needs n >= 0, got " + n);
        List<Worker> stopping = new ArrayList<>();
        synchronized (this) {
            if (closing) throw new IllegalStateException("the cluster is closed");
            while (workers.size() < n) {
                Worker w = new Worker("local-" + nextId++);
                w.start();
                workers.add(w);
            }
            while (workers.size() > n) {
                Worker w = workers.remove(workers.size() - 1);
                w.expectStop(); // from now on its exit is no crash: the nanny leaves it stopped
                stopping.add(w);
            }
        }
        if (!stopping.isEmpty() && n > 0) retire(stopping, addressesOf(stopping));
        for (Worker w : stopping) w.stop(true);
        awaitWorkerCount(n);
    }

    /**
     * Retires the workers at these addresses (the adaptive loop's choice of idle ones) and stops them; an address that
     * is not one of this cluster's workers is skipped.
     */
    void retireAddresses(List<String> addresses) {
        Map<String, String> nameByAddress = new HashMap<>();
        for (var e : addressesByName().entrySet()) nameByAddress.put(e.getValue(), e.getKey());
        List<Worker> stopping = new ArrayList<>();
        List<String> retiring = new ArrayList<>();
        synchronized (this) {
            if (closing) throw new IllegalStateException("the cluster is closed");
            for (String a : addresses) {
                String name = nameByAddress.get(a);
                for (Worker w : workers) {
                    if (w.name.equals(name)) {
                        w.expectStop();
                        stopping.add(w);
                        retiring.add(a);
                    }
                }
            }
            workers.removeAll(stopping);
        }
        if (stopping.isEmpty()) return;
        retire(stopping, retiring);
        for (Worker w : stopping) w.stop(true);
    }

    private Map<String, String> addressesByName() {
        Map<String, String> addressByName = new HashMap<>();
        try {
            for (var ws : snapshot().workers()) addressByName.put(ws.name(), ws.address());
        } catch (Exception e) {
            throw new IllegalStateException("the scheduler did not answer: " + e, e);
        }
        return addressByName;
    }

    private List<String> addressesOf(List<Worker> stopping) {
        Map<String, String> addressByName = addressesByName();
        List<String> addresses = new ArrayList<>();
        for (Worker w : stopping) {
            String a = addressByName.get(w.name);
            if (a != null) addresses.add(a);
        }
        return addresses;
    }

    /**
     * Retires workers through the scheduler before they stop, so that the results and scattered values only they
     * hold move to the workers that stay (see {@code SchedulerServer.retireWorkers}). A worker not registered yet
     * holds nothing and is just stopped. If the others cannot take the data, the workers are kept and the scale-down
     * fails with the scheduler's reason.
     */
    private void retire(List<Worker> stopping, List<String> addresses) {
        if (addresses.isEmpty()) return;
        try {
            scheduler.retireWorkers(addresses).get(Retiring.TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            synchronized (this) {
                for (Worker w : stopping) {
                    w.keep();
                    if (!closing) workers.add(w);
                }
            }
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("scale down failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retiring workers " + addresses, e);
        }
    }

    /** How long a scale-down waits for the scheduler to retire workers (its own limit is 5 minutes). */
    private static final class Retiring {
        static final long TIMEOUT_MINUTES = 6;
    }

    private synchronized void retiredInProcess(Worker w) {
        w.retiring = true;
        workers.remove(w);
    }

    private void awaitWorkerCount(int n) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (scheduler.workers().size() != n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the local cluster has " + scheduler.workers().size() + " workers, not " + n + ", after "
                                + START_TIMEOUT.toSeconds() + " s" + deadWorkers());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for workers", e);
            }
        }
    }

    private synchronized String deadWorkers() {
        StringBuilder sb = new StringBuilder();
        for (Worker w : workers) {
            Process p = w.process();
            if (p != null && !p.isAlive())
                sb.append("; worker ").append(w.name).append(" exited with ").append(p.exitValue());
        }
        return sb.toString();
    }

    /**
     * For tests: kills a worker process abruptly (as a crash would), without marking it as retiring, and returns once
     * its nanny has handled the exit (told the scheduler, which then removes the worker at once, and started a new
     * process): what a test does next sees the worker gone, as it would a moment later in real life.
     */
    void killWorkerProcess(int index) throws Exception {
        Worker w;
        synchronized (this) {
            w = workers.get(index);
        }
        if (w.nanny == null) throw new IllegalStateException("workers run in this JVM: nothing to kill");
        w.nanny.crashForTest();
        scheduler.snapshot().get(10, TimeUnit.SECONDS); // queued after the nanny's account: handled once it returns
    }

    /** For tests: the scheduler's view of the cluster now (workers with their memory, task counts). */
    io.jdask.scheduler.ClusterSnapshot snapshot() throws Exception {
        return scheduler.snapshot().get(10, TimeUnit.SECONDS);
    }

    synchronized List<Long> workerPids() {
        List<Long> pids = new ArrayList<>();
        for (Worker w : workers) {
            Process p = w.process();
            if (p != null) pids.add(p.pid());
        }
        return pids;
    }

    @Override
    public void close() {
        Adaptive.end(this);
        List<Worker> all;
        synchronized (this) {
            if (closing) return;
            closing = true;
            all = new ArrayList<>(workers);
            workers.clear();
        }
        for (Worker w : all) w.stop(false);
        for (Worker w : all) w.stop(true);
        archives.ifPresent(a -> a.awaitCreates(ClassDataArchives.CREATE_WAIT));
        if (dashboard != null) dashboard.close();
        scheduler.close();
        if (credentials != null) credentials.delete();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to.
        }
    }

    /** A connection to this cluster's scheduler for a client in this JVM, without a socket (see RuntimeImpl). */
    io.jdask.protocol.Comm connectLocal(String clientName) {
        return scheduler.connectLocal(clientName);
    }

    private void killChildren() {
        List<Worker> all;
        synchronized (this) {
            all = new ArrayList<>(workers);
        }
        for (Worker w : all) {
            WorkerNanny n = w.nanny;
            if (n != null) n.kill();
        }
        archives.ifPresent(ClassDataArchives::killCreates);
        if (credentials != null) credentials.delete();
    }

    private static io.jdask.protocol.Tls tls(io.jdask.Security security) {
        return security == null
                ? null
                : io.jdask.protocol.Tls.fromPem(
                        security.caCertificatePem(), security.certificatePem(), security.privateKeyPem());
    }

    private WorkerConfig workerConfig(String name) {
        WorkerConfig.Builder b = WorkerConfig.builder(scheduler.address())
                .listen("tcp://127.0.0.1:0")
                .nthreads(spec.threadsPerWorker())
                .name(name)
                .security(spec.security());
        if (spec.memoryLimitBytes() > 0) b.memoryLimit(spec.memoryLimitBytes());
        b.memoryFractions(memoryFractions());
        if (!spec.memory().localDirectory().isEmpty())
            b.localDirectory(Path.of(spec.memory().localDirectory()));
        return b.build();
    }

    /** The workers' memory fractions: the builder's, else the {@code jdask.worker.memory.*} properties' or defaults. */
    private io.jdask.worker.MemoryFractions memoryFractions() {
        LocalCluster.Memory m = spec.memory();
        io.jdask.worker.MemoryFractions f = io.jdask.worker.MemoryFractions.fromSettings();
        if (m.target() >= 0) f = f.withTarget(m.target());
        if (m.spill() >= 0) f = f.withSpill(m.spill());
        if (m.pause() >= 0) f = f.withPause(m.pause());
        if (m.terminate() >= 0) f = f.withTerminate(m.terminate());
        return f;
    }

    /** Where worker processes' output is written too, one file per worker name; made with the first; null if not. */
    private Path logDirectory;

    /**
     * The log file of worker {@code name} (a restarted worker appends to it): in a directory made for the cluster with
     * its first worker process, under the builder's local directory or the temporary directory, and kept after the
     * cluster closes, for reading after a failure. Null, with a warning, when it cannot be made.
     */
    private synchronized Path logFile(String name) {
        if (logDirectory == null) {
            String parent = spec.memory().localDirectory();
            try {
                Path under = parent.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(parent);
                java.nio.file.Files.createDirectories(under);
                logDirectory = java.nio.file.Files.createTempDirectory(under, "jdask-logs-");
                LOG.info("the worker processes' output is also written to {}", logDirectory);
            } catch (java.io.IOException | RuntimeException e) {
                LOG.warn("cannot make a directory for the workers' log files: {}", e.toString());
                return null;
            }
        }
        return logDirectory.resolve(name + ".log");
    }

    /** The directory of the worker processes' log files, or null before the first process started (for tests). */
    synchronized Path logDirectory() {
        return logDirectory;
    }

    /**
     * A directory of its own for a worker process, under the builder's local directory or the temporary directory:
     * the worker spills there, and the nanny removes it when the process ends, also after a crash.
     */
    private Path newLocalDirectory(String name) {
        String parent = spec.memory().localDirectory();
        try {
            Path under = parent.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(parent);
            java.nio.file.Files.createDirectories(under);
            return java.nio.file.Files.createTempDirectory(under, "jdask-" + name + "-");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot create a local directory for worker " + name + " under "
                            + (parent.isEmpty() ? "the temporary directory" : parent)
                            + " (set localDirectory to a writable directory): " + e.getMessage(),
                    e);
        }
    }

    private Process spawn(String name, List<String> archiveOptions, Path localDirectory) {
        List<String> cmd = new ArrayList<>();
        cmd.add(workerJava.get(0));
        cmd.addAll(archiveOptions);
        cmd.addAll(workerJava.subList(1, workerJava.size()));
        // This JVM's effective settings (file, environment, properties) as properties of the worker's, which then
        // reads neither the file nor JDASK_* variables (dropped below): one source of truth, reported once.
        cmd.addAll(io.jdask.Settings.current().childJvmOptions());
        cmd.add("-cp");
        cmd.add(workerClassPath());
        cmd.add(WorkerMain.class.getName());
        cmd.add(WorkerOptions.SCHEDULER);
        cmd.add(scheduler.address());
        cmd.add(WorkerOptions.NTHREADS);
        cmd.add(Integer.toString(spec.threadsPerWorker()));
        cmd.add(WorkerOptions.NAME);
        cmd.add(name);
        cmd.add(WorkerOptions.LISTEN);
        cmd.add("tcp://127.0.0.1:0"); // tls:// when the worker has credentials
        if (credentials != null) {
            cmd.add(WorkerOptions.SECURITY);
            cmd.add(credentials.path().toString());
        }
        if (spec.memoryLimitBytes() > 0) {
            cmd.add(WorkerOptions.MEMORY_LIMIT);
            cmd.add(Long.toString(spec.memoryLimitBytes()));
        }
        // The fractions as this JVM resolves them (builder, else jdask.worker.memory.* properties, else defaults).
        io.jdask.worker.MemoryFractions f = memoryFractions();
        cmd.addAll(List.of(WorkerOptions.MEMORY_TARGET, Double.toString(f.target())));
        cmd.addAll(List.of(WorkerOptions.MEMORY_SPILL, Double.toString(f.spill())));
        cmd.addAll(List.of(WorkerOptions.MEMORY_PAUSE, Double.toString(f.pause())));
        cmd.addAll(List.of(WorkerOptions.MEMORY_TERMINATE, Double.toString(f.terminate())));
        cmd.addAll(List.of(WorkerOptions.LOCAL_DIRECTORY, localDirectory.toString()));
        // Both outputs of the worker, merged, are passed on to this JVM's stderr by the worker's ErrorTail (but its
        // announcement that it registered): what it prints outside tasks, and what tasks print when their output is
        // not forwarded to the client (-Djdask.worker.forward-output=false), would otherwise be lost.
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(variable -> variable.startsWith("JDASK_"));
        try {
            return pb.start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot start a worker process (" + String.join(" ", cmd.subList(0, 2)) + " ...): "
                            + e.getMessage(),
                    e);
        }
    }

    /** The java binary of worker processes and their JVM flags, without archive options and class path. */
    private List<String> javaAndFlags() {
        List<String> cmd = new ArrayList<>();
        cmd.add(WorkerNanny.javaCommand());
        long maxMb = spec.memoryLimitBytes() > 0 ? Math.max(64, spec.memoryLimitBytes() >> 20) : Long.MAX_VALUE;
        if (spec.memoryLimitBytes() > 0) cmd.add("-Xmx" + maxMb + "m");
        // A worker starts with room for big values: with the default initial heap (1/64 of the machine's memory)
        // the old generation holds two or three 100 MB arrays before a full collection, which moves the live ones,
        // and scatter ran at 1.2-1.4 GB/s instead of 1.6-1.8. Only address space is reserved; pages are touched
        // as the heap is used.
        long initialMb = Math.min(maxMb, io.jdask.Settings.current().get(io.jdask.Settings.WORKER_INITIAL_HEAP) >> 20);
        if (initialMb > 0) cmd.add("-Xms" + initialMb + "m");
        cmd.add("-XX:+UseParallelGC");
        cmd.addAll(WorkerNanny.requiredJvmFlags());
        // A received 100 MB value is a fresh 100 MB array, mostly memory new to the process: faulting it in 4 KB
        // pages costs more than copying into it (about 70 ms of CPU here, 35-50 ms with huge pages; JVM start-up
        // unchanged). Only where the kernel leaves huge pages to madvise: with "always" the JVM gets them anyway, and
        // with "never" the flag would just print a warning.
        if (THP_MADVISE) cmd.add("-XX:+UseTransparentHugePages");
        cmd.add("-XX:TieredStopAtLevel=4");
        cmd.add("-Xss4m");
        cmd.addAll(spec.workerJvmOptions()); // last: the user's choice wins over the defaults above
        return cmd;
    }

    /** Whether this is Linux with transparent huge pages in {@code madvise} mode (see {@link #spawn}). */
    private static final boolean THP_MADVISE = thpMadvise();

    private static boolean thpMadvise() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) return false;
        try {
            return java.nio.file.Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"))
                    .contains("[madvise]");
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * This JVM's class path plus the jars holding jdask and its libraries: in a notebook, jdask may have been added
     * to JShell's class path only, which child processes would not see.
     */
    static String workerClassPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isBlank()) entries.add(e);
        }
        for (Class<?> c : new Class<?>[] {
            WorkerMain.class,
            io.jdask.Dask.class,
            io.jdask.protocol.Message.class,
            io.jdask.scheduler.SchedulerServer.class,
            io.netty.channel.Channel.class,
            io.netty.handler.codec.ByteToMessageDecoder.class,
            io.netty.buffer.ByteBuf.class,
            io.netty.util.Recycler.class,
            io.netty.resolver.AddressResolver.class,
            org.apache.fory.Fory.class,
            org.slf4j.Logger.class
        }) {
            try {
                var source = c.getProtectionDomain().getCodeSource();
                if (source != null)
                    entries.add(Path.of(source.getLocation().toURI()).toString());
            } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
                // Fall back to the class path alone.
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
