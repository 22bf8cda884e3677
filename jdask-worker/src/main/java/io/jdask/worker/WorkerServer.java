package io.jdask.worker;

import io.jdask.Fn;
import io.jdask.graph.Args;
import io.jdask.graph.Task;
import io.jdask.graph.TaskRef;
import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommClosedException;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.CommServer;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.SendBatch;
import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.Transport;
import io.jdask.protocol.WorkerMsg;
import io.jdask.protocol.state.Priority;
import io.jdask.worker.state.WorkerEvent;
import io.jdask.worker.state.WorkerInstruction;
import io.jdask.worker.state.WorkerState;
import io.jdask.worker.state.WorkerTask;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A jdask worker: registers with a scheduler, runs the tasks it is given, holds their results and
 * serves them to peers and clients.
 *
 * <h2>Design</h2>
 *
 * A thin shell around the pure {@link WorkerState} (Dask's {@code Worker} around its
 * {@code WorkerState}). Threads:
 *
 * <ul>
 *   <li><b>The loop</b> (one thread: the I/O thread of the scheduler connection when the scheduler is reached
 *       over TCP, so scheduler messages are handled and answered without a hand-off; otherwise
 *       {@code jdask-worker-loop}) owns the state. Everything that
 *       happens elsewhere (a scheduler message on an I/O thread, a finished task on an executor
 *       thread, a finished transfer, a timer) is posted to it as a small job; the job turns it
 *       into a {@link WorkerEvent}, calls {@code handle}, and carries out the instructions at once
 *       ({@link #perform}). The loop never blocks: it neither deserializes user values (that may
 *       fetch classes from a client) nor waits for the network.
 *   <li><b>Executors</b> ({@code nthreads} daemon threads) deserialize a task's run spec with the
 *       submitting client's class loader, substitute dependency values for {@link TaskRef}s, run
 *       the function, and serialize the result once to learn its size.
 *   <li><b>The profiler</b> ({@code jdask-worker-profiler}, daemon) samples the stacks of the threads in
 *       {@code taskThreads} every 10 ms into a call tree ({@link Profiler}); a {@code ProfileRequest} is
 *       answered from a copy of it on a serving thread. Each task takes a thread slot number
 *       ({@link ThreadSlots}) while its function runs; it travels with its times on TaskFinished/TaskErred
 *       for the scheduler's task stream.
 *   <li><b>I/O threads</b> of the transports deliver messages. Data-plane reads ({@code GetData})
 *       are answered right there from the concurrent {@link DataStore} when the bytes are ready,
 *       else on a serving thread.
 * </ul>
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>Only the loop touches {@link #state} and mutates {@link #store}; a value is stored in the
 *       same loop job, right before the event announcing it is handled (the state's contract).
 *   <li>Instructions of one {@code handle} are carried out in order, before the next job runs.
 *   <li>Messages to the scheduler from the loop go out in the order the state emitted them.
 *   <li>A failing task never takes the worker down: whatever it throws (including {@link Error}s
 *       such as {@link StackOverflowError}) becomes a {@code TaskErred}. If the state itself
 *       throws (a bug), the worker shuts down, as Dask's does, rather than run on corrupt state.
 *   <li>Losing the scheduler connection closes the worker: a worker without a scheduler is
 *       useless, and the scheduler has already rescheduled its work.
 * </ul>
 *
 * <h2>Not yet</h2>
 *
 * Spilling to disk, seceding tasks (extra threads), refusing transfers when busy (this worker
 * never answers {@code busy}), heartbeats and metrics.
 */
public final class WorkerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerServer.class);
    /** How often to ask the scheduler about keys nobody seems to hold (Dask: every second). */
    private static final long FIND_MISSING_MILLIS = 1000;
    /**
     * How long a task's start is held back before it is reported ({@code TaskStarted}). A task that finishes within
     * it is reported by its {@code TaskFinished}/{@code TaskErred} alone, which says it ran: for short tasks that
     * saves two messages each (TaskStarted, and the scheduler's KeyRunning to every client that wants the key) and
     * their work on the critical path, at the price of a RUNNING status that shows up to this much late.
     */
    static final long START_REPORT_DELAY_MICROS = 1_000;

    private final WorkerConfig config;
    private final Serializer serializer = Serializer.shared();
    private final Transports transports;
    /** Values by key; see {@link DataStore} for who writes it. */
    private final DataStore store = new DataStore();
    /**
     * The event loop: a single thread that also runs the timers. With a TCP scheduler it is the I/O thread of
     * {@link #control}; otherwise a thread of its own.
     */
    private final ScheduledExecutorService loop;
    /** The transport of the scheduler connection when it is TCP (one I/O thread, shared with the loop), else null. */
    private final Transport control;
    /** The loop's thread; set once, in the constructor or by the thread factory. */
    private volatile Thread loopThread;
    /** Runs tasks; {@code nthreads} daemon threads. */
    private final ExecutorService executor;
    /** Serializes values for GetData replies whose bytes are not ready (off the I/O threads). */
    private final ExecutorService serving;

    private final CodeLoaders code;
    /** Runs actor calls (one at a time per actor); daemon threads. */
    private final ExecutorService actorExecutor;
    /** The actors this worker hosts. */
    private final ActorHost actors;
    /** Threads of running tasks by key, to interrupt a task that is cancelled while it blocks. */
    private final java.util.concurrent.ConcurrentHashMap<String, Thread> taskThreads =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Tasks the state handed over and no task thread has taken yet, in the order the state chose them. */
    private final java.util.concurrent.ConcurrentLinkedQueue<TaskJob> runQueue =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /**
     * The not yet started tasks of {@link #runQueue} by key. A cancel removes the key, and the task thread that
     * then takes the job skips it; whoever removes the entry first decides whether the task runs.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, TaskJob> notStarted =
            new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Task threads taking jobs from {@link #runQueue}: at most {@code nthreads}, less the threads of seceded tasks
     * (a task that secedes gives its thread's place up; see {@link #HOLDS_PLACE}).
     */
    private final AtomicInteger runners = new AtomicInteger();
    /** Threads blocked in Dask.rejoin(), by key, until the state hands them a slot ({@code Rejoined}). */
    private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<Void>> rejoins =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final PeerConnections peers;
    /** Row numbers of busy task threads for the task stream. */
    private final ThreadSlots slots = new ThreadSlots();
    /** Samples {@link #taskThreads} for {@code client.profile()}. */
    private final Profiler profiler;
    /**
     * Loop-confined: the thread slot and times of a task whose outcome is being handled, by key: put right before
     * handling ExecuteSuccess/ExecuteFailure and removed right after, so {@link #translate} can put them on the
     * TaskFinished/TaskErred it emits in that handle call (the pure state does not carry them).
     */
    private final java.util.HashMap<String, RunTimes> runTimes = new java.util.HashMap<>();
    /** Loop-confined: keys of started tasks not yet reported, in start order (see START_REPORT_DELAY_MICROS). */
    private final java.util.LinkedHashSet<String> unreportedStarts = new java.util.LinkedHashSet<>();
    /** Loop-confined: whether a timer to report {@link #unreportedStarts} is armed. */
    private boolean startReportArmed;

    private final AtomicLong stimulusSeq = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Completes (never exceptionally) when every thread is stopped and every connection closed. */
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Completes with the scheduler's id when it welcomes this worker. */
    private final CompletableFuture<String> welcomed = new CompletableFuture<>();

    // Set during start(), before any message is handled; read-only afterwards.
    private volatile CommServer server;
    private volatile Comm scheduler;
    private volatile String address;
    private volatile String name;

    /** Jobs posted to the loop and not finished yet; the loop's send batch stays open while this is above 0. */
    private final AtomicInteger postedJobs = new AtomicInteger();
    /** Loop thread only: the send batch spanning the current run of posted jobs, or null between runs. */
    private SendBatch loopSends;
    /** Loop thread only: when {@link #loopSends} opened (System.nanoTime). */
    private long loopSendsOpened;
    /** Loop thread only: whether a timer will end the hold of the sends to the scheduler. */
    private boolean heldSendsTimerArmed;
    /** Loop thread only: since when sends to the scheduler are held past a batch (System.nanoTime), or 0. */
    private long holdingSince;
    /**
     * Loop thread only: tasks handed to a task thread whose outcome the loop has not handled yet, less those that
     * seceded (they wait on other tasks, so their outcome is not coming soon).
     */
    private int runningTasks;
    /** Loop thread only: running tasks that seceded and have not rejoined. */
    private final java.util.HashSet<String> seceded = new java.util.HashSet<>();
    /**
     * How long the loop may hold its sends while a task of this worker is running (see {@link #endOfJobs}): a bound
     * on the latency that batching adds, far below Dask's 2-10 ms batched-send interval.
     */
    static final long HOLD_SENDS_NANOS = 500_000;

    /** Owned by the loop thread; null until registration starts. */
    private WorkerState state;

    /** When a task's function ran (wall clock nanos, 0 if it never started) and on which thread slot (-1: none). */
    record RunTimes(long startNanos, long stopNanos, int thread) {
        static final RunTimes NONE = new RunTimes(0, 0, -1);
    }

    /** What the state holds as a task's run spec: the serialized {fn, args} and whose code it is. */
    record RunSpec(byte[] bytes, String clientId) {}

    /** A task handed to the task threads: its run spec and its dependencies' values, taken on the loop. */
    record TaskJob(String key, Object spec, Map<String, StoredValue> deps) {}

    /**
     * Whether this task thread holds one of the {@link #runners} places: given up when its task secedes, taken
     * again when it rejoins. A thread that ends its task without a place leaves, unless a place is free.
     */
    private static final ThreadLocal<boolean[]> HOLDS_PLACE = ThreadLocal.withInitial(() -> new boolean[] {true});

    private WorkerServer(WorkerConfig config) {
        this.config = config;
        this.transports = new Transports(CommOptions.builder()
                .role("worker")
                .name(config.name().isEmpty() ? "worker" : config.name())
                .build());
        if ("tcp".equals(Transports.scheme(config.schedulerAddress()))) {
            // The loop runs on the one I/O thread of the scheduler connection: a ComputeTask is read and handled, and a
            // TaskFinished written, on one thread without a hand-off. Data transfers keep their own I/O threads.
            this.control = Transport.tcp(CommOptions.builder()
                    .role("worker")
                    .name(config.name().isEmpty() ? "worker" : config.name())
                    .ioThreads(1)
                    .build());
            this.loop = control.sharedIoThread();
            this.loopThread =
                    CompletableFuture.supplyAsync(Thread::currentThread, loop).join();
        } else {
            this.control = null;
            ScheduledThreadPoolExecutor own = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "jdask-worker-loop");
                t.setDaemon(true);
                loopThread = t;
                return t;
            });
            own.setRemoveOnCancelPolicy(true);
            this.loop = own;
        }
        // Cached, not fixed: the state machine keeps at most nthreads tasks executing, and a task that secedes keeps
        // its thread while the state hands its slot to another task, which then needs a thread of its own.
        this.executor = Executors.newCachedThreadPool(daemonThreads("jdask-worker-task-"));
        this.serving = Executors.newCachedThreadPool(daemonThreads("jdask-worker-serve-"));
        this.actorExecutor = Executors.newCachedThreadPool(daemonThreads("jdask-worker-actor-"));
        this.actors = new ActorHost(serializer, actorExecutor);
        this.code = new CodeLoaders(
                WorkerServer.class.getClassLoader(), serializer, this::sendToScheduler, config.classFetchTimeout());
        this.peers = new PeerConnections(transports, config.connectTimeout());
        this.profiler = new Profiler(taskThreads, config.profileInterval(), 50_000);
    }

    /**
     * Starts a worker: listens, connects to the scheduler, registers, and returns once the
     * scheduler has welcomed it.
     *
     * @throws IllegalStateException if the scheduler cannot be reached or does not answer within
     *     {@link WorkerConfig#connectTimeout()} (everything started is closed again)
     * @throws java.io.UncheckedIOException if the listen address cannot be bound
     */
    public static WorkerServer start(WorkerConfig config) {
        WorkerServer w = new WorkerServer(config);
        try {
            w.startUp();
            return w;
        } catch (RuntimeException | Error e) {
            w.closeAsync("start failed: " + e);
            w.closed.join();
            throw e;
        }
    }

    private void startUp() {
        server = transports.forAddress(config.listenAddress()).listen(config.listenAddress(), this::acceptDataComm);
        Comm comm;
        try {
            comm = (control != null ? control : transports.forAddress(config.schedulerAddress()))
                    .connect(config.schedulerAddress(), config.connectTimeout())
                    .get(config.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "could not reach the scheduler at " + config.schedulerAddress() + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "could not reach the scheduler at " + config.schedulerAddress() + " within "
                            + config.connectTimeout(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to " + config.schedulerAddress(), e);
        }
        scheduler = comm;
        address = advertisedAddress(server.address(), comm.localAddress());
        name = config.name().isEmpty() ? address : config.name();
        String addr = address;
        // Build the state on the loop before any scheduler message can reach it.
        onLoopAndWait(() -> state = WorkerState.builder(addr)
                .nthreads(config.nthreads())
                .executeAhead(config.executeAhead())
                .resources(config.resources())
                .build());
        comm.setHandler(new SchedulerHandler());
        comm.send(new WorkerMsg.RegisterWorker(
                address,
                name,
                config.nthreads(),
                config.memoryLimit(),
                config.resources(),
                ProcessHandle.current().pid()));
        try {
            String schedulerId = welcomed.get(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            LOG.info(
                    "worker {} ({}) registered with scheduler {} at {}",
                    name,
                    address,
                    schedulerId,
                    config.schedulerAddress());
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "registration with " + config.schedulerAddress() + " failed: "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "the scheduler at " + config.schedulerAddress() + " did not welcome this worker within "
                            + config.connectTimeout(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while registering with " + config.schedulerAddress(), e);
        }
        profiler.start(name);
        loop.scheduleWithFixedDelay(
                () -> handle(new WorkerEvent.FindMissing(stimulus("find-missing"), System.nanoTime())),
                FIND_MISSING_MILLIS,
                FIND_MISSING_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------------------------------------
    // Public surface

    /** Where peers and clients reach this worker, e.g. {@code tcp://10.0.0.5:40123}. */
    public String address() {
        return address;
    }

    /** The worker's name (its address unless configured). */
    public String name() {
        return name;
    }

    /** The settings it was started with. */
    public WorkerConfig config() {
        return config;
    }

    /** Completes once the worker is fully closed (after {@link #close()}, or when the scheduler went away). */
    public CompletableFuture<Void> closeFuture() {
        return closed.copy();
    }

    /** Whether the worker has started closing. */
    public boolean isClosed() {
        return closing.get();
    }

    /**
     * Stops the worker: tasks are interrupted, connections closed, threads stopped. Idempotent;
     * waits for the shutdown to finish (unless called from one of the worker's own threads).
     */
    @Override
    public void close() {
        closeAsync("closed by the application");
        if (Thread.currentThread() != loopThread) {
            closed.join();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Test hooks (package-private)

    /** The keys in the data store, sorted. */
    Set<String> storedKeys() {
        return store.keys();
    }

    /** Runs {@code f} on the loop with the state and returns its answer. */
    <T> T inspect(Function<WorkerState, T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        post(() -> result.complete(f.apply(state)));
        return result.orTimeout(10, TimeUnit.SECONDS).join();
    }

    // ---------------------------------------------------------------------------------------------
    // The loop

    private void post(Runnable job) {
        postedJobs.incrementAndGet();
        try {
            loop.execute(() -> {
                // Sends of consecutive jobs share one batch: it opens with the first job after a quiet spell and closes
                // when no posted job is left, so a burst (a hundred TaskFinished) leaves as one write to the scheduler.
                if (loopSends == null) {
                    loopSends = SendBatch.open();
                    loopSendsOpened = System.nanoTime();
                }
                try {
                    job.run();
                } catch (RuntimeException | Error e) {
                    LOG.error("worker {}: unexpected failure on the event loop; closing", name, e);
                    closeAsync("event loop failure: " + e);
                } finally {
                    if (postedJobs.decrementAndGet() == 0) {
                        endOfJobs();
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            postedJobs.decrementAndGet(); // closing: drop the job
        }
    }

    /**
     * No posted job is left: the loop's sends leave now, except those to the scheduler while a task of this worker
     * is still running, for at most HOLD_SENDS_NANOS. A running task's outcome comes soon and its TaskFinished then
     * shares the write (under a stream of short tasks a write carries tens of them, not one), while a worker that
     * has nothing running sends at once: a round trip or a chain of dependent tasks, which wait for each message,
     * is never held, nor is anything sent to a peer. A timer ends a hold when it comes of age.
     */
    private void endOfJobs() {
        SendBatch b = loopSends;
        if (b == null) {
            return;
        }
        loopSends = null;
        Comm toScheduler = scheduler;
        if (runningTasks > 0 && !closing.get() && toScheduler != null) {
            if (holdingSince == 0) {
                holdingSince = loopSendsOpened;
            }
            long age = System.nanoTime() - holdingSince;
            if (age < HOLD_SENDS_NANOS) {
                b.close(c -> c == toScheduler);
                if (b.keepsConnections()) {
                    armHoldTimer(HOLD_SENDS_NANOS - age);
                    return;
                }
            } else {
                b.close();
            }
        } else {
            b.close();
        }
        holdingSince = 0;
    }

    private void armHoldTimer(long delayNanos) {
        if (heldSendsTimerArmed) {
            return;
        }
        heldSendsTimerArmed = true;
        try {
            loop.schedule(this::endHold, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            heldSendsTimerArmed = false; // closing: the connections close and flush
        }
    }

    /** Timer, on the loop between jobs: whatever is held, or batched by a run of jobs still going, leaves now. */
    private void endHold() {
        heldSendsTimerArmed = false;
        holdingSince = 0;
        if (loopSends != null) {
            loopSends.close();
            loopSends = SendBatch.open();
            loopSendsOpened = System.nanoTime();
        } else {
            SendBatch.open().close();
        }
    }

    private void onLoopAndWait(Runnable job) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                job.run();
                done.complete(null);
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        });
        done.join();
    }

    private String stimulus(String prefix) {
        return prefix + "-" + stimulusSeq.incrementAndGet();
    }

    private void assertOnLoop() {
        if (Thread.currentThread() != loopThread) {
            throw new IllegalStateException("worker state touched from "
                    + Thread.currentThread().getName() + "; only the event loop may do that");
        }
    }

    /** Hands events to the state and carries out its instructions. Loop thread only. */
    private void handle(WorkerEvent... events) {
        assertOnLoop();
        if (state == null || closing.get()) {
            return;
        }
        List<WorkerInstruction> instructions;
        try {
            instructions = state.handle(events);
        } catch (RuntimeException e) {
            LOG.error(
                    "worker {}: the state machine failed on {}; closing (its state can no longer be trusted)",
                    name,
                    List.of(events),
                    e);
            closeAsync("state machine failure: " + e);
            return;
        }
        for (WorkerInstruction i : instructions) {
            perform(i);
        }
    }

    private void perform(WorkerInstruction instruction) {
        switch (instruction) {
            case WorkerInstruction.Execute e -> execute(e);
            case WorkerInstruction.GatherDep g -> gather(g);
            case WorkerInstruction.DropData d -> {
                for (String key : d.keys()) {
                    store.remove(key);
                    actors.drop(key); // an actor lives as long as its key
                }
            }
            case WorkerInstruction.Rejoined r -> {
                CompletableFuture<Void> waiting = rejoins.remove(r.key());
                if (waiting != null) {
                    waiting.complete(null);
                }
            }
            case WorkerInstruction.SchedulerMessage m -> sendToScheduler(translate(m));
        }
    }

    /**
     * The run id of the latest ComputeTask per key, echoed in the answers so the scheduler can tell them from
     * answers to an earlier, cancelled assignment. Owned by the loop thread. Messages from the scheduler arrive in
     * order, so the latest assignment is the one a finished task answers (a cancelled-then-resumed run counts as
     * the new one, as in Dask).
     */
    private final java.util.HashMap<String, Long> runIds = new java.util.HashMap<>();

    /** Scheduler messages the loop has not taken yet, in arrival order (see toLoop); guarded by itself. */
    private final java.util.ArrayDeque<SchedulerMsg> fromScheduler = new java.util.ArrayDeque<>();

    private long runIdOf(String key) {
        Long id = runIds.get(key);
        return id == null ? 0L : id;
    }

    /** The scheduler-bound message for a state instruction. */
    private Message translate(WorkerInstruction.SchedulerMessage m) {
        return switch (m) {
            case WorkerInstruction.TaskFinishedMsg f -> {
                StoredValue v = store.get(f.key());
                byte[] inline = null;
                if (v != null) {
                    Serialized bytes = v.bytesIfReady();
                    if (bytes != null && bytes.nbytes() <= config.inlineLimit()) {
                        inline = bytes.toBytes();
                    }
                }
                String typeName = f.typeName() != null ? f.typeName() : v == null ? null : v.typeName();
                RunTimes times = runTimes.getOrDefault(f.key(), RunTimes.NONE);
                yield new WorkerMsg.TaskFinished(
                        f.key(),
                        runIdOf(f.key()),
                        f.nbytes(),
                        typeName,
                        f.start(),
                        f.stop(),
                        times.thread(),
                        inline,
                        f.stimulusId());
            }
            case WorkerInstruction.TaskErredMsg e -> {
                RunTimes times = runTimes.getOrDefault(e.key(), RunTimes.NONE);
                if (e.error() instanceof TaskError te) {
                    yield new WorkerMsg.TaskErred(
                            e.key(),
                            runIdOf(e.key()),
                            te.exception(),
                            te.exceptionType(),
                            te.message(),
                            te.traceback(),
                            times.startNanos(),
                            times.stopNanos(),
                            times.thread(),
                            e.stimulusId());
                }
                String text = String.valueOf(e.error());
                yield new WorkerMsg.TaskErred(
                        e.key(),
                        runIdOf(e.key()),
                        null,
                        "io.jdask.worker.UnknownError",
                        text,
                        text,
                        times.startNanos(),
                        times.stopNanos(),
                        times.thread(),
                        e.stimulusId());
            }
            case WorkerInstruction.AddKeysMsg a -> new WorkerMsg.AddKeys(a.keys(), a.stimulusId());
            case WorkerInstruction.RequestRefreshWhoHasMsg r -> new WorkerMsg.RequestWhoHas(r.keys(), r.stimulusId());
            case WorkerInstruction.ReleaseWorkerDataMsg r -> new WorkerMsg.ReleaseWorkerData(r.key(), r.stimulusId());
            case WorkerInstruction.LongRunningMsg l ->
                new WorkerMsg.LongRunning(l.key(), runIdOf(l.key()), l.stimulusId());
            case WorkerInstruction.StealResponseMsg s ->
                // The protocol has no steal messages (work stealing comes in a later issue), so no StealRequest
                // event reaches the state and it never emits this.
                throw new IllegalStateException("a steal response for " + s.key() + " without a steal request");
        };
    }

    private void sendToScheduler(Message m) {
        Comm c = scheduler;
        if (c == null) {
            return;
        }
        try {
            c.send(m);
        } catch (CommClosedException e) {
            LOG.debug("scheduler connection closed; dropped {}", m.getClass().getSimpleName());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Running tasks

    private void execute(WorkerInstruction.Execute e) {
        String key = e.key();
        WorkerTask ts = state.task(key);
        Map<String, StoredValue> deps = new LinkedHashMap<>();
        for (String dep : ts.dependencyKeys()) {
            deps.put(dep, store.get(dep)); // all in memory, by the state's contract; null would be a bug
        }
        noteStarted(key);
        runningTasks++;
        enqueue(new TaskJob(key, ts.runSpec(), deps));
    }

    /** Loop: puts a task in line for the task threads, and starts a thread if fewer than nthreads take jobs. */
    private void enqueue(TaskJob job) {
        notStarted.put(job.key(), job);
        runQueue.add(job);
        startRunnerIfRoom();
    }

    private void startRunnerIfRoom() {
        if (!runQueue.isEmpty() && takePlace()) {
            try {
                executor.execute(this::runTasks);
            } catch (RejectedExecutionException ignored) {
                runners.decrementAndGet(); // closing
            }
        }
    }

    /** Takes one of the nthreads places of task threads, if one is free. */
    private boolean takePlace() {
        for (int n = runners.get(); n < config.nthreads(); n = runners.get()) {
            if (runners.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A task thread: runs jobs from {@link #runQueue} until it is empty, posting each outcome to the loop as it comes.
     * Under a stream of short tasks (the state hands some over ahead, see {@code WorkerConfig.executeAhead}) the
     * thread goes from one task to the next without waiting for the loop in between, and a task handed over while
     * every thread is busy waits in line for the first thread to free instead of making the pool start a new thread.
     *
     * <p>Outcomes are never held back to share a post: a thread may block in its next task (on a queue, or on tasks
     * that need an outcome it holds) and would hold them with it; batching them measured no faster either.
     */
    private void runTasks() {
        boolean[] holdsPlace = HOLDS_PLACE.get();
        holdsPlace[0] = true;
        try {
            while (true) {
                TaskJob job = runQueue.poll();
                if (job == null) {
                    runners.decrementAndGet();
                    // A job queued after the poll may have found every place taken: look once more.
                    if (runQueue.isEmpty() || !takePlace()) {
                        return;
                    }
                    continue;
                }
                Runnable outcome = notStarted.remove(job.key(), job) ? runTask(job) : skipped(job);
                if (outcome != null) {
                    post(outcome);
                }
                if (!holdsPlace[0] && !(holdsPlace[0] = takePlace())) {
                    return; // the task seceded and did not rejoin: its place went to another thread
                }
            }
        } finally {
            holdsPlace[0] = true;
        }
    }

    /**
     * The outcome of a job that a cancel took out of line before it started. If the state wants the task run after
     * all (it was cancelled and then asked for again, which resumes the same execution), it goes back in line;
     * otherwise the state learns that the execution ended without a value.
     */
    private Runnable skipped(TaskJob job) {
        String key = job.key();
        return () -> {
            WorkerTask ts = state.task(key);
            if (ts != null
                    && ts.state() == io.jdask.worker.state.WorkerTaskState.EXECUTING
                    && !notStarted.containsKey(key)) {
                enqueue(job);
                return;
            }
            taskEnded(key);
            TaskError error = TaskError.of(
                    new java.util.concurrent.CancellationException("task " + key + " was cancelled before it started"),
                    serializer);
            handle(new WorkerEvent.ExecuteFailure(key, error, stimulus("task-skipped"), System.nanoTime()));
        };
    }

    /** Loop: the outcome of {@code key} is being handled; its start needs no report of its own. */
    private void taskEnded(String key) {
        unreportedStarts.remove(key);
        if (!seceded.remove(key)) {
            runningTasks--;
        }
    }

    /** Remembers that {@code key} started; it is reported after START_REPORT_DELAY_MICROS unless it ended by then. */
    private void noteStarted(String key) {
        unreportedStarts.add(key);
        if (!startReportArmed) {
            armStartReport();
        }
    }

    /** Loop: runs {@link #reportStarts} START_REPORT_DELAY_MICROS from now. */
    private void armStartReport() {
        startReportArmed = true;
        try {
            loop.schedule(this::reportStarts, START_REPORT_DELAY_MICROS, TimeUnit.MICROSECONDS);
        } catch (RejectedExecutionException ignored) {
            // closing
        }
    }

    /**
     * Timer, on the loop: reports the unreported starts of tasks whose function is running now. The others wait for
     * the next round: a task still in line for a thread (handed over ahead) is not running yet, and one that just
     * returned has its outcome on the way to the loop, which then forgets its start unreported.
     */
    private void reportStarts() {
        startReportArmed = false;
        boolean waiting = false;
        for (var it = unreportedStarts.iterator(); it.hasNext(); ) {
            String key = it.next();
            if (!taskThreads.containsKey(key)) {
                waiting = true;
                continue;
            }
            sendToScheduler(new WorkerMsg.TaskStarted(key));
            it.remove();
        }
        if (waiting) {
            armStartReport();
        }
    }

    /** What a running task sees of this worker through {@code io.jdask.spi.TaskContext}. */
    private final io.jdask.spi.TaskContext.Host taskHost = new io.jdask.spi.TaskContext.Host() {
        @Override
        public String schedulerAddress() {
            return config.schedulerAddress();
        }

        @Override
        public void secede(String key) {
            boolean[] holdsPlace = HOLDS_PLACE.get();
            if (holdsPlace[0]) {
                // This thread waits on other tasks now: its place goes to a thread for the tasks in line behind it.
                holdsPlace[0] = false;
                runners.decrementAndGet();
                startRunnerIfRoom();
            }
            post(() -> {
                if (seceded.add(key)) {
                    runningTasks--;
                }
                handle(new WorkerEvent.Secede(key, stimulus("secede"), System.nanoTime()));
            });
        }

        @Override
        public void rejoin(String key) {
            CompletableFuture<Void> slot = new CompletableFuture<>();
            if (rejoins.putIfAbsent(key, slot) != null) {
                throw new IllegalStateException("task " + key + " is already rejoining on another thread");
            }
            post(() -> {
                if (seceded.remove(key)) {
                    runningTasks++;
                }
                handle(new WorkerEvent.Rejoin(key, stimulus("rejoin"), System.nanoTime()));
            });
            try {
                slot.get();
                boolean[] holdsPlace = HOLDS_PLACE.get();
                if (!holdsPlace[0]) {
                    holdsPlace[0] = true; // the state gave it a slot: it counts among the nthreads again
                    runners.incrementAndGet();
                }
            } catch (InterruptedException e) {
                rejoins.remove(key, slot);
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.CancellationException(
                        "task " + key + " was interrupted while rejoining");
            } catch (ExecutionException e) {
                throw new IllegalStateException("task " + key + " could not rejoin: " + e.getCause(), e.getCause());
            }
        }

        @Override
        public String hostActor(String key, Object instance) {
            actors.host(key, instance, Thread.currentThread().getContextClassLoader());
            return address;
        }
    };

    /**
     * Runs one task on a task thread and returns what the loop must do with its outcome (null when closing).
     * Never throws.
     */
    private Runnable runTask(TaskJob job) {
        String key = job.key();
        Object spec = job.spec();
        Map<String, StoredValue> deps = job.deps();
        Thread self = Thread.currentThread();
        ClassLoader previous = self.getContextClassLoader();
        long start = 0;
        long stop = 0;
        int slot = -1;
        try {
            if (!(spec instanceof RunSpec run)) {
                throw new IllegalStateException("task " + key + " has no run spec (" + spec + ")");
            }
            ClassLoader loader = code.forClient(run.clientId());
            self.setContextClassLoader(loader);
            Object decoded = serializer.deserialize(run.bytes(), loader);
            if (!(decoded instanceof Object[] pair)
                    || pair.length != 2
                    || !(pair[0] instanceof Fn fn)
                    || !(pair[1] instanceof Object[] args)) {
                throw new IllegalArgumentException(
                        "the run spec of task " + key + " is not {Fn, Object[] args} but " + describe(decoded));
            }
            Object[] resolved = (Object[]) Args.rewrite(
                    args, o -> o instanceof TaskRef ref ? dependencyValue(key, ref.key(), deps, loader) : Args.KEEP);
            Object result;
            io.jdask.spi.TaskContext.enter(key, taskHost);
            slot = slots.acquire();
            taskThreads.put(key, self);
            start = wallNanos();
            try {
                result = Task.call(fn, resolved);
            } finally {
                stop = wallNanos();
                taskThreads.remove(key, self);
                slots.release(slot);
                Thread.interrupted(); // a cancel that came late must not leak into the next task on this thread
                io.jdask.spi.TaskContext.exit();
            }
            Serialized bytes;
            try {
                bytes = serializer.serializeValue(result);
            } catch (RuntimeException | StackOverflowError ex) {
                throw new IllegalStateException(
                        "task " + key + " returned a value that cannot be serialized, so it"
                                + " could not be kept or shipped: " + ex.getMessage(),
                        ex);
            }
            StoredValue value = StoredValue.computed(result, bytes);
            String typeName = result == null ? "null" : result.getClass().getName();
            RunTimes times = new RunTimes(start, stop, slot);
            return () -> {
                taskEnded(key); // TaskFinished says it ran
                store.put(key, value);
                runTimes.put(key, times);
                try {
                    handle(new WorkerEvent.ExecuteSuccess(
                            key,
                            bytes.nbytes(),
                            typeName,
                            times.startNanos(),
                            times.stopNanos(),
                            stimulus("task-finished"),
                            System.nanoTime()));
                } finally {
                    runTimes.remove(key);
                }
            };
        } catch (Throwable t) { // everything a task does wrong is the task's failure, never the worker's
            if (closing.get()) {
                return null;
            }
            TaskError error = TaskError.of(t, serializer);
            LOG.debug("task {} failed: {}", key, error);
            RunTimes times = start == 0 ? RunTimes.NONE : new RunTimes(start, stop == 0 ? wallNanos() : stop, slot);
            return () -> {
                taskEnded(key); // TaskErred says it ran
                runTimes.put(key, times);
                try {
                    handle(new WorkerEvent.ExecuteFailure(key, error, stimulus("task-erred"), System.nanoTime()));
                } finally {
                    runTimes.remove(key);
                }
            };
        } finally {
            self.setContextClassLoader(previous);
        }
    }

    /**
     * Nanoseconds since the epoch, advancing with the monotonic clock (so durations are exact and
     * start/stop times of tasks on different machines line up on the scheduler's task stream).
     */
    static long wallNanos() {
        return EPOCH_OFFSET_NANOS + System.nanoTime();
    }

    private static final long EPOCH_OFFSET_NANOS = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

    private Object dependencyValue(String key, String dep, Map<String, StoredValue> deps, ClassLoader loader) {
        StoredValue v = deps.get(dep);
        if (v == null) {
            throw new IllegalStateException("task " + key + " refers to " + dep
                    + ", which is not among its dependencies in this worker's memory");
        }
        return v.value(loader, serializer);
    }

    private static String describe(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }

    // ---------------------------------------------------------------------------------------------
    // Fetching from peers

    private void gather(WorkerInstruction.GatherDep g) {
        List<String> keys = List.copyOf(g.keys());
        peers.getData(g.peer(), keys, config.transferTimeout())
                .whenComplete((reply, error) -> post(() -> gathered(g.peer(), keys, reply, error)));
    }

    /** The outcome of a GatherDep; loop thread. */
    private void gathered(String peer, List<String> keys, DataMsg.DataReply reply, Throwable error) {
        long now = System.nanoTime();
        if (error != null) {
            LOG.info("worker {}: fetching {} from {} failed: {}", name, keys, peer, error.toString());
            handle(new WorkerEvent.GatherDepNetworkFailure(peer, keys, stimulus("gather-dep-network-failure"), now));
            return;
        }
        Map<String, Long> received = new LinkedHashMap<>();
        for (String key : keys) {
            Serialized bytes = reply.values().get(key);
            if (bytes != null) {
                store.put(key, StoredValue.received(bytes));
                received.put(key, bytes.nbytes());
            }
        }
        String stimulusId = stimulus("gather-dep-success");
        handle(new WorkerEvent.GatherDepSuccess(peer, received, stimulusId, now));
        for (String key : keys) {
            if (!received.containsKey(key)) {
                sendToScheduler(new WorkerMsg.MissingData(key, peer, stimulusId));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Serving data to peers and clients

    private void acceptDataComm(Comm comm) {
        comm.setHandler(new CommHandler() {
            @Override
            public void onMessage(Comm c, Message message) {
                switch (message) {
                    case DataMsg.GetData g -> serveGetData(c, g);
                    case DataMsg.PutData p -> post(() -> putData(c, p));
                    case DataMsg.ActorCall a -> actors.call(c, a);
                    default ->
                        LOG.warn(
                                "worker {}: unexpected {} from {} ({}); ignored",
                                name,
                                message.getClass().getSimpleName(),
                                c.remoteAddress(),
                                c.peer().role());
                }
            }
        });
    }

    /** Answers GetData on the I/O thread if every value's bytes are ready, else on a serving thread. */
    private void serveGetData(Comm comm, DataMsg.GetData g) {
        Map<String, StoredValue> found = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        boolean ready = true;
        for (String key : g.keys()) {
            StoredValue v = store.get(key);
            if (v == null) {
                missing.add(key);
            } else {
                found.put(key, v);
                ready &= v.bytesIfReady() != null;
            }
        }
        if (ready) {
            replyData(comm, g.requestId(), found, missing);
        } else {
            try {
                serving.execute(() -> replyData(comm, g.requestId(), found, missing));
            } catch (RejectedExecutionException ignored) {
                // closing
            }
        }
    }

    private void replyData(Comm comm, long requestId, Map<String, StoredValue> found, List<String> missing) {
        Map<String, Serialized> values = new LinkedHashMap<>();
        for (var e : found.entrySet()) {
            try {
                values.put(e.getKey(), e.getValue().bytes(serializer));
            } catch (RuntimeException ex) {
                LOG.warn(
                        "worker {}: cannot serialize {} for {}: {}",
                        name,
                        e.getKey(),
                        comm.remoteAddress(),
                        ex.toString());
                missing.add(e.getKey());
            }
        }
        try {
            comm.send(new DataMsg.DataReply(requestId, values, missing, false));
        } catch (CommClosedException e) {
            LOG.debug("requester {} left before its reply", comm.remoteAddress());
        }
    }

    /** Stores scattered values, tells the state, then acknowledges. Loop thread. */
    private void putData(Comm comm, DataMsg.PutData p) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (var e : p.values().entrySet()) {
            store.put(e.getKey(), StoredValue.received(e.getValue()));
            sizes.put(e.getKey(), e.getValue().nbytes());
        }
        handle(new WorkerEvent.UpdateData(sizes, stimulus("update-data"), System.nanoTime()));
        try {
            comm.send(new DataMsg.PutDataAck(p.requestId(), sizes, null));
        } catch (CommClosedException e) {
            LOG.debug("client {} left before its ack", comm.remoteAddress());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The scheduler connection

    private final class SchedulerHandler implements CommHandler {
        @Override
        public void onMessage(Comm comm, Message message) {
            if (!(message instanceof SchedulerMsg m)) {
                LOG.warn(
                        "worker {}: unexpected {} from the scheduler; ignored",
                        name,
                        message.getClass().getSimpleName());
                return;
            }
            switch (m) {
                case SchedulerMsg.WorkerWelcome w -> welcomed.complete(w.schedulerId());
                case SchedulerMsg.ComputeTask c -> toLoop(c);
                case SchedulerMsg.StaticState st -> code.updateStatics(st.clientId(), orEmpty(st.fields()));
                case SchedulerMsg.FreeKeys f -> toLoop(f);
                case SchedulerMsg.CancelCompute c -> toLoop(c);
                case SchedulerMsg.RefreshWhoHas r -> toLoop(r);
                case SchedulerMsg.ClassBytes b -> code.onClassBytes(b);
                case SchedulerMsg.AddJar j -> toLoop(j);
                case SchedulerMsg.WorkerProfileRequest p -> {
                    try {
                        serving.execute(
                                () -> sendToScheduler(new WorkerMsg.WorkerProfileReply(p.requestId(), profileData())));
                    } catch (RejectedExecutionException ignored) {
                        // closing
                    }
                }
                case SchedulerMsg.CloseWorker c -> {
                    LOG.info("worker {}: the scheduler asked it to close: {}", name, c.reason());
                    closeAsync("scheduler asked: " + c.reason());
                }
                default ->
                    LOG.warn(
                            "worker {}: unexpected {} from the scheduler; ignored",
                            name,
                            m.getClass().getSimpleName());
            }
        }

        @Override
        public void onClose(Comm comm, CloseReason reason) {
            welcomed.completeExceptionally(new IllegalStateException("scheduler connection closed: " + reason));
            if (!closing.get()) {
                LOG.info("worker {}: lost the scheduler ({}); shutting down", name, reason);
            }
            closeAsync("scheduler connection closed: " + reason);
        }
    }

    /**
     * Queues a scheduler message for the loop; the first one queued after a drain posts the next drain. A frame's
     * messages (a {@code Batch}: the scheduler sends a loop turn's ComputeTasks to a worker as one) are all delivered
     * before that drain runs, so it takes them together, and a run of ComputeTasks reaches the state as one handle
     * call: one loop job and one instruction list for the lot instead of one each.
     */
    private void toLoop(SchedulerMsg m) {
        boolean first;
        synchronized (fromScheduler) {
            first = fromScheduler.isEmpty();
            fromScheduler.add(m);
        }
        if (first) {
            post(this::drainFromScheduler);
        }
    }

    /** Loop: hands the queued scheduler messages to the state in arrival order, each run of ComputeTasks at once. */
    private void drainFromScheduler() {
        SchedulerMsg[] messages;
        synchronized (fromScheduler) {
            messages = fromScheduler.toArray(new SchedulerMsg[0]);
            fromScheduler.clear();
        }
        long now = System.nanoTime();
        ArrayList<WorkerEvent> computes = new ArrayList<>();
        for (SchedulerMsg m : messages) {
            if (m instanceof SchedulerMsg.ComputeTask c) {
                // Put before the handle call: an answer emitted by it must echo this assignment (the state may answer a
                // ComputeTask at once, e.g. for a key it holds already).
                runIds.put(c.key(), c.runId());
                computes.add(new WorkerEvent.ComputeTask(
                        c.key(),
                        new RunSpec(c.runSpec(), c.clientId()),
                        Priority.of(c.priority() == null ? new long[0] : c.priority()),
                        orEmpty(c.whoHas()),
                        orEmpty(c.nbytes()),
                        orEmpty(c.resources()),
                        c.stimulusId(),
                        now));
                continue;
            }
            handleComputes(computes);
            switch (m) {
                case SchedulerMsg.FreeKeys f -> {
                    handle(new WorkerEvent.FreeKeys(f.keys(), f.stimulusId(), now));
                    interruptCancelled(f.keys(), false);
                }
                case SchedulerMsg.CancelCompute c -> {
                    handle(new WorkerEvent.CancelCompute(c.key(), c.stimulusId(), now));
                    interruptCancelled(List.of(c.key()), true);
                }
                case SchedulerMsg.RefreshWhoHas r ->
                    handle(new WorkerEvent.RefreshWhoHas(orEmpty(r.whoHas()), r.stimulusId(), now));
                case SchedulerMsg.AddJar j -> {
                    try {
                        code.addJar(j.name(), j.bytes());
                    } catch (java.io.IOException e) {
                        LOG.error("worker {}: could not add jar {}: {}", name, j.name(), e.toString());
                    }
                }
                default ->
                    throw new IllegalStateException(
                            "not a message for the loop: " + m.getClass().getSimpleName());
            }
        }
        handleComputes(computes);
    }

    /** Loop: hands the collected ComputeTask events to the state in one call, and empties the list. */
    private void handleComputes(ArrayList<WorkerEvent> computes) {
        if (!computes.isEmpty()) {
            handle(computes.toArray(new WorkerEvent[0]));
            computes.clear();
        }
    }

    /**
     * Interrupts the threads of tasks the scheduler no longer wants run (cancelled or forgotten), so that a task
     * blocked on a queue, event, lock or future wakes up and ends instead of holding its thread. Loop thread.
     *
     * <p>A run is interrupted at most once: a cancel is often followed by a FreeKeys for the same key, and a second
     * interrupt would land in whatever the task does to clean up (a queue put, say) and cut that short too. The
     * interrupt and the removal from {@code taskThreads} happen in one atomic step, and the task thread removes its
     * own entry before it clears its flag, so no interrupt can reach the next task run on that thread either.
     */
    private void interruptCancelled(List<String> keys, boolean cancelCompute) {
        for (String key : keys) {
            if (!stopWanted(key, cancelCompute)) {
                continue;
            }
            if (notStarted.remove(key) != null) {
                continue; // still in line: the thread that takes it skips it (see skipped)
            }
            taskThreads.computeIfPresent(key, (k, t) -> {
                LOG.debug("worker {}: interrupting cancelled task {}", name, k);
                t.interrupt();
                return null;
            });
        }
    }

    /**
     * Whether a task handed to the task threads should stop: CancelCompute means "stop it if it has not finished"
     * (the state keeps a running task until its thread returns, and an interrupt is how we ask that thread to return
     * early); a FreeKeys only if the state dropped or cancelled the task.
     */
    private boolean stopWanted(String key, boolean cancelCompute) {
        WorkerTask ts = state.task(key);
        return cancelCompute || ts == null || ts.state() == io.jdask.worker.state.WorkerTaskState.CANCELLED;
    }

    /** This worker's profile so far, in its wire form. */
    private WorkerMsg.ProfileData profileData() {
        io.jdask.spi.ProfileArrays a = io.jdask.spi.ProfileArrays.of(profiler.snapshot());
        return new WorkerMsg.ProfileData(a.frames(), a.parents(), a.counts());
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> m) {
        return m == null ? Map.of() : m;
    }

    // ---------------------------------------------------------------------------------------------
    // Shutdown

    /**
     * Starts closing on a thread of its own (closing transports from their own I/O threads, or the
     * loop from itself, would deadlock), once.
     */
    private void closeAsync(String reason) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> shutdown(reason), "jdask-worker-close");
        t.setDaemon(true);
        t.start();
    }

    private void shutdown(String reason) {
        LOG.info("worker {} closing: {}", name == null ? config.listenAddress() : name, reason);
        try {
            profiler.close();
            code.close(); // wake tasks waiting for classes
            executor.shutdownNow();
            serving.shutdownNow();
            actorExecutor.shutdownNow();
            actors.clear();
            if (control == null) {
                loop.shutdownNow();
            }
            peers.close();
            Comm c = scheduler;
            if (c != null) {
                c.close();
            }
            CommServer s = server;
            if (s != null) {
                s.close();
            }
            transports.close();
            if (control != null) {
                control.close(); // stops the loop's thread too
            }
            awaitQuietly(loop, 5);
            awaitQuietly(executor, 2);
            awaitQuietly(serving, 2);
            store.clear();
        } catch (RuntimeException | Error e) {
            LOG.warn("worker {}: error while closing", name, e);
        } finally {
            closed.complete(null);
        }
    }

    private static void awaitQuietly(ExecutorService e, int seconds) {
        try {
            e.awaitTermination(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The address to advertise: the bound address, except that a wildcard host (listening on all
     * interfaces) is replaced by the local address of the scheduler connection, the interface the
     * cluster evidently reaches this machine by.
     */
    static String advertisedAddress(String bound, String towardsScheduler) {
        if (!bound.startsWith("tcp://")) {
            return bound;
        }
        int colon = bound.lastIndexOf(':');
        String host = bound.substring("tcp://".length(), colon);
        String port = bound.substring(colon + 1);
        boolean wildcard = host.equals("0.0.0.0") || host.equals("[::]") || host.equals("[0:0:0:0:0:0:0:0]");
        if (!wildcard) {
            return bound;
        }
        if (towardsScheduler != null && towardsScheduler.startsWith("tcp://")) {
            String local = towardsScheduler.substring("tcp://".length(), towardsScheduler.lastIndexOf(':'));
            return "tcp://" + local + ":" + port;
        }
        try {
            return "tcp://" + InetAddress.getLocalHost().getHostAddress() + ":" + port;
        } catch (UnknownHostException e) {
            return "tcp://127.0.0.1:" + port;
        }
    }

    @Override
    public String toString() {
        return "WorkerServer[" + name + " at " + address + ", scheduler " + config.schedulerAddress() + "]";
    }
}
