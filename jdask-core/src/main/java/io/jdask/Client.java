package io.jdask;

import io.jdask.spi.Runtimes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A connection to a jdask cluster: submits tasks eagerly ({@code submit}, {@code map}: the generated overloads of
 * {@link TaskSubmitter}), computes {@link Delayed} graphs there, moves data in and out ({@link #scatter},
 * {@link #gather}), and while it is open, {@code delayed(...).compute()} in this JVM runs on its cluster.
 *
 * {@snippet :
 * try (LocalCluster cluster = LocalCluster.builder().workers(2).threadsPerWorker(2).build();
 *      Client client = Client.connect(cluster)) {
 *     Future<Integer> a = client.submit(Tutorial::inc, 1);    // starts now
 *     Future<Integer> b = client.submit(Tutorial::add, a, 10); // runs after a, where a's result is
 *     int v = b.result();
 * }
 * }
 */
public interface Client extends TaskSubmitter, AutoCloseable {

    /** Starts a local cluster sized to this machine (one worker process per core) and connects to it. */
    static Client connect() {
        return connect(LocalCluster.builder().build(), true);
    }

    /**
     * Joins a running scheduler ({@code jdask scheduler}), e.g. {@code tcp://host:8786}, waiting up to 10 s. A
     * {@code tls://} address uses the credentials named by {@code JDASK_SECURITY} ({@link Security#fromEnvironment()}).
     */
    static Client connect(String address) {
        return connect(address, Duration.ofSeconds(10));
    }

    /** Joins a running scheduler with the cluster's credentials, {@code tls://host:8786}, waiting up to 10 s. */
    static Client connect(String address, Security security) {
        return connect(address, security, Duration.ofSeconds(10));
    }

    /** Joins a running scheduler with the cluster's credentials, failing with the address after {@code timeout}. */
    static Client connect(String address, Security security, Duration timeout) {
        return Runtimes.get().connect(address, java.util.Objects.requireNonNull(security, "security"), timeout);
    }

    /** Joins a running scheduler, failing with the address after {@code timeout} if it cannot be reached. */
    static Client connect(String address, Duration timeout) {
        return Runtimes.get().connect(address, timeout);
    }

    /** Connects to a local cluster; closing the client leaves the cluster running. */
    static Client connect(LocalCluster cluster) {
        return Runtimes.get().connect(cluster);
    }

    /** Connects to any cluster (its scheduler address and credentials); closing the client leaves it running. */
    static Client connect(Cluster cluster) {
        return Runtimes.get().connect(cluster);
    }

    private static Client connect(LocalCluster cluster, boolean ownsCluster) {
        Client client = Runtimes.get().connect(cluster);
        return ownsCluster ? Clients.closingCluster(client, cluster) : client;
    }

    /**
     * This client with these submit options, sharing the connection:
     * {@code client.with(SubmitOptions.retries(3).priority(10)).submit(...)}. Options not given are the defaults.
     */
    Client with(SubmitOptions options);

    /** This client with its submit options changed, sharing the connection: {@code client.with(o -> o.retries(3))}. */
    Client with(UnaryOperator<SubmitOptions.Values> change);

    /** The submit options of this view (defaults on a fresh client). */
    SubmitOptions options();

    /** Starts computing a lazy value on the cluster and returns its future. */
    <T> Future<T> compute(Delayed<T> value);

    /** Starts computing lazy values on the cluster, sharing their common parts; futures in order. */
    <T> List<Future<T>> compute(List<? extends Delayed<? extends T>> values);

    /** Starts computing lazy values; returns {@code Delayed}s backed by the futures (same keys). */
    <T> List<Delayed<T>> persist(List<? extends Delayed<? extends T>> values);

    /** Waits for all futures and returns their results in order, moving the data in parallel. */
    <T> List<T> gather(Collection<? extends Future<? extends T>> futures);

    /** As {@link #gather(Collection)}; with {@link Errors#SKIP} failed or cancelled futures are left out. */
    <T> List<T> gather(Collection<? extends Future<? extends T>> futures, Errors errors);

    /** Sends a value to a worker once, to be used by many tasks without travelling again. */
    <T> Future<T> scatter(T value);

    /** As {@link #scatter(Object)}; with {@code broadcast}, a copy goes to every worker. */
    <T> Future<T> scatter(T value, boolean broadcast);

    /** Scatters each element to its own future, spread over the workers. */
    <T> List<Future<T>> scatterEach(Collection<? extends T> values);

    /** Cancels the futures' tasks. */
    void cancel(Collection<? extends Future<?>> futures);

    /** The scheduler's address, {@code tcp://host:port}. */
    String schedulerAddress();

    /** The dashboard's URL, or an empty string if there is none. */
    String dashboardLink();

    /**
     * The task stream: the runs of tasks the scheduler remembers (the latest 10,000 or so, of every client), oldest
     * first, with worker, thread and times; what the dashboard's task stream draws.
     */
    List<TaskRecord> taskStream();

    /** The task stream entries that stopped at or after {@code since}. */
    List<TaskRecord> taskStream(java.time.Instant since);

    /**
     * A statistical profile of the code tasks ran on every worker since it started: each worker samples the stacks
     * of its busy task threads every 10 ms; the scheduler gathers the call trees and this merges them. Print it,
     * {@code display(profile.html())} in a notebook, or {@code profile.save(Path.of("profile.html"))}.
     */
    Profile profile();

    /** Which workers hold each key (all keys, or the given futures' keys). */
    Map<String, List<String>> whoHas(Collection<? extends Future<?>> futures);

    /** Which keys each worker holds. */
    Map<String, List<String>> hasWhat();

    /** Worker addresses and their thread counts. */
    Map<String, Integer> nthreads();

    /** Restarts every worker process, dropping all data; futures of this client become {@code LOST}/cancelled. */
    void restart();

    /**
     * Retires these workers (addresses as {@link #nthreads()} lists them) gracefully, as Dask's
     * {@code retire_workers}: they get no new tasks, the tasks running there finish, every result or scattered value
     * only they hold is copied to another worker, and then they stop for good (their nanny does not restart them).
     * Blocks until they have left. Nothing computed or scattered is lost.
     *
     * @throws IllegalArgumentException if an address is not a connected worker's
     * @throws IllegalStateException if no other worker can take their data (retirement then stops and the workers
     *     take tasks again), or it did not finish within 5 minutes
     */
    void retireWorkers(Collection<String> addresses);

    /** Makes the classes of a jar available to every worker, now and joining later. */
    void uploadJar(Path jar);

    /**
     * Runs {@code fn} once on every worker now, outside the task graph (Dask's {@code client.run}), and returns what
     * each returned, by worker address. For work on the workers themselves: warm a cache, load a native library, look
     * at a worker's state; inside {@code fn}, {@link Dask#worker()} says which worker it is. Waits for every worker
     * (a worker that leaves meanwhile is left out).
     *
     * @throws WorkerRunException if {@code fn} threw on a worker: it names the worker, its cause is what was thrown
     */
    <T> Map<String, T> run(Fn0<? extends T> fn);

    /**
     * Registers a plugin: its {@link WorkerPlugin#setup setup} runs on every worker now and on every worker that joins
     * later, its {@link WorkerPlugin#teardown teardown} when a worker closes. Returns once every current worker has
     * set it up, so tasks submitted afterwards find it; a plugin of the same name is replaced.
     *
     * @throws WorkerRunException if setup threw on a worker: it names the worker, its cause is what was thrown
     */
    void register(WorkerPlugin plugin);

    /**
     * An {@link java.util.concurrent.ExecutorService} view of the cluster: {@code submit}, {@code invokeAll} and
     * {@code invokeAny} run their tasks on workers. A new view each call; shutting it down leaves the client open.
     */
    ClusterExecutor executor();

    // ---- coordination and actors (they live on the cluster, shared by name between clients and tasks) ----

    /** The cluster's queue of this name (created on first use). */
    <T> DQueue<T> queue(String name);

    /** A new handle on the cluster's lock of this name. */
    DLock lock(String name);

    /** The cluster's event of this name. */
    DEvent event(String name);

    /** The cluster's variable of this name. */
    <T> DVariable<T> variable(String name);

    /** A new handle on the cluster's semaphore of this name, which has {@code maxLeases} leases. */
    DSemaphore semaphore(String name, int maxLeases);

    /** Publishes on a topic. */
    <T> Publisher<T> publisher(String topic);

    /** Subscribes to a topic from now on. */
    <T> Subscriber<T> subscriber(String topic);

    /** Creates an object on one worker and returns a future of its {@link Actor} handle. */
    <T> Future<Actor<T>> submitActor(Fn0<? extends T> factory);

    /** Releases every future of this client and disconnects; a cluster started by {@link #connect()} stops. */
    @Override
    void close();
}
