package io.jdask.scheduler;

import io.jdask.protocol.Clock;
import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.Message;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.SendHold;
import io.jdask.protocol.WorkerMsg;
import io.jdask.scheduler.state.SchedulerEvent;
import io.jdask.scheduler.state.SchedulerInstruction;
import io.jdask.scheduler.state.SchedulerState;
import io.jdask.scheduler.state.WorkerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. The scheduler's event loop: the thin shell around the pure SchedulerState
 * (STYLE.md section 2; distributed's Scheduler.handle_stimulus / send_all). This class holds the turns, the timers
 * and the connections' life; the rest is composed:
 *   Translator     message + sender's role + now -> event or request (pure, tested alone)
 *   Router         state instructions -> messages
 *   Requests       what the shell answers itself (ClassRelay, Restarts, Coordination, WorkerGathers for profiles)
 *   Connections    the connections by role, and sending (urgent or may-hold)
 *   SendHold       (protocol) how long client task reports may wait past a turn
 *   LoopTimer      anything with deadlines; one scheduled task serves them all
 *   BalanceTimer   the Balance events of work stealing, every 100 ms while some worker idles and another is saturated
 *
 * Threads. The loop runs as tasks on one thread it is given (start): with TCP the scheduler's single Netty I/O
 * thread, so a message is read, handled and answered on one thread with no hand-off or wake-up in between; with
 * the in-process transport a thread of its own. Connection handlers only enqueue (connection, message), a close
 * or an acceptance and queue a turn (at most one is queued at a time); other threads (close(), dashboard
 * requests) do the same. The loop thread owns everything else: the state, the connections, the relays and timers.
 * checkOwner() fails loudly if state is touched off that thread. Read-only views for other threads (workers,
 * client count) are immutable snapshots published through volatile fields after each turn.
 *
 * A turn: drain up to MAX_BATCH items; translate each message and queue its events in `pending` (requests are
 * answered at once; one whose answer must reflect everything before it, such as ClusterInfoRequest, RequestWhoHas or
 * RestartWorkers, first flushes `pending`); call state.handle ONCE with all pending events; route the instructions;
 * then run the timers that are due. The turn runs inside a SendBatch, so everything sent in it leaves as one write,
 * and one Batch frame, per connection (a turn's ComputeTasks to a worker are decoded there in one go and handled in
 * one call); SendHold, the rule the workers use too, keeps client connections that carry only task reports
 * unflushed for a moment while tasks are active.
 *
 * Failures. A message that cannot be translated, or that is not expected from its sender's role, closes
 * that one connection with one log line. An exception from handle (a bug in the state machine) is logged
 * with the story of the keys involved; if validate() still passes, the loop keeps serving (the batch's
 * instructions are lost, which the log says), otherwise the state is unusable and the server shuts down
 * with a fatal log.
 *
 * Visibility (the dashboard, client.taskStream(), client.profile()). Every TaskFinished/TaskErred also goes into
 * a bounded ring (TaskStreamBuffer). Other threads never read the state: they post a SnapshotRequest and the loop
 * answers with an immutable ClusterSnapshot (reused for SNAPSHOT_REUSE_NANOS, so many dashboard tabs polling cost
 * one scan). Profiles are gathered from the workers with a deadline, so a silent worker delays the answer by at most
 * Requests.PROFILE_TIMEOUT_NANOS; HTTP threads wait on futures, never on the loop itself.
 *
 * Time comes from the configured Clock (SchedulerServerConfig.clock), read once per turn for the events.
 */
/** The scheduler's single-threaded event loop; see the design note above. */
final class SchedulerLoop implements Turn {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerLoop.class);

    /** Items handled per turn at most, so that a flood cannot delay routing (and memory) without bound. */
    private static final int MAX_BATCH = 16_384;

    /** How long an idle loop waits before looking at its timers again. */
    private static final long IDLE_PARK_NANOS = 100_000_000L;

    /** An armed timer that fires at most this much later than a new deadline is kept (no re-arming per turn). */
    private static final long TIMER_SLACK_NANOS = 1_000_000L;

    /** A snapshot younger than this is handed out again instead of scanning the state anew. */
    private static final long SNAPSHOT_REUSE_NANOS = 100_000_000L;

    /** What the I/O threads hand to the loop. */
    sealed interface Item {}

    record Accepted(Connection conn) implements Item {}

    record Received(Connection conn, Message message) implements Item {}

    record Closed(Connection conn, CloseReason reason) implements Item {}

    record Stop() implements Item {}

    /** A nanny's account of why a worker process ended. */
    record WorkerExited(long pid, String cause) implements Item {}

    /** Another thread wants a snapshot; completed on the loop thread (callers must not chain work onto it). */
    record SnapshotRequest(CompletableFuture<ClusterSnapshot> reply, long postedNanos) implements Item {}

    /** Another thread wants workers retired; completed on the loop thread. */
    record RetireQuery(List<String> workers, CompletableFuture<Void> reply) implements Item {}

    /** Another thread wants every worker's profile; completed on the loop thread. */
    record ProfileQuery(CompletableFuture<Map<String, WorkerMsg.ProfileData>> reply) implements Item {}

    private final SchedulerServerConfig config;
    private final Clock clock;
    private final String schedulerId;
    /** Items for the loop: many producers (I/O threads, HTTP threads, close()), one consumer (the loop). */
    private final ConcurrentLinkedQueue<Item> inbox = new ConcurrentLinkedQueue<>();
    /** True while a turn is queued on the executor and has not started. */
    private final AtomicBoolean turnQueued = new AtomicBoolean();
    /** Counted down once, when the loop has exited. */
    private final CountDownLatch exited = new CountDownLatch(1);
    /** The single thread the loop runs on; set by start(). */
    private volatile ScheduledExecutorService executor;
    /** Run on the loop thread when it exits, for any reason. */
    private final Runnable onExit;

    // ---- published for other threads (written by the loop only) ----
    private volatile Map<String, Integer> workersSnapshot = Map.of();
    private volatile int clientCountSnapshot;
    /** How long the last snapshot request waited in the inbox before the loop took it (nanoseconds). */
    private volatile long loopLagNanos;

    private volatile Throwable fatal;
    /** The dashboard URL told to clients in their welcome; set by whoever starts a dashboard, read by the loop. */
    private volatile String dashboardLink;
    /** Guards nothing; notified when the snapshots change, for awaitWorkers. */
    final Object snapshotMonitor = new Object();

    // ---- loop-confined ----
    private volatile Thread owner;
    /** Set once init() built the state; turns before that (items that raced the start) wait for it. */
    private boolean initialized;
    /** The armed timer and when it fires (the loop's clock); null / MAX_VALUE when none. */
    private ScheduledFuture<?> timer;

    private long timerDeadline = Long.MAX_VALUE;

    private SchedulerState state;
    private boolean running = true;
    /** Events translated in this turn and not yet handled. */
    private final ArrayList<SchedulerEvent> pending = new ArrayList<>();

    private final Stimuli stimuli = new Stimuli();
    private final Translator translator = new Translator(stimuli);
    private final Connections connections = new Connections();
    private final Router router =
            new Router(connections, this::disconnectWorker, f -> retirements().failed(f.worker(), f.reason()));
    /**
     * Client task reports may wait up to this long past a turn while tasks are active: more are coming, and they then
     * share a write (and a Batch frame) instead of one each.
     */
    static final long HOLD_REPORTS_NANOS = 500_000L;
    /** The turn's send batch, and which client reports it may hold past the turn (the one rule shared with workers). */
    private final SendHold sendHold;

    private final ClassRelay classes = new ClassRelay(connections);
    private final Restarts restarts;
    /** Retirements waiting for their workers to leave. */
    private final Retirements retirements = new Retirements();
    /** Queues, locks, semaphores, events, variables and topics (see Coordination). */
    private final Coordination coordination = new Coordination();
    /** Profile requests out to workers. */
    private final WorkerGathers<WorkerMsg.ProfileData> profiles = new WorkerGathers<>();
    /** client.run functions and plugin setups out to workers. */
    private final WorkerGathers<WorkerMsg.RunOutcome> runs = new WorkerGathers<>();
    /** The task stream: the latest finished and erred runs, as workers reported them. */
    private final TaskStreamBuffer taskStream;
    /** Cumulative counts for monitoring (per-prefix tasks and compute time, transfers). */
    private final TaskTotals totals = new TaskTotals();

    private final Requests requests;
    /** Everything with deadlines; the loop's one timer serves the earliest. */
    private final List<LoopTimer> timers;
    /** Closed worker connections waiting for their nanny's account of why; see {@link WorkerExits}. */
    private final WorkerExits exits;
    /** When to look for workers silent past the time-to-live. */
    private final TtlChecks ttl;
    /** Drops clients silent past theirs. */
    private final ClientTtl clientTtl;
    /** The last snapshot handed out, and when (the loop's clock); null before the first. */
    private ClusterSnapshot lastSnapshot;

    private long lastSnapshotNanos;
    private long clientSeq;
    /** The loop's clock at the start of the current turn; put on every event of the turn. */
    private long now;

    SchedulerLoop(SchedulerServerConfig config, String schedulerId, Runnable onExit) {
        this.config = config;
        this.clock = config.clock();
        this.sendHold = new SendHold(clock, HOLD_REPORTS_NANOS, this::scheduleOnLoop);
        this.schedulerId = schedulerId;
        this.onExit = onExit;
        this.dashboardLink = config.dashboardLink();
        this.taskStream = new TaskStreamBuffer(config.taskStreamSize());
        this.restarts = new Restarts(config.restartTimeout(), connections);
        this.requests = new Requests(
                connections, this, stimuli, classes, restarts, retirements, coordination, taskStream, profiles, runs);
        LoopTimer coordinationDeadlines = new LoopTimer() {
            @Override
            public long nextDeadline() {
                return coordination.nextDeadline();
            }

            @Override
            public void expire(long nowNanos) {
                requests.effects(coordination.expire(nowNanos));
            }
        };
        this.exits = new WorkerExits(config.workerExitGrace().toNanos(), this::removeWorker);
        // What the state itself waits for (a cluster paused for too long): it is told the time with an event.
        LoopTimer stateDeadlines = new LoopTimer() {
            @Override
            public long nextDeadline() {
                return state == null ? Long.MAX_VALUE : state.pausedWarningDeadline();
            }

            @Override
            public void expire(long nowNanos) {
                pending.add(new SchedulerEvent.CheckDeadlines(stimuli.next("check-deadlines"), nowNanos));
            }
        };
        this.ttl = new TtlChecks(
                config.state().workerTtlNanos(),
                () -> pending.add(new SchedulerEvent.CheckWorkerTtl(stimuli.next("check-worker-ttl"), now)));
        this.clientTtl = new ClientTtl(config.clientTtl().toNanos(), connections);
        this.timers = List.of(
                coordinationDeadlines,
                restarts,
                retirements,
                profiles,
                runs,
                exits,
                new BalanceTimer(this, stimuli),
                stateDeadlines,
                ttl,
                clientTtl);
    }

    // ======================================================================================
    // Entry points for other threads
    // ======================================================================================

    /** A connection was accepted (called on its I/O thread): register its handler and tell the loop. */
    void accept(Comm comm) {
        Connection c = new Connection(comm, this::offer);
        offer(new Accepted(c)); // before setHandler, so that the loop sees it before any message
        comm.setHandler(c);
    }

    /** Asks the loop to close every connection and exit. */
    void stop() {
        offer(new Stop());
    }

    Map<String, Integer> workersSnapshot() {
        return workersSnapshot;
    }

    int clientCount() {
        return clientCountSnapshot;
    }

    void dashboardLink(String link) {
        dashboardLink = link;
    }

    String dashboardLink() {
        return dashboardLink;
    }

    /** How long the latest snapshot request waited for the loop to take it, in nanoseconds; any thread. */
    long loopLagNanos() {
        return loopLagNanos;
    }

    /** Asks the loop for a snapshot; any thread. Never completes if the loop has stopped (callers time out). */
    CompletableFuture<ClusterSnapshot> snapshot() {
        var reply = new CompletableFuture<ClusterSnapshot>();
        offer(new SnapshotRequest(reply, clock.nanoTime()));
        return reply;
    }

    /** Hands a nanny's account of a worker's death to the loop; any thread. */
    void workerExited(long pid, String cause) {
        offer(new WorkerExited(pid, cause));
    }

    /**
     * Asks the loop to retire these workers (see {@link SchedulerEvent.RetireWorkers}); completes once they have left,
     * or exceptionally with why not. Any thread.
     */
    CompletableFuture<Void> retireWorkers(List<String> workers) {
        var reply = new CompletableFuture<Void>();
        offer(new RetireQuery(List.copyOf(workers), reply));
        return reply;
    }

    /** Asks the loop to gather every worker's profile; any thread. */
    CompletableFuture<Map<String, WorkerMsg.ProfileData>> profiles() {
        var reply = new CompletableFuture<Map<String, WorkerMsg.ProfileData>>();
        offer(new ProfileQuery(reply));
        return reply;
    }

    /** The failure that stopped the loop, or null. */
    Throwable fatal() {
        return fatal;
    }

    /**
     * Starts the loop on {@code executor}, a single thread that this loop then owns together with whatever else
     * the executor runs (with TCP, the scheduler's one Netty I/O thread). Returns at once.
     */
    void start(ScheduledExecutorService executor) {
        this.executor = executor;
        executor.execute(this::init);
    }

    /** Waits until the loop has exited (after {@link #stop()} or a fatal failure); false on timeout. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return exited.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** True on the loop's own thread. */
    boolean onLoopThread() {
        return Thread.currentThread() == owner;
    }

    /** Queues an item for the loop; any thread. */
    private void offer(Item item) {
        inbox.add(item);
        kick();
    }

    /** Makes sure a turn runs soon: at most one is queued at a time. */
    private void kick() {
        if (turnQueued.compareAndSet(false, true)) {
            try {
                executor.execute(this::turn);
            } catch (RejectedExecutionException e) {
                turnQueued.set(false); // the executor is shutting down: the loop has exited or is about to
            }
        }
    }

    // ======================================================================================
    // The loop
    // ======================================================================================

    private void init() {
        owner = Thread.currentThread();
        try {
            state = SchedulerState.create(config.state());
            now = clock.nanoTime();
            ttl.start(now);
            clientTtl.start(now);
            pending.add(new SchedulerEvent.AddClient(Translator.FIRE_AND_FORGET, "start", now));
            pending.add(new SchedulerEvent.AddClient(Coordination.COORDINATION, "start", now));
            flush();
            publish();
            initialized = true;
            turn();
        } catch (Throwable t) {
            die(t);
        }
    }

    /**
     * One turn: everything queued (up to MAX_BATCH items), then the timers that are due, then the snapshots. It runs
     * as a task on the loop's executor; with TCP that is the I/O thread that read the messages, after it has read
     * everything ready, so one turn takes the whole burst and needs no thread hand-off.
     */
    private void turn() {
        turnQueued.set(false);
        if (!running || !initialized) {
            return;
        }
        try {
            now = clock.nanoTime();
            // Everything this turn sends leaves as one write per connection when the turn ends (held client reports a
            // little later: endSends).
            sendHold.open();
            try {
                Item item;
                int n = 0;
                while (running && n < MAX_BATCH && (item = inbox.poll()) != null) {
                    dispatch(item);
                    n++;
                }
                if (running) {
                    flush();
                    for (LoopTimer t : timers) {
                        long deadline = t.nextDeadline();
                        if (deadline != Long.MAX_VALUE && deadline - now <= 0) {
                            t.expire(now);
                        }
                    }
                    flush();
                }
            } finally {
                endSends();
            }
            publish();
            if (!running) {
                exit();
                return;
            }
            if (!inbox.isEmpty()) {
                kick();
            }
            armTimer();
        } catch (Throwable t) {
            die(t);
        }
    }

    /**
     * Closes the turn's send batch: client task reports stay held while tasks are active (see SendHold), everything
     * else leaves now.
     */
    private void endSends() {
        boolean tasksActive = running && state != null && state.activeTaskCount() > 0;
        sendHold.end(tasksActive, connections::mayHold);
        connections.sendsClosed();
    }

    /** SendHold's timer: runs the end of a hold on the loop's thread. */
    private boolean scheduleOnLoop(Runnable task, long delayNanos) {
        try {
            executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // shutting down: closing the connections flushes them
        }
    }

    /** Keeps one timer armed for the earliest deadline of the LoopTimers, else an idle tick. */
    private void armTimer() {
        long t = clock.nanoTime();
        long wait = IDLE_PARK_NANOS;
        for (LoopTimer lt : timers) {
            long deadline = lt.nextDeadline();
            if (deadline != Long.MAX_VALUE) {
                wait = Math.min(wait, Math.max(1, deadline - t));
            }
        }
        long deadline = t + wait;
        if (timer != null && deadline >= timerDeadline - TIMER_SLACK_NANOS) {
            return; // the armed timer fires early enough
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerDeadline = deadline;
        try {
            timer = executor.schedule(
                    () -> {
                        timer = null;
                        timerDeadline = Long.MAX_VALUE;
                        turn();
                    },
                    wait,
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            timer = null; // shutting down
        }
    }

    private void die(Throwable t) {
        fatal = t;
        LOG.error("FATAL: the scheduler loop failed and the scheduler shuts down", t);
        exit();
    }

    /** Closes every connection and tells the server; once, on the loop thread. */
    private void exit() {
        if (exited.getCount() == 0) {
            return;
        }
        running = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        try {
            profiles.finishAll();
            runs.finishAll();
            retirements.finishAll("the scheduler stopped");
            connections.closeAll();
            workersSnapshot = Map.of();
            clientCountSnapshot = 0;
            synchronized (snapshotMonitor) {
                snapshotMonitor.notifyAll();
            }
        } finally {
            exited.countDown();
            onExit.run();
        }
    }

    private Retirements retirements() {
        return retirements;
    }

    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException(
                    "scheduler state touched from " + Thread.currentThread().getName() + "; only the loop thread "
                            + (owner == null ? "(not started)" : owner.getName()) + " may touch it");
        }
    }

    private void dispatch(Item item) {
        switch (item) {
            case Accepted a -> accepted(a.conn);
            case Received r -> received(r.conn, r.message);
            case Closed c -> closed(c.conn, c.reason);
            case Stop s -> running = false;
            case SnapshotRequest r -> {
                // how long the request waited for the loop: the loop's lag, for the metrics
                loopLagNanos = Math.max(0, clock.nanoTime() - r.postedNanos);
                flush(); // the snapshot reflects every message before the request
                r.reply.complete(snapshotNow());
            }
            case ProfileQuery q -> requests.profiles(q.reply::complete);
            case WorkerExited e -> exits.exited(e.pid(), e.cause(), now);
            case RetireQuery q ->
                requests.retire(q.workers(), error -> {
                    if (error == null) q.reply.complete(null);
                    else q.reply.completeExceptionally(new IllegalStateException(error));
                });
        }
    }

    // ======================================================================================
    // Connections
    // ======================================================================================

    private void accepted(Connection c) {
        checkOwner();
        c.lastHeardNanos = now;
        connections.opened(c);
        if ("client".equals(c.comm.peer().role())) {
            String id = "client-" + (++clientSeq) + "-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
            connections.addClient(c, id);
            pending.add(new SchedulerEvent.AddClient(id, stimuli.next("add-client"), now));
            String link = dashboardLink;
            connections.send(c, new SchedulerMsg.ClientWelcome(id, schedulerId, link == null ? "" : link));
            LOG.debug("client {} connected from {}", id, c.comm.remoteAddress());
        }
    }

    private void closed(Connection c, CloseReason reason) {
        checkOwner();
        Connection.Role was = connections.closed(c);
        if (was == Connection.Role.WORKER) {
            exits.closed(c, "its connection closed (" + reason + ")", now);
        } else if (was == Connection.Role.CLIENT && connections.removeClient(c)) {
            pending.add(new SchedulerEvent.RemoveClient(c.id, stimuli.next("remove-client"), now));
            requests.effects(coordination.clientGone(c.id)); // its locks and leases go to the next waiters
            classes.clientGone(c.id);
            LOG.debug("client {} left ({})", c.id, reason);
        }
    }

    /**
     * The one way a worker leaves the scheduler, whatever the cause ({@code why}: its connection closed; later, its
     * heartbeats stopped): the state learns it (its tasks are rescheduled, its data is lost), and everything waiting
     * for it stops waiting. A no-op for a connection that is not (or no longer) a registered worker.
     */
    private void removeWorker(Connection c, String why) {
        removeWorker(c, why, "");
    }

    /** The same, with the nanny's account of why the worker died ({@code cause}, empty if unknown). */
    private void removeWorker(Connection c, String why, String cause) {
        if (!connections.removeWorker(c)) {
            return;
        }
        pending.add(new SchedulerEvent.RemoveWorker(c.id, cause, stimuli.next("remove-worker"), now));
        if (!cause.isEmpty()) {
            LOG.warn("worker {} died: {}", c.id, cause);
        }
        workerGone(c);
        LOG.info("worker {} left: {}", c.id, why);
    }

    /** What waits on a worker that left stops waiting for it. */
    private void workerGone(Connection c) {
        classes.workerGone(c);
        restarts.workerGone(c.id);
        retirements.workerGone(c.id);
        profiles.workerGone(c.id);
        runs.workerGone(c.id);
    }

    /**
     * The state removed a worker that went silent (past the worker time-to-live; its tasks already run elsewhere):
     * the shell side follows, and the connection is closed after telling the worker, so that a worker that was only
     * frozen comes back as a new one rather than report on work that now belongs to others. Whatever still arrives on
     * the old connection is dropped.
     */
    private void disconnectWorker(Connection c, String reason) {
        if (!connections.removeWorker(c)) {
            return;
        }
        workerGone(c);
        LOG.warn("worker {} removed: {}; its tasks run elsewhere, and it is disconnected", c.id, reason);
        connections.send(c, new SchedulerMsg.WorkerRemoved(reason));
        c.rejected = true;
        c.comm.close(); // flushes the message first
    }

    /** Closes one connection for a protocol violation; its close then cleans up as for any close. */
    private void reject(Connection c, String why) {
        LOG.warn("closing {}: {}", c.describe(), why);
        if (c.role == Connection.Role.NEW) {
            c.role = Connection.Role.CLOSED;
        }
        c.rejected = true;
        c.freeKeys = null;
        // The close notification arrives as a Closed item, which cleans up as for any close.
        c.comm.close();
    }

    private void received(Connection c, Message m) {
        checkOwner();
        if (c.role == Connection.Role.CLOSED || c.rejected) {
            return;
        }
        c.lastHeardNanos = now;
        try {
            switch (translator.translate(c.role, c.id, m, now)) {
                case Translation.Event e -> {
                    if (e.event() instanceof SchedulerEvent.AddKeys a) {
                        for (String key : a.keys()) {
                            var task = state.task(key);
                            totals.transferred(task == null ? -1 : task.nbytes());
                        }
                    }
                    pending.add(e.event());
                }
                case Translation.TaskReport r -> {
                    if (r.entry() != null) {
                        taskStream.add(r.entry());
                        totals.task(r.entry());
                    }
                    if (r.event() instanceof SchedulerEvent.TaskFinished f) {
                        router.finished(f.key(), f.worker(), r.inlineValue());
                    }
                    pending.add(r.event());
                }
                case Translation.RegisterWorker r -> registerWorker(c, r.event(), r.pid());
                case Translation.ClientRequest r -> requests.fromClient(c, r.request());
                case Translation.WorkerRequest r -> requests.fromWorker(c, r.request());
                case Translation.Reject r -> reject(c, r.why());
            }
        } catch (RuntimeException e) {
            reject(c, "malformed " + m.getClass().getSimpleName() + ": " + e);
        }
    }

    private void registerWorker(Connection c, SchedulerEvent.AddWorker event, long pid) {
        if (connections.hasWorker(event.address())) {
            reject(c, "a worker at " + event.address() + " is already registered");
            return;
        }
        connections.addWorker(c, event.address());
        c.pid = pid;
        connections.send(c, new SchedulerMsg.WorkerWelcome(schedulerId));
        classes.workerJoined(c);
        requests.workerJoined(c); // its plugins, after the jars and classes they may need
        pending.add(event);
        LOG.info(
                "worker {} registered ({} threads, name {}, pid {})",
                event.address(),
                event.nthreads(),
                event.name(),
                pid);
    }

    // ======================================================================================
    // Handling and routing (Turn)
    // ======================================================================================

    @Override
    public long now() {
        return now;
    }

    @Override
    public void nannyAccount(long pid, String cause) {
        exits.exited(pid, cause, now);
    }

    @Override
    public void event(SchedulerEvent event) {
        pending.add(event);
    }

    @Override
    public SchedulerState state() {
        checkOwner();
        return state;
    }

    /** Hands the pending events to the state and routes what it says; repeats while routing adds events. */
    @Override
    public void flush() {
        checkOwner();
        while (!pending.isEmpty() && running) {
            SchedulerEvent[] events = pending.toArray(new SchedulerEvent[0]);
            pending.clear();
            List<String> fireAndForgetDone = router.route(handleSafely(events), state);
            if (!fireAndForgetDone.isEmpty()) {
                // The task finished (or failed, or is gone): fire-and-forget interest ends here, as in Dask.
                pending.add(new SchedulerEvent.ReleaseKeys(
                        Translator.FIRE_AND_FORGET, fireAndForgetDone, stimuli.next("fire-and-forget-done"), now));
            }
        }
    }

    private List<SchedulerInstruction> handleSafely(SchedulerEvent[] events) {
        try {
            config.beforeHandle().accept(Arrays.asList(events));
            List<SchedulerInstruction> out = state.handle(events);
            if (config.validateState()) {
                config.validator().accept(state);
            }
            return out;
        } catch (RuntimeException e) {
            handleFailed(events, e);
            return List.of();
        }
    }

    /**
     * A failure inside the state machine: log it with the story of the keys involved; keep serving if the state
     * still validates, else stop with a fatal log.
     */
    private void handleFailed(SchedulerEvent[] events, RuntimeException e) {
        String what = StateFailures.describe(events, e, state);
        String problem;
        try {
            config.validator().accept(state);
            problem = null;
        } catch (RuntimeException v) {
            problem = v.getMessage();
        }
        if (problem == null) {
            LOG.error(
                    "{}\nThe state still validates: serving on, but the instructions of this batch were lost, so some"
                            + " of these tasks may be stuck until a worker or client reconnects.",
                    what,
                    e);
        } else {
            LOG.error("FATAL: {}\nThe state is inconsistent ({}); the scheduler shuts down.", what, problem, e);
            fatal = e;
            running = false;
        }
    }

    // ======================================================================================
    // Snapshots for other threads
    // ======================================================================================

    /** A snapshot of the state as of now, or the last one if it is fresh enough. Loop thread. */
    private ClusterSnapshot snapshotNow() {
        checkOwner();
        long t = clock.nanoTime();
        if (lastSnapshot != null && t - lastSnapshotNanos < SNAPSHOT_REUSE_NANOS) {
            return lastSnapshot;
        }
        lastSnapshot = Snapshots.of(state, connections.clientCount(), taskStream, totals, clock.wallNanos() / 1000);
        lastSnapshotNanos = t;
        return lastSnapshot;
    }

    /** Publishes the read-only snapshots if membership changed this turn. */
    private void publish() {
        if (!connections.takeMembershipChange()) {
            return;
        }
        var ws = new LinkedHashMap<String, Integer>();
        for (WorkerView w : state.workers()) {
            ws.put(w.address(), w.nthreads());
        }
        workersSnapshot = Collections.unmodifiableMap(ws);
        clientCountSnapshot = connections.clientCount();
        synchronized (snapshotMonitor) {
            snapshotMonitor.notifyAll();
        }
    }
}
