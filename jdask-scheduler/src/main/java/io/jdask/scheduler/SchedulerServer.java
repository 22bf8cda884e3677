package io.jdask.scheduler;

import io.jdask.protocol.Comm;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.CommServer;
import io.jdask.protocol.DirectComm;
import io.jdask.protocol.Handshake;
import io.jdask.protocol.Protocol;
import io.jdask.protocol.Transport;
import io.jdask.protocol.WorkerMsg;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. The public face of the scheduler process: it owns the transport, the listener and the thread
 * the loop runs on (the transport's I/O thread with TCP), and nothing else. All scheduling happens in SchedulerLoop on its one thread; this class only
 * starts and stops it and reads the immutable snapshots the loop publishes (so every query here is cheap
 * and safe from any thread).
 *
 * Shutdown: close() asks the loop to stop (it closes every comm on its own thread), waits for it, then
 * closes the listener and the transport. The loop can also stop by itself on a fatal state failure; it then
 * runs the same closing steps. Both paths are idempotent.
 */
/**
 * A running jdask scheduler: accepts clients and workers on one address and schedules their tasks.
 *
 * <pre>{@code
 * try (SchedulerServer s = SchedulerServer.start(
 *     SchedulerServerConfig.builder().listenAddress("tcp://127.0.0.1:0").build())) {
 *   String address = s.address();   // tcp://127.0.0.1:40123
 *   s.awaitWorkers(2, Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class SchedulerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerServer.class);

    private final String schedulerId;
    /** The name the scheduler introduces itself with (its handshake). */
    private final String name;

    private final Transport transport;
    private final SchedulerLoop loop;
    /**
     * The loop's thread: the transport's one I/O thread with TCP, else a thread of its own ({@code ownLoopThread},
     * shut down with the server).
     */
    private final ScheduledExecutorService loopExecutor;

    private final ScheduledExecutorService ownLoopThread;
    /** Set once listening succeeded; null only during start. */
    private volatile CommServer listener;

    private volatile String address;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);

    private SchedulerServer(SchedulerServerConfig config) {
        this.schedulerId = "scheduler-" + UUID.randomUUID().toString().substring(0, 8);
        this.name = config.name();
        boolean inproc = config.listenAddress().startsWith("inproc://");
        // With TCP the loop runs on the transport's single I/O thread: a message is read, handled and answered there
        // without waking another thread (see SchedulerLoop). One thread also does all decoding and encoding, which on
        // a few cores is where the scheduler's time goes anyway.
        CommOptions options = CommOptions.builder()
                .role("scheduler")
                .name(config.name())
                .ioThreads(inproc ? config.ioThreads() : 1)
                .tls(config.tls())
                .build();
        this.transport = inproc ? Transport.inproc(options) : Transport.tcp(options);
        this.loop = new SchedulerLoop(config, schedulerId, this::loopExited);
        ScheduledExecutorService shared = transport.sharedIoThread();
        this.ownLoopThread = shared != null
                ? null
                : Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "jdask-scheduler-loop");
                    t.setDaemon(true);
                    return t;
                });
        this.loopExecutor = shared != null ? shared : ownLoopThread;
    }

    /**
     * Starts a scheduler: binds the address, starts the loop, and returns once it accepts connections.
     *
     * @throws java.io.UncheckedIOException if the address cannot be bound
     * @throws IllegalArgumentException if the address is malformed
     */
    public static SchedulerServer start(SchedulerServerConfig config) {
        Objects.requireNonNull(config, "config");
        var s = new SchedulerServer(config);
        s.loop.start(s.loopExecutor);
        try {
            s.listener = s.transport.listen(config.listenAddress(), s.loop::accept);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        s.address = s.listener.address();
        LOG.info("scheduler {} listening at {}", s.schedulerId, s.address);
        return s;
    }

    /** Starts a scheduler with default settings listening at {@code listenAddress}. */
    public static SchedulerServer start(String listenAddress) {
        return start(
                SchedulerServerConfig.builder().listenAddress(listenAddress).build());
    }

    /** The address clients and workers connect to, with the real port, e.g. {@code tcp://127.0.0.1:40123}. */
    public String address() {
        return address;
    }

    /**
     * Connects a client that lives in this JVM without a socket: the returned comm hands messages to the scheduler's
     * loop as objects, and the loop's replies reach the client's handler on the loop's thread ({@link DirectComm}).
     * A {@code LocalCluster}'s own client uses it; workers and remote clients connect to {@link #address()}. The
     * client sets its handler on the returned comm and then sees the same welcome and messages as over TCP.
     *
     * @throws IllegalStateException if the scheduler is closed
     */
    public Comm connectLocal(String clientName) {
        Objects.requireNonNull(clientName, "clientName");
        if (closed.get()) {
            throw new IllegalStateException("scheduler " + schedulerId + " at " + address + " is closed");
        }
        DirectComm[] ends = DirectComm.pair(
                new Handshake(Protocol.VERSION, 0, "client", clientName), "direct://" + clientName,
                new Handshake(Protocol.VERSION, 0, "scheduler", name), "direct://" + schedulerId);
        loop.accept(ends[1]);
        return ends[0];
    }

    /** This scheduler's id, as sent in welcomes. */
    public String schedulerId() {
        return schedulerId;
    }

    /** The registered workers: listening address to thread count, in join order. A snapshot; any thread. */
    public Map<String, Integer> workers() {
        return loop.workersSnapshot();
    }

    /**
     * Asks the loop for a {@link ClusterSnapshot} reflecting every message received before the call; any thread.
     * The future completes on the scheduler's loop thread: wait for it ({@code get(timeout)}) rather than chain
     * work onto it, and use a timeout, since it never completes once the scheduler has closed.
     */
    public CompletableFuture<ClusterSnapshot> snapshot() {
        return loop.snapshot();
    }

    /**
     * Asks every worker for its statistical profile of its task threads (samples since it started) and completes
     * with the answers by worker address; a worker that does not answer within 5 s is left out. Same threading
     * rules as {@link #snapshot()}.
     */
    public CompletableFuture<Map<String, WorkerMsg.ProfileData>> profiles() {
        return loop.profiles();
    }

    /**
     * A nanny's account of why the worker process {@code pid} ended ({@code cause}: exit code, out of memory, last
     * lines of its error output; empty when the process was stopped on purpose). The scheduler logs it and, if that worker is still registered or its removal is
     * waiting (see {@link SchedulerServerConfig.Builder#workerExitGrace}), removes it with that cause, which the
     * {@code KilledWorker} errors of its tasks then carry. Any thread.
     */
    public void workerExited(long pid, String cause) {
        loop.workerExited(pid, Objects.requireNonNull(cause, "cause"));
    }

    /**
     * Retires these workers (listening addresses) gracefully: no new tasks go to them, the tasks running there finish,
     * every key only they hold is copied to another worker, then each is told to close for good (a worker process
     * exits with {@code WorkerServer.EXIT_RETIRED}). Completes once they have all left; exceptionally, saying why, for
     * an unknown address or when no other worker can take their data. Same threading rules as {@link #snapshot()}.
     */
    public CompletableFuture<Void> retireWorkers(java.util.List<String> workers) {
        return loop.retireWorkers(workers);
    }

    /** The dashboard URL told to clients that connect from now on ({@code ""} for none). Any thread. */
    public void dashboardLink(String link) {
        loop.dashboardLink(Objects.requireNonNull(link, "link"));
    }

    /** The dashboard URL told to connecting clients, {@code ""} if there is none. */
    public String dashboardLink() {
        return loop.dashboardLink();
    }

    /**
     * How long the latest {@link #snapshot()} request waited for the scheduler's loop to take it, in nanoseconds: the
     * loop's lag behind its inbox (the metrics' event-loop lag; Dask measures a timer's lateness, which is the same
     * delay seen from a timer). Zero before the first request. Any thread.
     */
    public long loopLagNanos() {
        return loop.loopLagNanos();
    }

    /** How many clients are connected. A snapshot; any thread. */
    public int clientCount() {
        return loop.clientCount();
    }

    /**
     * Waits until at least {@code n} workers are registered.
     *
     * @return true once they are, false if the timeout passed first or the scheduler closed
     */
    public boolean awaitWorkers(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (loop.snapshotMonitor) {
            while (loop.workersSnapshot().size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || isClosed()) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(loop.snapshotMonitor, left);
            }
            return true;
        }
    }

    /** True once closed, by {@link #close()} or by a fatal failure of the loop. */
    public boolean isClosed() {
        return closed.get() || terminated.getCount() == 0;
    }

    /** Waits until the scheduler has closed (by {@link #close()}, a shutdown hook, or a fatal failure). */
    public void join() throws InterruptedException {
        terminated.await();
    }

    /** Closes every connection and stops the loop and the I/O threads. Idempotent; any thread. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        loop.stop();
        if (loop.onLoopThread()) {
            finishCloseOffLoop(); // called from the loop (a handler closing the server): it exits after this turn
        } else {
            finishClose();
        }
    }

    /** Called on the loop thread as it exits, whatever the reason. */
    private void loopExited() {
        if (loop.fatal() != null) {
            closed.set(true);
            finishCloseOffLoop();
        }
    }

    /** Waits for the loop to exit, then closes the listener and the transport. */
    private void finishClose() {
        try {
            if (!loop.awaitExit(Duration.ofSeconds(10))) {
                LOG.warn("the scheduler loop did not stop within 10 s; closing the transport anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeIo();
        terminated.countDown();
    }

    /**
     * {@link #finishClose()} on a thread of its own, for callers on the loop's thread: closing the transport waits
     * for its I/O threads, and with TCP the loop runs on one of them.
     */
    private void finishCloseOffLoop() {
        Thread closer = new Thread(this::finishClose, "jdask-scheduler-close");
        closer.setDaemon(true);
        closer.start();
    }

    private synchronized void closeIo() {
        CommServer l = listener;
        if (l != null) {
            l.close();
        }
        if (ownLoopThread != null) {
            ownLoopThread.shutdown();
        }
        transport.close();
    }

    @Override
    public String toString() {
        return "SchedulerServer[" + schedulerId + " at " + address + ", workers="
                + workers().size() + ", clients=" + clientCount() + "]";
    }
}
