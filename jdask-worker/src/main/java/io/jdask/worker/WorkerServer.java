package io.jdask.worker;

import io.jdask.protocol.Clock;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommClosedException;
import io.jdask.protocol.CommOptions;
import io.jdask.protocol.CommServer;
import io.jdask.protocol.DataMsg;
import io.jdask.protocol.Message;
import io.jdask.protocol.Serialized;
import io.jdask.protocol.Serializer;
import io.jdask.protocol.WorkerMsg;
import io.jdask.spi.ProfileArrays;
import io.jdask.spi.TaskContext;
import io.jdask.worker.state.WorkerEvent;
import io.jdask.worker.state.WorkerInstruction;
import io.jdask.worker.state.WorkerState;
import io.jdask.worker.state.WorkerTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
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
 * {@code WorkerState}): it turns what happens into {@link WorkerEvent}s, hands them to the state, and carries out
 * the {@link WorkerInstruction}s it gets back ({@link #perform}); it decides nothing the state could. Its parts, one
 * concern each: {@link WorkerLoop} (the loop thread, its timers and when its sends leave), {@link SchedulerInbox}
 * (scheduler messages into events), {@link TaskThreads} (the run line, task threads, secede and rejoin, cancels),
 * {@link TaskRunner} (one task's run on its thread), {@link SchedulerReports} (instructions into scheduler messages),
 * {@link DataServer} (peers' and clients' connections), {@link PeerConnections} (fetches from peers), {@link
 * CodeLoaders} (client classes and jars), {@link ActorHost} (actors), {@link OutputForwarder} and {@link OutputCapture}
 * (what tasks print, to their clients), {@link WorkerRuns} ({@code client.run} functions, plugins). Threads:
 *
 * <ul>
 *   <li><b>The loop</b> (one thread: the I/O thread of the scheduler connection when the scheduler is reached
 *       over TCP, so scheduler messages are handled and answered without a hand-off; otherwise
 *       {@code jdask-worker-loop}) owns the state. Everything that
 *       happens elsewhere (a scheduler message on an I/O thread, a finished task on a task
 *       thread, a finished transfer, a timer) is posted to it as a small job; the job turns it
 *       into a {@link WorkerEvent}, calls {@code handle}, and carries out the instructions at once.
 *       The loop never blocks: it neither deserializes user values (that may
 *       fetch classes from a client) nor waits for the network.
 *   <li><b>Task threads</b> ({@link TaskThreads}: at most {@code nthreads} take tasks from the run line, plus
 *       one per seceded task) deserialize a task's run spec with the submitting client's class loader, substitute
 *       dependency values for {@code TaskRef}s, run the function, and serialize the result once to learn its size.
 *   <li><b>The profiler</b> ({@code jdask-worker-profiler}, daemon) samples the stacks of the threads whose task
 *       runs every 10 ms into a call tree ({@link Profiler}); a {@code ProfileRequest} is
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
 *   <li>Every per-key entry (the state's tasks, the data store, the task threads' maps) goes when its key is
 *       forgotten; a long-lived worker does not grow with the number of keys it has seen.
 * </ul>
 *
 * <h2>Memory</h2>
 *
 * The {@link DataStore} spills least recently used values to disk above the target fraction of the limit; a worker
 * process's {@link MemoryMonitor} also spills, pauses and exits by its heap (see ARCHITECTURE.md, "Memory"), and the
 * scheduler hears the sizes and the pause in {@code WorkerMsg.MemoryStatus} reports.
 *
 * <h2>Heartbeats</h2>
 *
 * Every {@link #HEARTBEAT_MILLIS} the loop sends a {@code WorkerMsg.Heartbeat} (tasks executing and ready, memory
 * sizes): the scheduler removes a worker it has not heard from for its time-to-live. A worker that was frozen past
 * it (SIGSTOP, a paused VM) reads {@code SchedulerMsg.WorkerRemoved} when it wakes: it closes like any worker that
 * lost its scheduler, but {@link #removedByScheduler()} tells whoever runs it to start a new one in its place.
 *
 * <h2>Not yet</h2>
 *
 * Metrics.
 */
public final class WorkerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerServer.class);
    /** How often the memory monitor looks (Dask: every 100 ms). */
    private static final long MEMORY_CHECK_MILLIS = 100;
    /** At most one collection a second is asked for to confirm a high heap reading (see {@link MemoryMonitor}). */
    private static final long MIN_COLLECT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Sizes are reported to the scheduler at most this often; a pause or unpause at once. */
    private static final long MEMORY_REPORT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /**
     * The exit status of a worker process that ran out of memory: what {@code -XX:+ExitOnOutOfMemoryError} exits
     * with, and what the worker exits with when its heap passes the terminate fraction.
     */
    public static final int EXIT_OUT_OF_MEMORY = 3;
    /**
     * How often the worker tells the scheduler it is alive (Dask: 0.5 to 5 s by cluster size). One small message a
     * second per worker; the scheduler's time-to-live (30 s by default) allows many to be missed.
     */
    static final long HEARTBEAT_MILLIS = 1000;
    /**
     * The exit status of a worker process the scheduler retired ({@code client.retireWorkers}, a scale-down): its data
     * went to other workers, and its nanny must not start it again.
     */
    public static final int EXIT_RETIRED = 4;
    /**
     * The exit status of a worker process whose scheduler connection closed without the scheduler asking: its nanny
     * restarts it only if the scheduler is still there (see {@link WorkerNanny}).
     */
    public static final int EXIT_SCHEDULER_LOST = 5;
    /** How often to ask the scheduler about keys nobody seems to hold (Dask: every second). */
    private static final long FIND_MISSING_MILLIS = 1000;
    /**
     * How long a task's start is held back before it is reported ({@code TaskStarted}). A task that finishes within
     * it is reported by its {@code TaskFinished}/{@code TaskErred} alone, which says it ran: for short tasks that
     * saves two messages each (TaskStarted, and the scheduler's KeyRunning to every client that wants the key) and
     * their work on the critical path, at the price of a RUNNING status that shows up to this much late.
     */
    static final long START_REPORT_DELAY_MICROS = 1_000;
    /**
     * The system property that turns off forwarding task output to clients in worker processes ({@code false}); on
     * by default. Off, what tasks print goes to the worker's own output (its log).
     */
    public static final String FORWARD_OUTPUT_PROPERTY = OutputCapture.FORWARD_OUTPUT_PROPERTY;

    private final WorkerConfig config;
    private final Clock clock;
    private final Serializer serializer = Serializer.shared();
    private final Transports transports;
    /** Values by key, and the spill buffer; see {@link DataStore} for who writes it. */
    private final DataStore store;
    /** The event loop: owns the state; see {@link WorkerLoop}. */
    private final WorkerLoop loop;
    /** Runs task threads; cached, as a seceded task keeps its thread while another takes its place. */
    private final ExecutorService executor;
    /** Serializes values for GetData replies whose bytes are not ready, and answers profile requests. */
    private final ExecutorService serving;

    private final CodeLoaders code;
    /** Runs actor calls (one at a time per actor); daemon threads. */
    private final ExecutorService actorExecutor;
    /** The actors this worker hosts. */
    private final ActorHost actors;

    private final TaskThreads threads;
    private final TaskRunner runner;
    /** Task output on its way to the clients; null when it is not forwarded (a shared JVM, or turned off). */
    private final OutputForwarder output;
    /** client.run functions and worker plugins. */
    private final WorkerRuns runs;

    private final PeerConnections peers;
    private final DataServer dataServer;
    private final SchedulerReports reports;
    /** Samples the running tasks' threads for {@code client.profile()}. */
    private final Profiler profiler;
    /** Spills by heap, and says whether to pause or exit; loop-confined. */
    private final MemoryMonitor memory;
    /** Loop-confined: what the scheduler was last told of the memory, and when. */
    private WorkerMsg.MemoryStatus lastMemoryReport;

    private long lastMemoryReportNanos;
    /** Loop-confined: whether a timer to report the starts of running tasks is armed. */
    private boolean startReportArmed;
    /**
     * Set when the first real work arrives, a task on a task thread or a connection to the data server (a client's
     * actor calls or gathers, a peer's fetch): the idle warm-up then gives way.
     */
    private volatile boolean hadWork;

    private final AtomicLong stimulusSeq = new AtomicLong();
    /** Set when the scheduler said it removed this worker: whoever runs it starts a new one (see WorkerMain). */
    private volatile boolean removedByScheduler;

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

    /** Owned by the loop thread; null until registration starts. */
    private WorkerState state;

    private WorkerServer(WorkerConfig config) {
        this.config = config;
        this.clock = config.clock();
        SpillPolicy spillPolicy = new SpillPolicy(
                config.ownsProcess() ? MemoryMonitor.usableLimit(config.memoryLimit()) : config.memoryLimit(),
                config.memoryFractions());
        this.store = new DataStore(
                spillPolicy,
                spillPolicy.spills()
                        ? SpillFiles.under(
                                config.localDirectory(), config.name().isEmpty() ? "worker" : config.name())
                        : null,
                serializer);
        java.lang.management.MemoryMXBean heap = java.lang.management.ManagementFactory.getMemoryMXBean();
        this.memory = new MemoryMonitor(
                spillPolicy,
                store,
                config.ownsProcess(),
                () -> heap.getHeapMemoryUsage().getUsed(),
                System::gc,
                MIN_COLLECT_NANOS);
        this.transports = new Transports(CommOptions.builder()
                .role("worker")
                .name(config.name().isEmpty() ? "worker" : config.name())
                .tls(config.tls())
                .build());
        this.loop = new WorkerLoop(
                config.schedulerAddress(),
                config.name().isEmpty() ? "worker" : config.name(),
                config.tls(),
                clock,
                this::heldConnection,
                e -> {
                    LOG.error("worker {}: unexpected failure on the event loop; closing", name, e);
                    closeAsync("event loop failure: " + e);
                });
        // Cached, not fixed: the state machine keeps at most nthreads tasks executing, and a task that secedes keeps
        // its thread while the state hands its slot to another task, which then needs a thread of its own.
        this.executor = Executors.newCachedThreadPool(daemonThreads("jdask-worker-task-"));
        this.serving = Executors.newCachedThreadPool(daemonThreads("jdask-worker-serve-"));
        this.actorExecutor = Executors.newCachedThreadPool(daemonThreads("jdask-worker-actor-"));
        FnDecoder decoder = new FnDecoder(serializer);
        this.actors = new ActorHost(serializer, decoder, actorExecutor);
        this.code = new CodeLoaders(
                WorkerServer.class.getClassLoader(), serializer, this::sendToScheduler, config.classFetchTimeout());
        this.peers = new PeerConnections(transports, config.connectTimeout());
        this.threads = new TaskThreads(config.nthreads(), executor, this::runOnThread, this::skipped, this::post);
        // Only a worker process captures System.out/err: in a shared JVM a task prints where the client prints already.
        this.output = config.ownsProcess() && OutputCapture.forwardingEnabled()
                ? new OutputForwarder(() -> name, this::sendToScheduler, loop::schedule, this::post)
                : null;
        if (output != null) OutputCapture.install();
        this.runner = new TaskRunner(
                serializer, decoder, code, threads, new ThreadSlots(), clock, taskHost, closing::get, output);
        this.runs = new WorkerRuns(serializer, decoder, code, this::sendToScheduler, taskHost, output);
        this.dataServer =
                new DataServer(store, serializer, serving, actors, (c, p) -> post(() -> putData(c, p)), () -> name);
        this.reports = new SchedulerReports(store, config.inlineLimit());
        this.profiler = new Profiler(threads.runningThreads(), config.profileInterval(), 50_000);
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
        server = transports.forAddress(config.listenAddress()).listen(config.listenAddress(), c -> {
            hadWork = true;
            c.setHandler(dataServer);
        });
        Comm comm;
        try {
            comm = (loop.control() != null ? loop.control() : transports.forAddress(config.schedulerAddress()))
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
        address = Transports.advertisedAddress(server.address(), comm.localAddress());
        name = config.name().isEmpty() ? address : config.name();
        String addr = address;
        // Build the state on the loop before any scheduler message can reach it.
        loop.runAndWait(() -> state = WorkerState.builder(addr)
                .nthreads(config.nthreads())
                .executeAhead(config.executeAhead())
                .resources(config.resources())
                .build());
        comm.setHandler(new SchedulerInbox(inboxShell, code, clock));
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
        loop.every(MEMORY_CHECK_MILLIS, this::checkMemory);
        loop.every(HEARTBEAT_MILLIS, this::heartbeat);
        loop.every(
                FIND_MISSING_MILLIS,
                () -> handle(new WorkerEvent.FindMissing(stimulus("find-missing"), clock.nanoTime())));
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

    /**
     * Starts warming the task path on a daemon thread while the worker is idle (see {@link IdleWarmup}): at most
     * {@code rounds} synthetic tasks, fewer if real work arrives (a task, or a connection to the data server) or the
     * worker closes first. With
     * {@code untilDone}, real tasks do not stop it (the run that trains an AOT cache, whose profiles should cover the
     * whole path). Returns at once; the worker is ready (registered) before and during the warm-up.
     *
     * @return completes with the number of synthetic tasks run, once the warm-up has ended
     */
    public CompletableFuture<Integer> warmUpWhileIdle(int rounds, boolean untilDone) {
        return IdleWarmup.startThread("jdask-worker-warmup", rounds, () -> closing.get() || (!untilDone && hadWork));
    }

    /**
     * Whether this worker closed because the scheduler removed it while it was alive (it was silent past the worker
     * time-to-live: frozen, stopped, or cut off): its tasks already run elsewhere, and a fresh worker with the same
     * configuration should register in its place ({@link WorkerMain} does).
     */
    public boolean removedByScheduler() {
        return removedByScheduler;
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
        if (!loop.isLoopThread()) {
            closed.join();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Test hooks (package-private)

    /** The keys in the data store, sorted. */
    Set<String> storedKeys() {
        return store.keys();
    }

    /** The data store's sizes now. */
    DataStore.Sizes storeSizes() {
        return store.sizes();
    }

    /** Runs {@code f} on the loop with the state and returns its answer. */
    <T> T inspect(Function<WorkerState, T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        post(() -> result.complete(f.apply(state)));
        return result.orTimeout(10, TimeUnit.SECONDS).join();
    }

    /**
     * Per-key entries this worker holds, by where they are: the state's tasks, the data store, the actors, the
     * task threads' maps, the run times of outcomes being handled. Read on the loop.
     */
    Map<String, Integer> perKeyEntries() {
        return inspect(s -> Map.of(
                "state tasks", s.taskCount(),
                "data store", store.keys().size(),
                "actors", actors.size(),
                "task threads", threads.perKeyEntries(),
                "run times", reports.perKeyEntries()));
    }

    // ---------------------------------------------------------------------------------------------
    // The loop

    private void post(Runnable job) {
        loop.post(job);
    }

    /** Sends to the scheduler are held while a task runs: its outcome comes soon and shares the write. */
    private Comm heldConnection() {
        return threads.anyRunning() && !closing.get() ? scheduler : null;
    }

    private String stimulus(String prefix) {
        return prefix + "-" + stimulusSeq.incrementAndGet();
    }

    private void assertOnLoop() {
        if (!loop.isLoopThread()) {
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
            case WorkerInstruction.CancelExecution c -> threads.cancel(c.key());
            case WorkerInstruction.GatherDep g -> gather(g);
            case WorkerInstruction.DropData d -> {
                for (String key : d.keys()) {
                    store.remove(key);
                    actors.drop(key); // an actor lives as long as its key
                }
            }
            case WorkerInstruction.Rejoined r -> threads.rejoined(r.key());
            case WorkerInstruction.SchedulerMessage m -> sendToScheduler(reports.translate(m));
        }
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
    // Memory

    /**
     * Timer, on the loop: the memory monitor's look (it may spill), then a pause, an unpause or an exit, and a report
     * to the scheduler when something changed.
     */
    private void checkMemory() {
        if (state == null || closing.get()) return;
        boolean wasPaused = state.isPaused();
        SpillPolicy.Status status = memory.check(clock.nanoTime());
        if (status == SpillPolicy.Status.TERMINATE) {
            terminateForMemory();
            return;
        }
        boolean paused = status == SpillPolicy.Status.PAUSED;
        if (paused && !wasPaused) {
            LOG.warn(
                    "worker {}: heap at {} bytes after a collection, past the pause fraction {} of its {} byte limit;"
                            + " pausing (no new tasks, no fetches) until it is below",
                    name,
                    memory.lastLive(),
                    config.memoryFractions().pause(),
                    memory.limit());
            handle(new WorkerEvent.Pause(stimulus("pause"), clock.nanoTime()));
        } else if (!paused && wasPaused) {
            LOG.info("worker {}: memory below the pause fraction again; resuming", name);
            handle(new WorkerEvent.Unpause(stimulus("unpause"), clock.nanoTime()));
        }
        reportMemory(paused, "", paused != wasPaused);
    }

    /** Timer, on the loop: tells the scheduler this worker is alive, and what it is doing and holding. */
    private void heartbeat() {
        if (state == null || closing.get()) return;
        DataStore.Sizes sizes = store.sizes();
        sendToScheduler(new WorkerMsg.Heartbeat(
                state.executingCount(),
                state.readyCount(),
                sizes.memoryBytes(),
                sizes.spilledBytes(),
                memory.heapBytes()));
    }

    /** Tells the scheduler the memory's sizes if they changed (at most every 500 ms) or at once if {@code now}. */
    private void reportMemory(boolean paused, String exitReason, boolean now) {
        DataStore.Sizes sizes = store.sizes();
        long nanos = clock.nanoTime();
        WorkerMsg.MemoryStatus last = lastMemoryReport;
        boolean changed = last == null
                || last.managedBytes() != sizes.memoryBytes()
                || last.spilledBytes() != sizes.spilledBytes()
                || last.paused() != paused;
        if (!now && (!changed || nanos - lastMemoryReportNanos < MEMORY_REPORT_NANOS)) return;
        WorkerMsg.MemoryStatus report = new WorkerMsg.MemoryStatus(
                sizes.memoryBytes(),
                sizes.spilledBytes(),
                sizes.spilledCount(),
                memory.heapBytes(),
                paused,
                exitReason,
                stimulus("memory"));
        lastMemoryReport = report;
        lastMemoryReportNanos = nanos;
        sendToScheduler(report);
    }

    /**
     * The heap passed the terminate fraction even after spilling: a worker process tells the scheduler why and exits
     * at once (its nanny starts a fresh one); a worker sharing its JVM never gets here (see {@link MemoryMonitor}).
     */
    private void terminateForMemory() {
        String reason = "out of memory: heap at " + memory.lastLive() + " bytes after a collection, past the terminate"
                + " fraction " + config.memoryFractions().terminate() + " of its " + memory.limit()
                + " byte memory limit";
        LOG.error("worker {}: {}; exiting now", name, reason);
        reportMemory(true, reason, true);
        Comm c = scheduler;
        if (c != null) {
            c.close(); // flushes the report first
            try {
                c.closeFuture().get(1, TimeUnit.SECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                // exit all the same
            }
        }
        System.err.println("jdask worker " + name + ": " + reason);
        Runtime.getRuntime().halt(EXIT_OUT_OF_MEMORY);
    }

    // ---------------------------------------------------------------------------------------------
    // Running tasks

    private void execute(WorkerInstruction.Execute e) {
        WorkerTask ts = state.task(e.key());
        Map<String, StoredValue> deps = new LinkedHashMap<>();
        for (String dep : ts.dependencyKeys()) {
            deps.put(dep, store.get(dep)); // all in memory, by the state's contract; null would be a bug
        }
        threads.submit(new TaskThreads.Job(e.key(), ts.runSpec(), deps));
        if (!startReportArmed) {
            armStartReport();
        }
    }

    /** Task thread: runs the job and returns what the loop must do with its outcome (null when closing). */
    private Runnable runOnThread(TaskThreads.Job job) {
        hadWork = true;
        runs.awaitSetups(); // plugins registered before the task was submitted are set up first
        TaskRunner.Outcome outcome = runner.run(job);
        return outcome == null ? null : () -> outcome(outcome);
    }

    /** Loop: stores a result, then tells the state how the run ended (with its times for the report). */
    private void outcome(TaskRunner.Outcome outcome) {
        String key = outcome.key();
        if (output != null) output.flush(); // what the task printed reaches its client before its result
        threads.ended(key); // its outcome says it ran
        switch (outcome) {
            case TaskRunner.Finished f -> {
                store.put(key, f.value());
                reports.during(
                        key,
                        f.times(),
                        () -> handle(new WorkerEvent.ExecuteSuccess(
                                key,
                                f.nbytes(),
                                f.typeName(),
                                f.times().startNanos(),
                                f.times().stopNanos(),
                                stimulus("task-finished"),
                                clock.nanoTime())));
            }
            case TaskRunner.Failed f -> {
                LOG.debug("task {} failed: {}", key, f.error());
                reports.during(
                        key,
                        f.times(),
                        () -> handle(new WorkerEvent.ExecuteFailure(
                                key, f.error(), stimulus("task-erred"), clock.nanoTime())));
            }
        }
    }

    /** Task thread: a cancel took the job out of line before it started; the state decides what follows. */
    private Runnable skipped(TaskThreads.Job job) {
        String key = job.key();
        return () -> {
            threads.ended(key);
            TaskError error = TaskError.of(
                    new CancellationException("task " + key + " was cancelled before it started"), serializer);
            handle(new WorkerEvent.ExecuteSkipped(key, error, stimulus("task-skipped"), clock.nanoTime()));
        };
    }

    /** Loop: runs {@link #reportStarts} START_REPORT_DELAY_MICROS from now. */
    private void armStartReport() {
        startReportArmed = true;
        loop.schedule(this::reportStarts, TimeUnit.MICROSECONDS.toNanos(START_REPORT_DELAY_MICROS));
    }

    /**
     * Timer, on the loop: tells the state which tasks handed over since the last round have been running for the
     * start-report delay (the state decides what the scheduler hears). A task still in line waits for the next
     * round; one that returned meanwhile is reported by its outcome.
     */
    private void reportStarts() {
        startReportArmed = false;
        List<String> running = threads.takeUnreportedRunning();
        if (!running.isEmpty()) {
            handle(new WorkerEvent.StillRunning(running, stimulus("still-running"), clock.nanoTime()));
        }
        if (threads.hasUnreportedStarts()) {
            armStartReport();
        }
    }

    /** What a running task sees of this worker through {@code io.jdask.spi.TaskContext}. */
    private final TaskContext.Host taskHost = new TaskContext.Host() {
        @Override
        public String schedulerAddress() {
            return config.schedulerAddress();
        }

        @Override
        public io.jdask.Security security() {
            return config.security();
        }

        @Override
        public String address() {
            return address;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int nthreads() {
            return config.nthreads();
        }

        @Override
        public void secede(String key) {
            requireTask(key, "Dask.secede()");
            threads.secede(key, () -> handle(new WorkerEvent.Secede(key, stimulus("secede"), clock.nanoTime())));
        }

        @Override
        public void rejoin(String key) {
            requireTask(key, "Dask.rejoin()");
            threads.rejoin(key, () -> handle(new WorkerEvent.Rejoin(key, stimulus("rejoin"), clock.nanoTime())));
        }

        @Override
        public boolean seceded(String key) {
            return !TaskThreads.holdsPlace();
        }

        @Override
        public String hostActor(String key, Object instance) {
            actors.host(key, instance, Thread.currentThread().getContextClassLoader());
            return address;
        }
    };

    /** A client.run function or a plugin's setup runs with no task key; secede and rejoin need one. */
    private static void requireTask(String key, String what) {
        if (key == null) {
            throw new IllegalStateException(
                    what + " works only inside a task, not in a client.run function or a" + " plugin's setup");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Fetching from peers

    private void gather(WorkerInstruction.GatherDep g) {
        List<String> keys = List.copyOf(g.keys());
        peers.getData(g.peer(), keys, config.transferTimeout())
                .whenComplete((reply, error) -> post(() -> gathered(g.peer(), keys, reply, error)));
    }

    /** The outcome of a GatherDep: stores what arrived, then tells the state what did and did not. Loop thread. */
    private void gathered(String peer, List<String> keys, DataMsg.DataReply reply, Throwable error) {
        long now = clock.nanoTime();
        if (error != null) {
            LOG.info("worker {}: fetching {} from {} failed: {}", name, keys, peer, error.toString());
            handle(new WorkerEvent.GatherDepNetworkFailure(peer, keys, stimulus("gather-dep-network-failure"), now));
            return;
        }
        Map<String, Long> received = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String key : keys) {
            Serialized bytes = reply.values().get(key);
            if (bytes != null) {
                store.put(key, StoredValue.received(bytes));
                received.put(key, bytes.nbytes());
            } else {
                missing.add(key);
            }
        }
        handle(new WorkerEvent.GatherDepSuccess(peer, received, missing, stimulus("gather-dep-success"), now));
    }

    // ---------------------------------------------------------------------------------------------
    // The scheduler connection, scatters

    /** What the scheduler connection's handler asks of the worker beyond state events. */
    private final SchedulerInbox.Shell inboxShell = new SchedulerInbox.Shell() {
        @Override
        public String name() {
            return name;
        }

        @Override
        public void post(Runnable job) {
            WorkerServer.this.post(job);
        }

        @Override
        public void handle(WorkerEvent... events) {
            WorkerServer.this.handle(events);
        }

        @Override
        public void welcomed(String schedulerId) {
            welcomed.complete(schedulerId);
        }

        @Override
        public void profileRequested(long requestId) {
            try {
                serving.execute(() -> sendToScheduler(new WorkerMsg.WorkerProfileReply(requestId, profileData())));
            } catch (RejectedExecutionException ignored) {
                // closing
            }
        }

        @Override
        public void removed(String reason) {
            removedByScheduler = true;
            LOG.warn(
                    "worker {}: the scheduler removed it ({}) and runs its tasks elsewhere; dropping everything, to"
                            + " register again as a new worker",
                    name,
                    reason);
            closeAsync("removed by the scheduler: " + reason);
        }

        @Override
        public void outputUndelivered(io.jdask.protocol.SchedulerMsg.OutputUndelivered m) {
            OutputForwarder.logUndelivered(m.clientId(), m.lines());
        }

        @Override
        public void run(io.jdask.protocol.SchedulerMsg.RunOnWorker m) {
            runs.run(m);
        }

        @Override
        public void setupPlugin(io.jdask.protocol.SchedulerMsg.SetupPlugin m) {
            runs.setup(m);
        }

        @Override
        public void close(String reason, boolean askedByScheduler) {
            if (askedByScheduler) {
                LOG.info("worker {}: {}; closing", name, reason);
            } else {
                welcomed.completeExceptionally(new IllegalStateException(reason));
                if (!closing.get()) {
                    schedulerLost = true;
                    LOG.info("worker {}: lost the scheduler ({}); shutting down", name, reason);
                }
            }
            closeAsync(reason);
        }

        @Override
        public void retire(String reason) {
            retired = true;
            LOG.info("worker {}: retired ({}); closing", name, reason);
            closeAsync("retired: " + reason);
        }
    };

    /** Set when the scheduler connection closed while the worker was not closing; see {@link #schedulerLost()}. */
    private volatile boolean schedulerLost;

    /** Whether the worker closed because its scheduler connection closed (then its process exits with 5). */
    public boolean schedulerLost() {
        return schedulerLost;
    }

    /** Set when the scheduler retired this worker (before closing starts); see {@link #retired()}. */
    private volatile boolean retired;

    /** Whether the scheduler retired this worker (then its process exits with {@link #EXIT_RETIRED}). */
    public boolean retired() {
        return retired;
    }

    /** Stores scattered values, tells the state, then acknowledges. Loop thread. */
    private void putData(Comm comm, DataMsg.PutData p) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (var e : p.values().entrySet()) {
            store.put(e.getKey(), StoredValue.received(e.getValue()));
            sizes.put(e.getKey(), e.getValue().nbytes());
        }
        handle(new WorkerEvent.UpdateData(sizes, stimulus("update-data"), clock.nanoTime()));
        try {
            comm.send(new DataMsg.PutDataAck(p.requestId(), sizes, null));
        } catch (CommClosedException e) {
            LOG.debug("client {} left before its ack", comm.remoteAddress());
        }
    }

    /** This worker's profile so far, in its wire form. */
    private WorkerMsg.ProfileData profileData() {
        ProfileArrays a = ProfileArrays.of(profiler.snapshot());
        return new WorkerMsg.ProfileData(a.frames(), a.parents(), a.counts());
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
            runs.close(); // plugins tear down while the worker's classes and connections still work
            code.close(); // wake tasks waiting for classes
            executor.shutdownNow();
            serving.shutdownNow();
            actorExecutor.shutdownNow();
            actors.clear();
            loop.stop();
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
            loop.closeAndAwait(5);
            awaitQuietly(executor, 2);
            awaitQuietly(serving, 2);
            store.close();
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

    @Override
    public String toString() {
        return "WorkerServer[" + name + " at " + address + ", scheduler " + config.schedulerAddress() + "]";
    }
}
