package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.LocalCluster;
import io.jdask.Security;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link LocalCluster} and a client connected to it, shared by the tests of one class: started before the class's
 * {@code @BeforeAll} methods, closed after its {@code @AfterAll} methods, and checked to leave no process behind.
 *
 * <p>A test class declares {@code @RegisterExtension static final ClusterExtension cluster =
 * ClusterExtension.processes(2).threadsPerWorker(2);} and its tests call {@code cluster.client().submit(...)}.
 *
 * <p>Design note. A configuration method returns a new extension and never changes the one it is called on, so a
 * shared base configuration cannot be altered by one class for another. The defaults suit tests on a shared machine:
 * worker processes get a small heap ({@value #DEFAULT_MEMORY_LIMIT}) and the dashboard is off unless asked for (the
 * cluster default, port 8787, would collide between test JVMs). The client connects directly to the scheduler in this
 * JVM, as {@code Client.connect(cluster)} does, unless {@link #clientOverTcp} asks for the scheduler's TCP port.
 *
 * <p>A test may close the client and cluster itself (to test closing); closing again after the class is harmless. Any
 * process that descends from this JVM, started while the cluster ran and still alive
 * {@value #EXIT_WAIT_SECONDS} s after the close, fails the class and is killed, so a leak shows where it happens rather
 * than as a slow machine later.
 *
 * <p>Registered as a {@code static} field (or, in a {@code PER_CLASS} test class, an instance field): one cluster
 * per test class, whatever the number of tests. Not for tests whose subject is starting or closing a cluster: they
 * build their own.
 */
public final class ClusterExtension implements BeforeAllCallback, AfterAllCallback {

    /** The heap limit of each worker process unless {@link #memoryLimit} says otherwise. */
    public static final String DEFAULT_MEMORY_LIMIT = "256MB";

    /** How long processes of the cluster may take to exit after it closed. */
    static final int EXIT_WAIT_SECONDS = 15;

    /** What to start; immutable. {@code memoryLimit} is null for workers in this JVM. */
    private record Settings(
            int workers,
            int threadsPerWorker,
            boolean processes,
            String memoryLimit,
            int dashboardPort,
            boolean overTcp,
            boolean withClient) {}

    private final Settings settings;
    /** The cluster's credentials (TLS everywhere), or null for plain TCP. */
    private final Security security;
    /** A cluster started elsewhere than in a LocalCluster (see {@link #external}), or null. */
    private final External external;

    /**
     * A cluster this extension starts and stops but does not build itself: scheduler and workers started some other
     * way (in network namespaces, say). {@code start} returns a connected client.
     */
    public interface External {
        Client start() throws Exception;

        void close() throws Exception;
    }

    /** Set by {@link #beforeAll}: the pids of this JVM's descendants before the cluster started. */
    private Set<Long> processesBefore;

    private LocalCluster cluster;
    private Client client;

    private ClusterExtension(Settings settings) {
        this(settings, null);
    }

    private ClusterExtension(Settings settings, Security security) {
        this(settings, security, null);
    }

    private ClusterExtension(Settings settings, Security security, External external) {
        this.settings = settings;
        this.security = security;
        this.external = external;
    }

    /**
     * A cluster started and stopped by {@code cluster} for the test class; {@link #cluster()} is not available, and
     * the check for leftover processes applies as for local clusters.
     */
    public static ClusterExtension external(External cluster) {
        return new ClusterExtension(new Settings(0, 1, true, null, -1, true, true), null, cluster);
    }

    /** This extension with other settings and the same credentials and external cluster. */
    private ClusterExtension copy(Settings settings) {
        return new ClusterExtension(settings, security, external);
    }

    /**
     * Mutual TLS on every connection of the cluster with new credentials ({@code Security.temporary()}); the client
     * (over TCP, or direct) holds them too.
     */
    public ClusterExtension withTemporarySecurity() {
        return new ClusterExtension(settings, Security.temporary(), external);
    }

    /** {@code workers} worker processes with one thread each and a heap of {@value #DEFAULT_MEMORY_LIMIT}. */
    public static ClusterExtension processes(int workers) {
        return new ClusterExtension(new Settings(workers, 1, true, DEFAULT_MEMORY_LIMIT, -1, false, true));
    }

    /** {@code workers} workers running in this JVM (real TCP between them), one thread each: fast to start. */
    public static ClusterExtension inJvm(int workers) {
        return new ClusterExtension(new Settings(workers, 1, false, null, -1, false, true));
    }

    /** Task threads of each worker. */
    public ClusterExtension threadsPerWorker(int n) {
        Settings s = settings;
        return copy(new Settings(s.workers, n, s.processes, s.memoryLimit, s.dashboardPort, s.overTcp, s.withClient));
    }

    /** The heap limit of each worker process, as {@code LocalCluster.Builder.memoryLimit} reads it. */
    public ClusterExtension memoryLimit(String limit) {
        Settings s = settings;
        if (!s.processes) {
            throw new IllegalStateException("memoryLimit(\"" + limit + "\") is for worker processes; this cluster runs"
                    + " its workers in the test JVM (use ClusterExtension.processes(n))");
        }
        return copy(new Settings(
                s.workers, s.threadsPerWorker, s.processes, limit, s.dashboardPort, s.overTcp, s.withClient));
    }

    /** Starts the dashboard on a free port ({@link LocalCluster#dashboardLink()} tells which). */
    public ClusterExtension dashboardOnFreePort() {
        Settings s = settings;
        return copy(
                new Settings(s.workers, s.threadsPerWorker, s.processes, s.memoryLimit, 0, s.overTcp, s.withClient));
    }

    /** Connects the client to the scheduler's TCP port, as a client of a remote cluster does. */
    public ClusterExtension clientOverTcp() {
        Settings s = settings;
        return copy(new Settings(
                s.workers, s.threadsPerWorker, s.processes, s.memoryLimit, s.dashboardPort, true, s.withClient));
    }

    /** Connects no client: for a test whose client is made elsewhere (in a JShell, say). */
    public ClusterExtension withoutClient() {
        Settings s = settings;
        return copy(new Settings(
                s.workers, s.threadsPerWorker, s.processes, s.memoryLimit, s.dashboardPort, s.overTcp, false));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (cluster != null) {
            throw new IllegalStateException(
                    "this ClusterExtension already runs a cluster for another class; register" + " one per test class");
        }
        processesBefore = descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
        if (external != null) {
            try {
                client = external.start();
            } catch (Exception e) {
                throw new IllegalStateException("the external cluster did not start: " + e.getMessage(), e);
            }
            return;
        }
        LocalCluster.Builder b = LocalCluster.builder()
                .workers(settings.workers)
                .threadsPerWorker(settings.threadsPerWorker)
                .processes(settings.processes)
                .dashboardPort(settings.dashboardPort)
                .security(security);
        if (settings.memoryLimit != null) b.memoryLimit(settings.memoryLimit);
        cluster = b.build();
        if (settings.withClient) {
            client = !settings.overTcp
                    ? Client.connect(cluster)
                    : security != null
                            ? Client.connect(cluster.schedulerAddress(), security)
                            : Client.connect(cluster.schedulerAddress());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (client != null) client.close();
        } finally {
            if (cluster != null) cluster.close();
            if (external != null) {
                try {
                    external.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing the external cluster failed: " + e.getMessage(), e);
                }
            }
            client = null;
            cluster = null;
        }
        try {
            await("the processes of the cluster to exit")
                    .atMost(Duration.ofSeconds(EXIT_WAIT_SECONDS))
                    .until(() -> leftoverProcesses().isEmpty());
        } catch (ConditionTimeoutException e) {
            List<String> left = leftoverProcesses();
            descendants().filter(p -> !processesBefore.contains(p.pid())).forEach(ProcessHandle::destroyForcibly);
            assertThat(left)
                    .as("processes of the cluster still running %d s after it closed (now killed)", EXIT_WAIT_SECONDS)
                    .isEmpty();
        }
    }

    /** The cluster; fails outside the test class's lifetime. */
    public LocalCluster cluster() {
        if (cluster == null) throw new IllegalStateException("no cluster: it starts before the class's @BeforeAll");
        return cluster;
    }

    /** The same cluster with the package's extra controls (worker pids, killing a worker process). */
    LocalClusterImpl impl() {
        return (LocalClusterImpl) cluster();
    }

    /** The client connected to {@link #cluster()}; fails if it was built {@link #withoutClient}. */
    public Client client() {
        if (client == null) {
            throw new IllegalStateException(
                    settings.withClient
                            ? "no client: it connects before the class's @BeforeAll"
                            : "this ClusterExtension was built withoutClient()");
        }
        return client;
    }

    /**
     * Processes descending from this JVM that started after the cluster did and are still alive, as "pid command
     * line": after the cluster closed, there should be none.
     */
    public List<String> leftoverProcesses() {
        return descendants()
                .filter(p -> !processesBefore.contains(p.pid()))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList();
    }

    private static java.util.stream.Stream<ProcessHandle> descendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive);
    }
}
