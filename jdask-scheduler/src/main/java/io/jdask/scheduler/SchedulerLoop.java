package io.jdask.scheduler;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.CloseReason;
import io.jdask.protocol.Comm;
import io.jdask.protocol.CommClosedException;
import io.jdask.protocol.CommHandler;
import io.jdask.protocol.Message;
import io.jdask.protocol.Ping;
import io.jdask.protocol.Pong;
import io.jdask.protocol.SchedulerMsg;
import io.jdask.protocol.SendBatch;
import io.jdask.protocol.WorkerMsg;
import io.jdask.protocol.state.InvalidTransition;
import io.jdask.protocol.state.Transition;
import io.jdask.protocol.state.TransitionCounterMaxExceeded;
import io.jdask.scheduler.state.KilledWorker;
import io.jdask.scheduler.state.MissingDependency;
import io.jdask.scheduler.state.Restrictions;
import io.jdask.scheduler.state.SchedulerEvent;
import io.jdask.scheduler.state.SchedulerInstruction;
import io.jdask.scheduler.state.SchedulerState;
import io.jdask.scheduler.state.SchedulerTaskState;
import io.jdask.scheduler.state.TaskSpec;
import io.jdask.scheduler.state.TaskView;
import io.jdask.scheduler.state.WorkerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * (STYLE.md section 2; distributed's Scheduler.handle_stimulus / send_all).
 *
 * Threads. The loop runs as tasks on one thread it is given (start): with TCP the scheduler's single Netty I/O
 * thread, so a message is read, handled and answered on one thread with no hand-off or wake-up in between; with
 * the in-process transport a thread of its own. Connection handlers (Conn) only enqueue (conn, message), a close
 * or an acceptance and queue a turn (at most one is queued at a time); other threads (close(), dashboard
 * requests) do the same. The loop thread owns everything else: the state, the connection tables, the relay
 * tables. checkOwner() fails loudly if state is touched off that thread. Timers (coordination deadlines,
 * restarts, profile gathers, an idle tick) are one scheduled task on the same thread.
 * Read-only views for other threads (workers, client count) are immutable snapshots published through
 * volatile fields after each turn.
 *
 * A turn: drain up to MAX_BATCH items; translate each message into events appended to `pending` (and do the
 * few things that need no state change at once: relays, TaskStarted reports); call state.handle ONCE with
 * all pending events; route the instructions to comms. A message whose answer must reflect everything
 * before it (ClusterInfoRequest, RequestWhoHas, RestartWorkers) first flushes `pending`. Routing merges
 * consecutive FreeKeys for one worker into one message (releasing a big graph makes one per key), and
 * the turn runs inside a SendBatch, so everything sent in it leaves as one write, and one Batch frame, per
 * connection (a turn's ComputeTasks to a worker are decoded there in one go and handled in one call).
 *
 * Holding reports. A client's task reports (KeyInMemory, KeyRunning) may stay queued past the turn, for at most
 * HOLD_REPORTS_NANOS, while tasks are still active: more reports are coming, and they then share a write and a
 * frame (under a stream of short tasks one carries tens of them). Nothing else is held: a connection that was sent
 * anything but a report in the turn flushes when it ends, and so does every report once no task is active, so a
 * round trip (the client waits for its one key) never waits. Dask's BatchedSend instead holds everything for 2-10 ms.
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
 * one scan). Profiles are gathered from the workers (ProfileGathers) with a deadline, so a silent worker delays
 * the answer by at most PROFILE_TIMEOUT_NANOS; HTTP threads wait on futures, never on the loop itself.
 *
 * Not stored: inline result bytes pass through (TaskFinished -> KeyInMemory) within the turn that carries
 * them and are dropped after routing.
 */
/** The scheduler's single-threaded event loop; see the design note above. */
final class SchedulerLoop {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerLoop.class);

    /** The pseudo-client that wants fire-and-forget keys until they finish. */
    static final String FIRE_AND_FORGET = "fire-and-forget";

    /** How long a client's task reports may be held back while tasks are active (see the design note). */
    static final long HOLD_REPORTS_NANOS = 500_000L;

    /** Items handled per turn at most, so that a flood cannot delay routing (and memory) without bound. */
    private static final int MAX_BATCH = 16_384;

    /** How long an idle loop waits before looking at its timers again. */
    private static final long IDLE_PARK_NANOS = 100_000_000L;

    /** An armed timer that fires at most this much later than a new deadline is kept (no re-arming per turn). */
    private static final long TIMER_SLACK_NANOS = 1_000_000L;

    /** How long a worker may take to answer a profile request before the gather answers without it. */
    private static final long PROFILE_TIMEOUT_NANOS = 5_000_000_000L;

    /** A snapshot younger than this is handed out again instead of scanning the state anew. */
    private static final long SNAPSHOT_REUSE_NANOS = 100_000_000L;

    private static final String KILLED_WORKER_TYPE = KilledWorker.class.getName();
    private static final String MISSING_DEPENDENCY_TYPE = MissingDependency.class.getName();

    /** What the I/O threads hand to the loop. */
    sealed interface Item {}

    record Accepted(Conn conn) implements Item {}

    record Received(Conn conn, Message message) implements Item {}

    record Closed(Conn conn, CloseReason reason) implements Item {}

    record Stop() implements Item {}

    /** Another thread wants a snapshot; completed on the loop thread (callers must not chain work onto it). */
    record SnapshotRequest(CompletableFuture<ClusterSnapshot> reply) implements Item {}

    /** Another thread wants every worker's profile; completed on the loop thread. */
    record ProfileQuery(CompletableFuture<Map<String, WorkerMsg.ProfileData>> reply) implements Item {}

    enum Role {
        /** Accepted; a non-client that has not registered as a worker yet. */
        NEW,
        CLIENT,
        WORKER,
        /** Closed (or rejected and waiting for its close). */
        CLOSED
    }

    /**
     * One connection. The handler half runs on its I/O thread and only enqueues; every other field is
     * loop-confined.
     */
    final class Conn implements CommHandler {
        final Comm comm;
        /** Loop-confined. */
        Role role = Role.NEW;
        /** Loop-confined: the client id, or the worker's listening address; null while NEW. */
        String id;
        /** Loop-confined: keys of FreeKeys instructions not sent yet in this turn; null when none. */
        ArrayList<String> freeKeys;

        /** Loop-confined: the stimulus id of the first buffered FreeKeys. */
        String freeStimulus;
        /** Loop-confined: closed by us for a protocol violation; its messages are dropped until its close arrives. */
        boolean rejected;
        /** Loop-confined: sent something in this turn that must not be held (anything but a task report). */
        boolean urgent;

        Conn(Comm comm) {
            this.comm = comm;
        }

        @Override
        public void onMessage(Comm c, Message message) {
            if (message instanceof Ping p) {
                try {
                    c.send(Pong.answering(p)); // liveness needs no state: answer on the I/O thread
                } catch (CommClosedException e) {
                    // closing anyway
                }
                return;
            }
            offer(new Received(this, message));
        }

        @Override
        public void onClose(Comm c, CloseReason reason) {
            offer(new Closed(this, reason));
        }

        String describe() {
            return (id != null ? role.name().toLowerCase(java.util.Locale.ROOT) + " " + id : "connection") + " from "
                    + comm.remoteAddress();
        }
    }

    /** A worker's class request forwarded to a client under the id {@code forwardedId}. */
    private record ClassRequest(Conn worker, long workerRequestId, String clientId, String className) {}

    /** A client's restart waiting for the listed workers to leave. */
    private record Restart(Conn client, long requestId, Set<String> waitingFor, long deadlineNanos) {}

    /** A result reported in the current turn: where, and its inline bytes (or null). */
    private record Finished(String worker, byte[] inlineValue) {}

    private final SchedulerServerConfig config;
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
    private volatile Throwable fatal;
    /** The dashboard URL told to clients in their welcome; set by whoever starts a dashboard, read by the loop. */
    private volatile String dashboardLink;
    /** Guards nothing; notified when the snapshots change, for awaitWorkers. */
    final Object snapshotMonitor = new Object();

    // ---- loop-confined ----
    private volatile Thread owner;
    /** Set once init() built the state; turns before that (items that raced the start) wait for it. */
    private boolean initialized;
    /** The armed timer and when it fires (System.nanoTime()); null / MAX_VALUE when none. */
    private ScheduledFuture<?> timer;

    private long timerDeadline = Long.MAX_VALUE;
    private SchedulerState state;
    private boolean running = true;
    /** Events translated in this turn and not yet handled. */
    private final ArrayList<SchedulerEvent> pending = new ArrayList<>();
    /** Results reported by workers since the last handle, by key; cleared after routing. */
    private final HashMap<String, Finished> finished = new HashMap<>();
    /** Every connection not yet closed. */
    private final Set<Conn> conns = new HashSet<>();
    /** The same connections by their comm, to tell which ones a turn's send batch may keep holding. */
    private final java.util.IdentityHashMap<Comm, Conn> byComm = new java.util.IdentityHashMap<>();
    /** Since when client reports are held past a turn (System.nanoTime), or 0 when none are. */
    private long holdingSince;
    /** Whether a timer will run a turn when the hold comes of age. */
    private boolean holdTimerArmed;
    /** Registered workers by listening address; exactly the workers the state knows. */
    private final HashMap<String, Conn> workers = new HashMap<>();
    /** Connected clients by id; exactly the clients the state knows, minus FIRE_AND_FORGET. */
    private final HashMap<String, Conn> clients = new HashMap<>();
    /** Uploaded jars by name, in upload order; every worker gets them when it registers. */
    private final LinkedHashMap<String, byte[]> jars = new LinkedHashMap<>();
    /** Class requests forwarded to clients and not answered yet, by forwarded id. */
    private final HashMap<Long, ClassRequest> classRequests = new HashMap<>();

    private long nextClassRequestId;
    private final ArrayList<Restart> restarts = new ArrayList<>();
    /** Queues, locks, semaphores, events, variables and topics (see Coordination). */
    private final Coordination coordination = new Coordination();
    /** The task stream: the latest finished and erred runs, as workers reported them. */
    private final TaskStreamBuffer taskStream;
    /** Profile requests out to workers. */
    private final ProfileGathers profiles = new ProfileGathers();
    /** The last snapshot handed out, and when (System.nanoTime()); null before the first. */
    private ClusterSnapshot lastSnapshot;

    private long lastSnapshotNanos;
    /** Workers whose FreeKeys buffer is non-empty in the current routing pass. */
    private final ArrayList<Conn> freeDirty = new ArrayList<>();

    private long stimulusSeq;
    private long clientSeq;
    private boolean membershipChanged = true;
    /** System.nanoTime() at the start of the current turn; put on every event of the turn. */
    private long now;

    SchedulerLoop(SchedulerServerConfig config, String schedulerId, Runnable onExit) {
        this.config = config;
        this.schedulerId = schedulerId;
        this.onExit = onExit;
        this.dashboardLink = config.dashboardLink();
        this.taskStream = new TaskStreamBuffer(config.taskStreamSize());
    }

    // ======================================================================================
    // Entry points for other threads
    // ======================================================================================

    /** A connection was accepted (called on its I/O thread): register its handler and tell the loop. */
    void accept(Comm comm) {
        Conn c = new Conn(comm);
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

    /** Asks the loop for a snapshot; any thread. Never completes if the loop has stopped (callers time out). */
    CompletableFuture<ClusterSnapshot> snapshot() {
        var reply = new CompletableFuture<ClusterSnapshot>();
        offer(new SnapshotRequest(reply));
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

    // ======================================================================================
    // The loop
    // ======================================================================================

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

    private void init() {
        owner = Thread.currentThread();
        try {
            state = SchedulerState.create(config.state());
            now = System.nanoTime();
            pending.add(new SchedulerEvent.AddClient(FIRE_AND_FORGET, "start", now));
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
     * One turn: everything queued (up to MAX_BATCH items), then timers, then the snapshots. It runs as a task on the
     * loop's executor; with TCP that is the I/O thread that read the messages, after it has read everything ready,
     * so one turn takes the whole burst and needs no thread hand-off.
     */
    private void turn() {
        turnQueued.set(false);
        if (!running || !initialized) {
            return;
        }
        try {
            now = System.nanoTime();
            // Everything this turn sends leaves as one write per connection when the turn ends (or, for reports, a
            // little
            // later: endSends).
            SendBatch sends = SendBatch.open();
            try {
                Item item;
                int n = 0;
                while (running && n < MAX_BATCH && (item = inbox.poll()) != null) {
                    dispatch(item);
                    n++;
                }
                if (running) {
                    if (n > 0) {
                        flush();
                    }
                    checkRestarts();
                    if (coordination.nextDeadline() - now <= 0) {
                        effects(coordination.expire(now));
                        flush();
                    }
                    if (profiles.nextDeadline() != Long.MAX_VALUE) {
                        profiles.expire(now);
                    }
                }
            } finally {
                endSends(sends);
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
     * Closes the turn's send batch: every connection flushes, except clients that were sent only task reports while
     * tasks are active, for up to HOLD_REPORTS_NANOS since the hold began; a timer runs a turn when it is over.
     */
    private void endSends(SendBatch sends) {
        long t = System.nanoTime();
        boolean hold = running && state != null && state.activeTaskCount() > 0;
        if (hold && holdingSince == 0) {
            holdingSince = t;
        }
        boolean young = hold && t - holdingSince < HOLD_REPORTS_NANOS;
        sends.close(comm -> {
            if (!young) {
                return false;
            }
            Conn c = byComm.get(comm);
            return c != null && c.role == Role.CLIENT && !c.urgent;
        });
        for (Conn c : conns) {
            c.urgent = false;
        }
        if (!sends.keepsConnections()) {
            holdingSince = 0;
        } else if (!holdTimerArmed) {
            holdTimerArmed = true;
            try {
                executor.schedule(
                        () -> {
                            holdTimerArmed = false;
                            turn();
                        },
                        Math.max(1, holdingSince + HOLD_REPORTS_NANOS - t),
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                holdTimerArmed = false; // shutting down: closing the connections flushes them
            }
        }
    }

    /** Keeps one timer armed for the earliest deadline (coordination, restarts, profiles; else an idle tick). */
    private void armTimer() {
        long deadline = System.nanoTime() + nextWaitNanos();
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
                    Math.max(1, deadline - System.nanoTime()),
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
            for (Conn c : conns) {
                c.comm.close();
            }
            conns.clear();
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

    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException(
                    "scheduler state touched from " + Thread.currentThread().getName() + "; only the loop thread "
                            + (owner == null ? "(not started)" : owner.getName()) + " may touch it");
        }
    }

    private long nextWaitNanos() {
        long wait = IDLE_PARK_NANOS;
        long deadline = coordination.nextDeadline();
        if (deadline != Long.MAX_VALUE) {
            wait = Math.min(wait, Math.max(1, deadline - System.nanoTime()));
        }
        for (Restart r : restarts) {
            wait = Math.min(wait, Math.max(1, r.deadlineNanos - System.nanoTime()));
        }
        long profileDeadline = profiles.nextDeadline();
        if (profileDeadline != Long.MAX_VALUE) {
            wait = Math.min(wait, Math.max(1, profileDeadline - System.nanoTime()));
        }
        return wait;
    }

    private void dispatch(Item item) {
        switch (item) {
            case Accepted a -> accepted(a.conn);
            case Received r -> received(r.conn, r.message);
            case Closed c -> closed(c.conn, c.reason);
            case Stop s -> running = false;
            case SnapshotRequest r -> {
                flush(); // the snapshot reflects every message before the request
                r.reply.complete(snapshotNow());
            }
            case ProfileQuery q -> gatherProfiles(q.reply::complete);
        }
    }

    private String stimulus(String kind) {
        return kind + "-" + (++stimulusSeq);
    }

    // ======================================================================================
    // Connections
    // ======================================================================================

    private void accepted(Conn c) {
        checkOwner();
        conns.add(c);
        byComm.put(c.comm, c);
        if ("client".equals(c.comm.peer().role())) {
            String id = "client-" + (++clientSeq) + "-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
            c.role = Role.CLIENT;
            c.id = id;
            clients.put(id, c);
            membershipChanged = true;
            pending.add(new SchedulerEvent.AddClient(id, stimulus("add-client"), now));
            String link = dashboardLink;
            send(c, new SchedulerMsg.ClientWelcome(id, schedulerId, link == null ? "" : link));
            LOG.debug("client {} connected from {}", id, c.comm.remoteAddress());
        }
    }

    private void closed(Conn c, CloseReason reason) {
        checkOwner();
        conns.remove(c);
        byComm.remove(c.comm);
        Role was = c.role;
        c.role = Role.CLOSED;
        if (was == Role.WORKER && workers.get(c.id) == c) {
            workers.remove(c.id);
            membershipChanged = true;
            pending.add(new SchedulerEvent.RemoveWorker(c.id, stimulus("remove-worker"), now));
            classRequests.values().removeIf(r -> r.worker == c);
            for (Restart r : restarts) {
                r.waitingFor.remove(c.id);
            }
            profiles.workerGone(c.id);
            LOG.info("worker {} left ({})", c.id, reason);
        } else if (was == Role.CLIENT && clients.get(c.id) == c) {
            clients.remove(c.id);
            membershipChanged = true;
            pending.add(new SchedulerEvent.RemoveClient(c.id, stimulus("remove-client"), now));
            effects(coordination.clientGone(c.id)); // its locks and leases go to the next waiters
            // Workers waiting for this client's classes will never get them: say so now.
            for (Iterator<ClassRequest> it = classRequests.values().iterator(); it.hasNext(); ) {
                ClassRequest r = it.next();
                if (r.clientId.equals(c.id)) {
                    it.remove();
                    send(
                            r.worker,
                            new SchedulerMsg.ClassBytes(r.workerRequestId, r.clientId, r.className, null, Map.of()));
                }
            }
            LOG.debug("client {} left ({})", c.id, reason);
        }
    }

    /** Closes one connection for a protocol violation; its close then cleans up as for any close. */
    private void reject(Conn c, String why) {
        LOG.warn("closing {}: {}", c.describe(), why);
        if (c.role == Role.NEW) {
            c.role = Role.CLOSED;
        }
        c.rejected = true;
        c.freeKeys = null;
        // The close notification arrives as a Closed item, which cleans up as for any close.
        c.comm.close();
    }

    private void received(Conn c, Message m) {
        checkOwner();
        if (c.role == Role.CLOSED || c.rejected) {
            return;
        }
        try {
            switch (c.role) {
                case NEW -> {
                    if (m instanceof WorkerMsg.RegisterWorker r) {
                        registerWorker(c, r);
                    } else {
                        reject(
                                c,
                                "expected RegisterWorker as the first message of a '"
                                        + c.comm.peer().role() + "' connection, got "
                                        + m.getClass().getSimpleName());
                    }
                }
                case CLIENT -> {
                    if (m instanceof ClientMsg cm) {
                        fromClient(c, cm);
                    } else {
                        reject(c, "unexpected " + m.getClass().getSimpleName() + " from a client");
                    }
                }
                case WORKER -> {
                    if (m instanceof WorkerMsg wm && !(wm instanceof WorkerMsg.RegisterWorker)) {
                        fromWorker(c, wm);
                    } else {
                        reject(c, "unexpected " + m.getClass().getSimpleName() + " from a registered worker");
                    }
                }
                case CLOSED -> {}
            }
        } catch (RuntimeException e) {
            reject(c, "malformed " + m.getClass().getSimpleName() + ": " + e);
        }
    }

    private void registerWorker(Conn c, WorkerMsg.RegisterWorker r) {
        if (r.address() == null || r.address().isEmpty()) {
            reject(c, "RegisterWorker without a listening address");
            return;
        }
        if (workers.containsKey(r.address())) {
            reject(c, "a worker at " + r.address() + " is already registered");
            return;
        }
        var event = new SchedulerEvent.AddWorker(
                r.address(),
                r.nthreads(),
                r.memoryLimit(),
                r.resources() == null ? Map.of() : r.resources(),
                r.name(),
                stimulus("add-worker"),
                now);
        c.role = Role.WORKER;
        c.id = r.address();
        workers.put(c.id, c);
        membershipChanged = true;
        send(c, new SchedulerMsg.WorkerWelcome(schedulerId));
        for (var jar : jars.entrySet()) {
            send(c, new SchedulerMsg.AddJar(jar.getKey(), jar.getValue()));
        }
        pending.add(event);
        LOG.info("worker {} registered ({} threads, name {}, pid {})", r.address(), r.nthreads(), r.name(), r.pid());
    }

    // ======================================================================================
    // Client messages
    // ======================================================================================

    private void fromClient(Conn c, ClientMsg m) {
        String cid = c.id;
        switch (m) {
            case ClientMsg.UpdateGraph u -> pending.add(updateGraph(cid, u));
            case ClientMsg.ReleaseKeys r ->
                pending.add(new SchedulerEvent.ReleaseKeys(cid, keys(r.keys()), stimulus("release-keys"), now));
            case ClientMsg.DesireKeys d -> // wanting known keys again is an update without tasks
                pending.add(
                        new SchedulerEvent.UpdateGraph(cid, List.of(), keys(d.keys()), stimulus("desire-keys"), now));
            case ClientMsg.CancelKeys k ->
                pending.add(new SchedulerEvent.CancelKeys(cid, keys(k.keys()), false, stimulus("cancel-keys"), now));
            case ClientMsg.RetryKeys k ->
                pending.add(new SchedulerEvent.RetryKeys(cid, keys(k.keys()), stimulus("retry-keys"), now));
            case ClientMsg.FireAndForget f ->
                pending.add(new SchedulerEvent.UpdateGraph(
                        FIRE_AND_FORGET, List.of(), keys(f.keys()), stimulus("fire-and-forget"), now));
            case ClientMsg.ScatterDone s -> pending.add(scatterDone(cid, s));
            case ClientMsg.ClusterInfoRequest r -> {
                flush();
                send(c, clusterInfo(r.requestId()));
            }
            case ClientMsg.ClassBytes b -> {
                ClassRequest req = classRequests.remove(b.requestId());
                if (req == null || req.worker.role != Role.WORKER) {
                    LOG.debug("class bytes for {} from {} arrived for a request nobody waits for", b.className(), cid);
                    return;
                }
                send(
                        req.worker,
                        new SchedulerMsg.ClassBytes(
                                req.workerRequestId,
                                req.clientId,
                                b.className(),
                                b.bytes(),
                                b.staticState() == null ? Map.of() : b.staticState()));
            }
            case ClientMsg.StaticState st -> {
                // Sent at once, so it reaches each worker before the ComputeTasks of anything submitted after it. Not
                // kept: a worker that loads the classes later gets their current static values with the class bytes.
                if (st.fields() == null) {
                    throw new IllegalArgumentException("StaticState without fields");
                }
                var relay = new SchedulerMsg.StaticState(cid, st.fields());
                for (Conn w : workers.values()) {
                    send(w, relay);
                }
            }
            case ClientMsg.UploadJar j -> {
                if (j.name() == null || j.bytes() == null) {
                    throw new IllegalArgumentException("UploadJar needs a name and bytes");
                }
                jars.put(j.name(), j.bytes());
                var add = new SchedulerMsg.AddJar(j.name(), j.bytes());
                for (Conn w : workers.values()) {
                    send(w, add);
                }
                LOG.info(
                        "client {} uploaded jar {} ({} bytes); sent to {} workers",
                        cid,
                        j.name(),
                        j.bytes().length,
                        workers.size());
            }
            case ClientMsg.RestartWorkers r -> restart(c, r.requestId());
            case ClientMsg.Coordinate co -> effects(coordination.handle(cid, co.requestId(), co.op(), now));
            case ClientMsg.CancelWait cw -> effects(coordination.cancelWait(cid, cw.requestId()));
            case ClientMsg.TaskStreamRequest r ->
                send(
                        c,
                        new SchedulerMsg.TaskStreamReply(
                                r.requestId(), taskStream.since(r.sinceMicros(), Integer.MAX_VALUE)));
            case ClientMsg.ProfileRequest r ->
                gatherProfiles(byWorker -> sendIfOpen(c, new SchedulerMsg.ProfileReply(r.requestId(), byWorker)));
        }
    }

    /**
     * Carries out what the coordination extension decided: replies go out at once; wants and releases become events
     * of this turn, in order (a getter wants a stored future's key before the extension lets go of it).
     */
    private void effects(List<Coordination.Effect> effects) {
        for (Coordination.Effect e : effects) {
            switch (e) {
                case Coordination.Reply r -> {
                    Conn c = clients.get(r.clientId());
                    if (c != null) {
                        send(c, r.msg());
                    }
                }
                case Coordination.Want w -> {
                    if (clients.containsKey(w.clientId()) || w.clientId().equals(Coordination.COORDINATION)) {
                        pending.add(new SchedulerEvent.UpdateGraph(
                                w.clientId(), List.of(), List.of(w.key()), stimulus("coordination-want"), now));
                    }
                }
                case Coordination.Unwant u ->
                    pending.add(new SchedulerEvent.ReleaseKeys(
                            u.clientId(), List.of(u.key()), stimulus("coordination-release"), now));
            }
        }
    }

    private static List<String> keys(List<String> keys) {
        if (keys == null) {
            throw new IllegalArgumentException("keys must not be null");
        }
        return keys;
    }

    private SchedulerEvent.UpdateGraph updateGraph(String cid, ClientMsg.UpdateGraph u) {
        List<ClientMsg.TaskSpec> in = u.tasks() == null ? List.of() : u.tasks();
        var specs = new ArrayList<TaskSpec>(in.size());
        for (ClientMsg.TaskSpec t : in) {
            if (t == null) {
                throw new IllegalArgumentException("a task spec is null");
            }
            if (t.runSpec() == null) {
                throw new IllegalArgumentException("task '" + t.key() + "' has no runSpec bytes");
            }
            Set<String> deps = t.dependencies() == null || t.dependencies().isEmpty()
                    ? Set.of()
                    : new LinkedHashSet<>(t.dependencies());
            List<String> where = t.workers() == null ? List.of() : t.workers();
            Map<String, Double> resources = t.resources() == null ? Map.of() : t.resources();
            Restrictions restrictions = where.isEmpty() && resources.isEmpty()
                    ? Restrictions.NONE
                    : new Restrictions(new LinkedHashSet<>(where), t.allowOtherWorkers(), resources);
            specs.add(new TaskSpec(
                    t.key(), deps, new RunSpec(t.runSpec(), cid), t.priority(), t.retries(), restrictions));
        }
        return new SchedulerEvent.UpdateGraph(
                cid, specs, u.wanted() == null ? List.of() : u.wanted(), stimulus("update-graph"), now);
    }

    private SchedulerEvent.UpdateData scatterDone(String cid, ClientMsg.ScatterDone s) {
        Map<String, List<String>> whoHas = s.whoHas() == null ? Map.of() : s.whoHas();
        Map<String, Long> nbytes = s.nbytes() == null ? Map.of() : s.nbytes();
        var data = new LinkedHashMap<String, SchedulerEvent.ScatteredData>();
        for (var e : whoHas.entrySet()) {
            Long n = nbytes.get(e.getKey());
            data.put(e.getKey(), new SchedulerEvent.ScatteredData(e.getValue(), n == null ? -1 : n, ""));
        }
        return new SchedulerEvent.UpdateData(cid, data, stimulus("scatter"), now);
    }

    private SchedulerMsg.ClusterInfo clusterInfo(long requestId) {
        var nthreads = new LinkedHashMap<String, Integer>();
        var hasWhat = new LinkedHashMap<String, List<String>>();
        for (WorkerView w : state.workers()) {
            nthreads.put(w.address(), w.nthreads());
            hasWhat.put(w.address(), List.copyOf(w.heldKeys()));
        }
        return new SchedulerMsg.ClusterInfo(requestId, nthreads, hasWhat);
    }

    /**
     * Restart as Dask does: every client's futures are cancelled (a restarted cluster keeps no results), then
     * every worker is asked to close (its supervisor starts a fresh process); the client gets its Ack once
     * they have all left, or an Ack with an error after the restart timeout.
     */
    private void restart(Conn c, long requestId) {
        flush();
        String stim = stimulus("restart");
        for (String cid : new ArrayList<>(state.clients())) {
            Set<String> wanted = state.wantedKeys(cid);
            if (!wanted.isEmpty()) {
                pending.add(new SchedulerEvent.CancelKeys(cid, List.copyOf(wanted), true, stim, now));
            }
        }
        flush();
        var waitingFor = new HashSet<>(workers.keySet());
        var close = new SchedulerMsg.CloseWorker("restart requested by " + c.id);
        for (Conn w : workers.values()) {
            send(w, close);
        }
        LOG.info("client {} restarts {} workers", c.id, waitingFor.size());
        restarts.add(new Restart(
                c, requestId, waitingFor, now + config.restartTimeout().toNanos()));
        checkRestarts();
    }

    private void checkRestarts() {
        if (restarts.isEmpty()) {
            return;
        }
        long t = System.nanoTime();
        for (Iterator<Restart> it = restarts.iterator(); it.hasNext(); ) {
            Restart r = it.next();
            if (r.waitingFor.isEmpty()) {
                it.remove();
                sendIfOpen(r.client, new SchedulerMsg.Ack(r.requestId, null));
            } else if (t - r.deadlineNanos >= 0) {
                it.remove();
                sendIfOpen(
                        r.client,
                        new SchedulerMsg.Ack(
                                r.requestId,
                                "workers " + new ArrayList<>(r.waitingFor) + " did not leave within "
                                        + config.restartTimeout() + " after being asked to close"));
            }
        }
    }

    // ======================================================================================
    // Worker messages
    // ======================================================================================

    private void fromWorker(Conn c, WorkerMsg m) {
        String w = c.id;
        switch (m) {
            case WorkerMsg.RegisterWorker r -> reject(c, "registered twice");
            case WorkerMsg.TaskStarted s -> taskStarted(w, s.key());
            case WorkerMsg.TaskFinished f -> {
                taskStream.add(new SchedulerMsg.TaskStreamEntry(
                        f.key(), w, f.thread(), f.startNanos() / 1000, f.stopNanos() / 1000, false));
                finished.put(f.key(), new Finished(w, f.inlineValue()));
                pending.add(new SchedulerEvent.TaskFinished(
                        w,
                        f.key(),
                        f.runId(),
                        f.nbytes(),
                        f.typeName(),
                        f.startNanos(),
                        f.stopNanos(),
                        orStimulus(f.stimulusId(), "task-finished"),
                        now));
            }
            case WorkerMsg.TaskErred e -> {
                if (e.stopNanos() != 0) { // 0: failed before its function ran, so there is nothing to draw
                    taskStream.add(new SchedulerMsg.TaskStreamEntry(
                            e.key(), w, e.thread(), e.startNanos() / 1000, e.stopNanos() / 1000, true));
                }
                pending.add(new SchedulerEvent.TaskErred(
                        w,
                        e.key(),
                        e.runId(),
                        new WorkerError(e.exception(), e.exceptionType(), e.message(), e.traceback()),
                        true,
                        orStimulus(e.stimulusId(), "task-erred"),
                        now));
            }
            case WorkerMsg.ProfileReply p -> profiles.answered(w, p.requestId(), p.profile());
            case WorkerMsg.AddKeys a ->
                pending.add(new SchedulerEvent.AddKeys(w, keys(a.keys()), orStimulus(a.stimulusId(), "add-keys"), now));
            case WorkerMsg.ReleaseWorkerData r ->
                pending.add(new SchedulerEvent.WorkerReleasedKey(
                        w, r.key(), orStimulus(r.stimulusId(), "release-worker-data"), now));
            case WorkerMsg.RequestWhoHas r -> {
                flush();
                var whoHas = new LinkedHashMap<String, List<String>>();
                for (String k : keys(r.keys())) {
                    TaskView tv = state.task(k);
                    whoHas.put(k, tv == null ? List.of() : List.copyOf(tv.whoHas()));
                }
                send(c, new SchedulerMsg.RefreshWhoHas(whoHas, orStimulus(r.stimulusId(), "refresh-who-has")));
            }
            case WorkerMsg.LongRunning l ->
                pending.add(new SchedulerEvent.LongRunning(
                        w, l.key(), l.runId(), orStimulus(l.stimulusId(), "long-running"), now));
            case WorkerMsg.MissingData d ->
                pending.add(new SchedulerEvent.MissingData(
                        d.key(), d.erringWorker(), orStimulus(d.stimulusId(), "missing-data"), now));
            case WorkerMsg.FetchClass f -> fetchClass(c, f);
            case WorkerMsg.StealResponse s -> LOG.debug("ignoring a steal response from {} for {}", w, s.key());
        }
    }

    private String orStimulus(String given, String kind) {
        return given != null ? given : stimulus(kind);
    }

    /**
     * Tells the clients that want the key that it runs. Read from the state as of the previous handle, which
     * is current enough: the task was assigned in an earlier turn, and a client that stops wanting it in this
     * turn ignores reports about keys it no longer holds.
     */
    private void taskStarted(String worker, String key) {
        TaskView tv = state.task(key);
        if (tv == null || tv.state() != SchedulerTaskState.PROCESSING || !worker.equals(tv.processingOn())) {
            return; // a stale report: the task moved on
        }
        SchedulerMsg.KeyRunning msg = null;
        for (String cid : tv.whoWants()) {
            Conn client = clients.get(cid);
            if (client != null) {
                if (msg == null) {
                    msg = new SchedulerMsg.KeyRunning(key);
                }
                send(client, msg);
            }
        }
    }

    private void fetchClass(Conn worker, WorkerMsg.FetchClass f) {
        Conn client = f.clientId() == null ? null : clients.get(f.clientId());
        if (client == null) {
            // Nobody can answer: say so now rather than let the worker wait for its timeout.
            send(worker, new SchedulerMsg.ClassBytes(f.requestId(), f.clientId(), f.className(), null, Map.of()));
            return;
        }
        long id = ++nextClassRequestId;
        classRequests.put(id, new ClassRequest(worker, f.requestId(), f.clientId(), f.className()));
        send(client, new SchedulerMsg.FetchClass(id, worker.id, f.className()));
    }

    // ======================================================================================
    // Handling and routing
    // ======================================================================================

    /** Hands the pending events to the state and routes what it says; repeats while routing adds events. */
    private void flush() {
        checkOwner();
        while (!pending.isEmpty() && running) {
            SchedulerEvent[] events = pending.toArray(new SchedulerEvent[0]);
            pending.clear();
            List<SchedulerInstruction> out = handleSafely(events);
            route(out);
            finished.clear();
        }
    }

    private List<SchedulerInstruction> handleSafely(SchedulerEvent[] events) {
        try {
            config.beforeHandle().accept(java.util.Arrays.asList(events));
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
        var sb = new StringBuilder();
        sb.append("the scheduler state failed while handling ")
                .append(events.length)
                .append(" events (")
                .append(describeEvents(events))
                .append("): ")
                .append(e);
        if (!(e instanceof InvalidTransition) && !(e instanceof TransitionCounterMaxExceeded)) {
            Set<String> keys = keysOf(events, 5);
            for (String k : keys) {
                List<Transition<SchedulerTaskState>> story = state.story(k);
                sb.append("\n  story of '")
                        .append(k)
                        .append("' (last ")
                        .append(Math.min(20, story.size()))
                        .append(" of ")
                        .append(story.size())
                        .append("):");
                for (Transition<SchedulerTaskState> t : story.subList(Math.max(0, story.size() - 20), story.size())) {
                    sb.append("\n    ").append(t);
                }
            }
        }
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
                    sb,
                    e);
        } else {
            LOG.error("FATAL: {}\nThe state is inconsistent ({}); the scheduler shuts down.", sb, problem, e);
            fatal = e;
            running = false;
        }
    }

    private static String describeEvents(SchedulerEvent[] events) {
        var sb = new StringBuilder();
        for (int i = 0; i < events.length && i < 5; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(events[i].getClass().getSimpleName()).append(' ').append(events[i].stimulusId());
        }
        if (events.length > 5) {
            sb.append(", ...");
        }
        return sb.toString();
    }

    private static Set<String> keysOf(SchedulerEvent[] events, int max) {
        var keys = new LinkedHashSet<String>();
        for (SchedulerEvent e : events) {
            List<String> ks = switch (e) {
                case SchedulerEvent.TaskFinished f -> List.of(f.key());
                case SchedulerEvent.TaskErred f -> List.of(f.key());
                case SchedulerEvent.LongRunning f -> List.of(f.key());
                case SchedulerEvent.MissingData f -> List.of(f.key());
                case SchedulerEvent.WorkerReleasedKey f -> List.of(f.key());
                case SchedulerEvent.UpdateGraph u -> {
                    var ks2 = new ArrayList<String>(u.wantedKeys());
                    for (TaskSpec t : u.tasks()) {
                        ks2.addAll(t.dependencies()); // known dependencies have a story already
                        if (ks2.size() > max * 4) {
                            break;
                        }
                    }
                    yield ks2;
                }
                case SchedulerEvent.ReleaseKeys r -> r.keys();
                case SchedulerEvent.CancelKeys r -> r.keys();
                case SchedulerEvent.RetryKeys r -> r.keys();
                case SchedulerEvent.AddKeys r -> r.keys();
                case SchedulerEvent.UpdateData d -> List.copyOf(d.data().keySet());
                case SchedulerEvent.AddWorker w -> List.of(w.address());
                case SchedulerEvent.RemoveWorker w -> List.of(w.address());
                case SchedulerEvent.AddClient c -> List.of(c.clientId());
                case SchedulerEvent.RemoveClient c -> List.of(c.clientId());
            };
            for (String k : ks) {
                if (keys.size() >= max) {
                    return keys;
                }
                keys.add(k);
            }
        }
        return keys;
    }

    // ======================================================================================
    // Snapshots for other threads
    // ======================================================================================

    /** Asks every registered worker for its profile; {@code onDone} gets the answers (on this thread). */
    private void gatherProfiles(java.util.function.Consumer<Map<String, WorkerMsg.ProfileData>> onDone) {
        long id = profiles.start(workers.keySet(), now + PROFILE_TIMEOUT_NANOS, onDone);
        if (id >= 0) {
            var ask = new SchedulerMsg.ProfileRequest(id);
            for (Conn w : workers.values()) {
                send(w, ask);
            }
        }
    }

    /** A snapshot of the state as of now, or the last one if it is fresh enough. Loop thread. */
    private ClusterSnapshot snapshotNow() {
        checkOwner();
        long t = System.nanoTime();
        if (lastSnapshot != null && t - lastSnapshotNanos < SNAPSHOT_REUSE_NANOS) {
            return lastSnapshot;
        }
        lastSnapshot = Snapshots.of(state, clients.size(), taskStream, System.currentTimeMillis() * 1000);
        lastSnapshotNanos = t;
        return lastSnapshot;
    }

    /** Sends each instruction to its destination, in order per destination. */
    private void route(List<SchedulerInstruction> out) {
        List<String> fireAndForgetDone = null;
        for (SchedulerInstruction i : out) {
            switch (i) {
                case SchedulerInstruction.ComputeTask ct -> {
                    Conn w = workers.get(ct.worker());
                    if (w != null) {
                        sendFreeKeys(w);
                        send(w, computeTask(ct));
                    }
                }
                case SchedulerInstruction.CancelCompute cc -> {
                    Conn w = workers.get(cc.worker());
                    if (w != null) {
                        sendFreeKeys(w);
                        send(w, new SchedulerMsg.CancelCompute(cc.key(), cc.stimulusId()));
                    }
                }
                case SchedulerInstruction.FreeKeys fk -> {
                    Conn w = workers.get(fk.worker());
                    if (w != null) {
                        if (w.freeKeys == null) {
                            w.freeKeys = new ArrayList<>(fk.keys());
                            w.freeStimulus = fk.stimulusId();
                            freeDirty.add(w);
                        } else {
                            w.freeKeys.addAll(fk.keys());
                        }
                    }
                }
                case SchedulerInstruction.ToClient tc -> {
                    if (toClients(tc)) {
                        if (fireAndForgetDone == null) {
                            fireAndForgetDone = new ArrayList<>();
                        }
                        fireAndForgetDone.add(tc.key());
                    }
                }
            }
        }
        for (Conn w : freeDirty) {
            sendFreeKeys(w);
        }
        freeDirty.clear();
        if (fireAndForgetDone != null) {
            // The task finished (or failed, or is gone): fire-and-forget interest ends here, as in Dask.
            pending.add(new SchedulerEvent.ReleaseKeys(
                    FIRE_AND_FORGET, fireAndForgetDone, stimulus("fire-and-forget-done"), now));
        }
    }

    private void sendFreeKeys(Conn w) {
        if (w.freeKeys != null) {
            List<String> keys = w.freeKeys;
            w.freeKeys = null;
            if (w.role == Role.WORKER) {
                send(w, new SchedulerMsg.FreeKeys(keys, w.freeStimulus));
            }
        }
    }

    private SchedulerMsg.ComputeTask computeTask(SchedulerInstruction.ComputeTask ct) {
        byte[] bytes = null;
        String clientId = null;
        if (ct.runSpec() instanceof RunSpec rs) {
            bytes = rs.bytes();
            clientId = rs.clientId();
            if (!clients.containsKey(clientId)) {
                clientId = classSource(ct.key(), clientId);
            }
        }
        // The worker orders by the same tuple: smaller runs first.
        long[] priority = ct.priority().toArray();
        return new SchedulerMsg.ComputeTask(
                ct.key(),
                ct.runId(),
                bytes,
                clientId,
                priority,
                ct.whoHas(),
                ct.nbytes(),
                ct.resources(),
                ct.stimulusId());
    }

    /**
     * The submitter of a key's run spec left, but the key is still wanted (pure keys are shared): name a
     * connected client that wants it as the one to ask for classes, since it submitted the same key. Falls back
     * to the original submitter (the worker then gets null bytes for its class requests and the task errs).
     */
    private String classSource(String key, String submitter) {
        TaskView tv = state.task(key);
        if (tv != null) {
            for (String cid : tv.whoWants()) {
                if (clients.containsKey(cid)) {
                    return cid;
                }
            }
        }
        return submitter;
    }

    /** Sends a report to its clients; true if the fire-and-forget pseudo-client was among them. */
    private boolean toClients(SchedulerInstruction.ToClient tc) {
        SchedulerMsg msg = null;
        boolean fireAndForget = false;
        for (String cid : tc.clients()) {
            if (cid.equals(FIRE_AND_FORGET)) {
                // Being computed again is no end: fire-and-forget interest lasts until the key is done again.
                fireAndForget = !(tc instanceof SchedulerInstruction.KeyRecomputing);
                continue;
            }
            Conn c = clients.get(cid);
            if (c == null) {
                continue;
            }
            if (msg == null) {
                msg = clientMessage(tc);
            }
            send(c, msg);
        }
        return fireAndForget;
    }

    private SchedulerMsg clientMessage(SchedulerInstruction.ToClient tc) {
        return switch (tc) {
            case SchedulerInstruction.KeyInMemory k -> {
                Finished f = finished.get(k.key());
                TaskView tv = state.task(k.key());
                List<String> holders;
                if (tv != null && tv.state() == SchedulerTaskState.MEMORY) {
                    holders = List.copyOf(tv.whoHas());
                } else {
                    holders = f == null ? List.of() : List.of(f.worker);
                }
                yield new SchedulerMsg.KeyInMemory(
                        k.key(), k.typeName(), k.nbytes(), holders, f == null ? null : f.inlineValue);
            }
            case SchedulerInstruction.KeyErred e -> keyErred(e);
            case SchedulerInstruction.KeyCancelled c -> new SchedulerMsg.KeyCancelled(c.key(), "cancelled");
            case SchedulerInstruction.KeyLost l ->
                new SchedulerMsg.KeyLost(
                        l.key(), "every copy of its result was lost (its workers left) and it cannot be recomputed");
            case SchedulerInstruction.KeyRecomputing r -> new SchedulerMsg.KeyRecomputing(r.key());
        };
    }

    private static SchedulerMsg.KeyErred keyErred(SchedulerInstruction.KeyErred e) {
        return switch (e.error()) {
            case WorkerError w ->
                new SchedulerMsg.KeyErred(
                        e.key(), e.blamedKey(), w.exception(), w.exceptionType(), w.message(), w.traceback());
            case KilledWorker k ->
                new SchedulerMsg.KeyErred(e.key(), e.blamedKey(), null, KILLED_WORKER_TYPE, k.message(), null);
            case MissingDependency m ->
                new SchedulerMsg.KeyErred(e.key(), e.blamedKey(), null, MISSING_DEPENDENCY_TYPE, m.message(), null);
            case null ->
                new SchedulerMsg.KeyErred(e.key(), e.blamedKey(), null, "UnknownError", "no error recorded", null);
            default ->
                new SchedulerMsg.KeyErred(
                        e.key(), e.blamedKey(), null, e.error().getClass().getName(), String.valueOf(e.error()), null);
        };
    }

    /** Sends, ignoring a connection that closed meanwhile (its Closed item is on the way). */
    private void send(Conn c, Message m) {
        if (!(m instanceof SchedulerMsg.KeyInMemory || m instanceof SchedulerMsg.KeyRunning)) {
            c.urgent = true;
        }
        try {
            c.comm.send(m);
        } catch (CommClosedException e) {
            LOG.debug("dropped {} to {}: {}", m.getClass().getSimpleName(), c.describe(), e.getMessage());
        }
    }

    private void sendIfOpen(Conn c, Message m) {
        if (c.role != Role.CLOSED) {
            send(c, m);
        }
    }

    /** Publishes the read-only snapshots if membership changed this turn. */
    private void publish() {
        if (!membershipChanged) {
            return;
        }
        membershipChanged = false;
        var ws = new LinkedHashMap<String, Integer>();
        for (WorkerView w : state.workers()) {
            ws.put(w.address(), w.nthreads());
        }
        workersSnapshot = Collections.unmodifiableMap(ws);
        clientCountSnapshot = clients.size();
        synchronized (snapshotMonitor) {
            snapshotMonitor.notifyAll();
        }
    }
}
