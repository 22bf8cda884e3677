package io.jdask.worker.state;

import static io.jdask.worker.state.WorkerTaskState.CANCELLED;
import static io.jdask.worker.state.WorkerTaskState.CONSTRAINED;
import static io.jdask.worker.state.WorkerTaskState.ERROR;
import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.FETCH;
import static io.jdask.worker.state.WorkerTaskState.FLIGHT;
import static io.jdask.worker.state.WorkerTaskState.FORGOTTEN;
import static io.jdask.worker.state.WorkerTaskState.LONG_RUNNING;
import static io.jdask.worker.state.WorkerTaskState.MEMORY;
import static io.jdask.worker.state.WorkerTaskState.MISSING;
import static io.jdask.worker.state.WorkerTaskState.READY;
import static io.jdask.worker.state.WorkerTaskState.RELEASED;
import static io.jdask.worker.state.WorkerTaskState.RESUMED;
import static io.jdask.worker.state.WorkerTaskState.WAITING;

import io.jdask.worker.state.WorkerEvent.AcquireReplicas;
import io.jdask.worker.state.WorkerEvent.CancelCompute;
import io.jdask.worker.state.WorkerEvent.ComputeTask;
import io.jdask.worker.state.WorkerEvent.ExecuteFailure;
import io.jdask.worker.state.WorkerEvent.ExecuteSkipped;
import io.jdask.worker.state.WorkerEvent.ExecuteSuccess;
import io.jdask.worker.state.WorkerEvent.FindMissing;
import io.jdask.worker.state.WorkerEvent.FreeKeys;
import io.jdask.worker.state.WorkerEvent.GatherDepBusy;
import io.jdask.worker.state.WorkerEvent.GatherDepFailure;
import io.jdask.worker.state.WorkerEvent.GatherDepNetworkFailure;
import io.jdask.worker.state.WorkerEvent.GatherDepSuccess;
import io.jdask.worker.state.WorkerEvent.PeerRemoved;
import io.jdask.worker.state.WorkerEvent.RefreshWhoHas;
import io.jdask.worker.state.WorkerEvent.Rejoin;
import io.jdask.worker.state.WorkerEvent.RemoveReplicas;
import io.jdask.worker.state.WorkerEvent.RetryBusyWorker;
import io.jdask.worker.state.WorkerEvent.Secede;
import io.jdask.worker.state.WorkerEvent.StealRequest;
import io.jdask.worker.state.WorkerEvent.StillRunning;
import io.jdask.worker.state.WorkerEvent.UpdateData;
import io.jdask.worker.state.WorkerInstruction.AddKeysMsg;
import io.jdask.worker.state.WorkerInstruction.CancelExecution;
import io.jdask.worker.state.WorkerInstruction.DropData;
import io.jdask.worker.state.WorkerInstruction.Execute;
import io.jdask.worker.state.WorkerInstruction.GatherDep;
import io.jdask.worker.state.WorkerInstruction.LongRunningMsg;
import io.jdask.worker.state.WorkerInstruction.MissingDataMsg;
import io.jdask.worker.state.WorkerInstruction.Rejoined;
import io.jdask.worker.state.WorkerInstruction.ReleaseWorkerDataMsg;
import io.jdask.worker.state.WorkerInstruction.RequestRefreshWhoHasMsg;
import io.jdask.worker.state.WorkerInstruction.RetryBusyWorkerLater;
import io.jdask.worker.state.WorkerInstruction.StealResponseMsg;
import io.jdask.worker.state.WorkerInstruction.TaskErredMsg;
import io.jdask.worker.state.WorkerInstruction.TaskFinishedMsg;
import io.jdask.worker.state.WorkerInstruction.TaskStartedMsg;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;

/**
 * The state of one worker: which tasks it knows, in which state, what it runs and fetches.
 *
 * <h2>Design</h2>
 *
 * A pure state machine in the shape of Dask's {@code WorkerState} ({@code worker_state_machine.py};
 * see also Dask's {@code worker-state.rst}):
 *
 * <ul>
 *   <li><b>One door in.</b> {@link #handle} is the only mutator. It maps each event to
 *       <em>recommendations</em> (task -> wanted state), then drains them: each recommendation runs
 *       the transition method of its edge in {@link #TRANSITIONS} (one method per edge, named
 *       {@code fromToTo}), which changes the task and the indexes and may emit instructions and
 *       more recommendations. Recommendations are drained last-in first-out, as Dask's
 *       {@code dict.popitem()} does, so the instruction order matches Dask's.
 *   <li><b>No edge?</b> A pair missing from the table goes through RELEASED when neither end is
 *       RELEASED (e.g. ERROR -> WAITING is ERROR -> RELEASED -> WAITING); otherwise it throws
 *       {@link InvalidTransition} with the task's story.
 *   <li><b>Fetch batching.</b> Transfers are planned once per event, after all recommendations are
 *       drained ({@link #ensureCommunicating}), so several keys wanted from one peer go into one
 *       {@link GatherDep} (Dask issue 6497 explains why planning earlier hurts batching).
 *   <li><b>Deterministic.</b> Time comes on the events; the only randomness (tie-breaking between
 *       peers) comes from a {@link Random} seeded by the builder; every collection that is
 *       iterated either keeps insertion order or hashes by key (see {@link WorkerTask}). A
 *       recorded event log replayed into a fresh state with the same options reaches the same
 *       state and emits the same instructions.
 *   <li><b>Observable.</b> Every transition is logged (bounded) for {@link #story}; recent events
 *       are kept (bounded) for {@link #recentEvents}; {@link #validate} checks every cross-index
 *       invariant and is run after every {@code handle} in tests.
 *   <li><b>Loop guard.</b> More than {@code 1000 + 64 * tasks} transitions for one event (or more
 *       than the builder's {@code transitionCounterMax} in total) throws {@link
 *       TransitionCounterMaxExceeded} instead of spinning forever.
 * </ul>
 *
 * <h2>Values</h2>
 *
 * The state never sees values. See the package documentation for the contract: the shell stores a
 * value before handing in the event that announces it, and deletes values when told by {@link
 * DropData}; in between, the shell's store holds exactly the keys of MEMORY tasks.
 *
 * <h2>Concurrency</h2>
 *
 * None: one thread owns an instance (the worker's event loop). Not thread-safe; the shell must not
 * call anything, not even accessors, from other threads. If {@code handle} throws, the state may be
 * half-updated and should be discarded (the worker should shut down), as in Dask.
 */
public final class WorkerState {

    // ---------------------------------------------------------------------------------------------
    // Transition table

    /** One edge of the state graph: mutates {@code ts} (and indexes), may recommend and instruct. */
    @FunctionalInterface
    private interface Edge {
        void apply(WorkerState state, WorkerTask ts, Object arg);
    }

    /** (from, to) -> edge. A pair not listed goes through RELEASED or is invalid. */
    private static final EnumMap<WorkerTaskState, EnumMap<WorkerTaskState, Edge>> TRANSITIONS = transitionTable();

    private static EnumMap<WorkerTaskState, EnumMap<WorkerTaskState, Edge>> transitionTable() {
        var t = new EnumMap<WorkerTaskState, EnumMap<WorkerTaskState, Edge>>(WorkerTaskState.class);
        for (WorkerTaskState s : WorkerTaskState.values()) t.put(s, new EnumMap<>(WorkerTaskState.class));
        t.get(RELEASED).put(WAITING, WorkerState::releasedToWaiting);
        t.get(RELEASED).put(FETCH, WorkerState::releasedToFetch);
        t.get(RELEASED).put(MISSING, WorkerState::releasedToMissing);
        t.get(RELEASED).put(MEMORY, WorkerState::releasedToMemory);
        t.get(RELEASED).put(ERROR, WorkerState::releasedToError);
        t.get(RELEASED).put(FORGOTTEN, WorkerState::releasedToForgotten);
        t.get(WAITING).put(READY, WorkerState::waitingToReady);
        t.get(WAITING).put(CONSTRAINED, WorkerState::waitingToConstrained);
        t.get(WAITING).put(ERROR, WorkerState::waitingToError);
        t.get(WAITING).put(RELEASED, WorkerState::waitingToReleased);
        t.get(READY).put(EXECUTING, WorkerState::readyToExecuting);
        t.get(READY).put(RELEASED, WorkerState::readyToReleased);
        t.get(CONSTRAINED).put(EXECUTING, WorkerState::constrainedToExecuting);
        t.get(CONSTRAINED).put(RELEASED, WorkerState::constrainedToReleased);
        t.get(EXECUTING).put(MEMORY, WorkerState::executingToMemory);
        t.get(EXECUTING).put(ERROR, WorkerState::executingToError);
        t.get(EXECUTING).put(LONG_RUNNING, WorkerState::executingToLongRunning);
        t.get(LONG_RUNNING).put(EXECUTING, WorkerState::longRunningToExecuting);
        t.get(EXECUTING).put(RELEASED, WorkerState::executingToReleased);
        t.get(LONG_RUNNING).put(MEMORY, WorkerState::executingToMemory);
        t.get(LONG_RUNNING).put(ERROR, WorkerState::executingToError);
        t.get(LONG_RUNNING).put(RELEASED, WorkerState::executingToReleased);
        t.get(FETCH).put(FLIGHT, WorkerState::fetchToFlight);
        t.get(FETCH).put(MISSING, WorkerState::fetchToMissing);
        t.get(FETCH).put(RELEASED, WorkerState::fetchToReleased);
        t.get(FLIGHT).put(MEMORY, WorkerState::flightToMemory);
        t.get(FLIGHT).put(FETCH, WorkerState::flightToFetch);
        t.get(FLIGHT).put(MISSING, WorkerState::flightToMissing);
        t.get(FLIGHT).put(ERROR, WorkerState::flightToError);
        t.get(FLIGHT).put(RELEASED, WorkerState::flightToReleased);
        t.get(MISSING).put(FETCH, WorkerState::missingToFetch);
        t.get(MISSING).put(WAITING, WorkerState::missingToWaiting);
        t.get(MISSING).put(ERROR, WorkerState::missingToError);
        t.get(MISSING).put(RELEASED, WorkerState::missingToReleased);
        t.get(MEMORY).put(RELEASED, WorkerState::memoryToReleased);
        t.get(ERROR).put(RELEASED, WorkerState::errorToReleased);
        t.get(CANCELLED).put(RELEASED, WorkerState::cancelledToReleased);
        t.get(CANCELLED).put(MEMORY, WorkerState::cancelledToReleased);
        t.get(CANCELLED).put(ERROR, WorkerState::cancelledToReleased);
        t.get(CANCELLED).put(MISSING, WorkerState::cancelledToReleased);
        t.get(CANCELLED).put(FETCH, WorkerState::cancelledToFetch);
        t.get(CANCELLED).put(WAITING, WorkerState::cancelledToWaiting);
        t.get(CANCELLED).put(LONG_RUNNING, WorkerState::cancelledToLongRunning);
        t.get(RESUMED).put(MEMORY, WorkerState::resumedToMemory);
        t.get(RESUMED).put(ERROR, WorkerState::resumedToError);
        t.get(RESUMED).put(FETCH, WorkerState::resumedToFetch);
        t.get(RESUMED).put(MISSING, WorkerState::resumedToMissing);
        t.get(RESUMED).put(RELEASED, WorkerState::resumedToReleased);
        t.get(RESUMED).put(LONG_RUNNING, WorkerState::cancelledToLongRunning);
        return t;
    }

    /** Whether the table has an edge from {@code from} to {@code to} (not counting via RELEASED). */
    static boolean hasEdge(WorkerTaskState from, WorkerTaskState to) {
        return TRANSITIONS.get(from).containsKey(to);
    }

    /** A pending recommendation: the wanted state and an optional argument for the edge. */
    private record Rec(WorkerTaskState to, Object arg) {}

    private static final Rec[] PLAIN_RECS = plainRecs();

    private static Rec[] plainRecs() {
        var recs = new Rec[WorkerTaskState.values().length];
        for (WorkerTaskState s : WorkerTaskState.values()) recs[s.ordinal()] = new Rec(s, null);
        return recs;
    }

    /** The argument of a FLIGHT -> ERROR recommendation: who failed to send it, and why. */
    private record FetchFailed(String peer, Object error) {}

    /** What to tell the scheduler when a task lands in memory. */
    private enum MemoryReport {
        NONE,
        TASK_FINISHED,
        ADD_KEYS
    }

    /** Sort key of a peer when planning transfers; see {@link #ensureCommunicating}. */
    private record Candidate(Peer peer, WorkerTask top, boolean remote, int count, double tieBreak) {}

    private static int compareCandidates(Candidate a, Candidate b) {
        int c = WorkerTask.ORDER.compare(a.top, b.top);
        if (c != 0) return c;
        c = Boolean.compare(a.remote, b.remote);
        if (c != 0) return c;
        c = Integer.compare(b.count, a.count);
        return c != 0 ? c : Double.compare(a.tieBreak, b.tieBreak);
    }

    /** Priority of keys fetched only as replicas: after default-priority computations' inputs. */
    static final Priority REPLICA_PRIORITY = Priority.of(1);

    // ---------------------------------------------------------------------------------------------
    // Options (immutable)

    private final String address;
    private final String host;
    private final int nthreads;
    private final Map<String, Double> totalResources;
    private final int transferIncomingCountLimit;
    private final long transferIncomingBytesLimit;
    private final long transferMessageBytesLimit;
    private final long defaultNbytes;
    private final long transitionCounterMax;
    private final int executeAhead;
    private final long shortTaskNanos;

    // ---------------------------------------------------------------------------------------------
    // State. All of it is owned by the thread calling handle().

    /** Every known task by key; never a FORGOTTEN one. */
    private final HashMap<String, WorkerTask> tasks = new HashMap<>();
    /** Known peers by address, in first-seen order; see {@link Peer} for when one is dropped. */
    private final LinkedHashMap<String, Peer> peers = new LinkedHashMap<>();
    /** Exactly the READY tasks. */
    private final TaskHeap ready = new TaskHeap();
    /** Exactly the CONSTRAINED tasks. */
    private final TaskHeap constrained = new TaskHeap();
    /**
     * Exactly the tasks handed to the task threads: EXECUTING, or CANCELLED/RESUMED from EXECUTING. Never more than
     * {@link #nthreads}, plus {@link #executeAhead} short tasks queued behind the running ones.
     */
    private final HashSet<WorkerTask> executing = new HashSet<>();
    /** Exactly the seceded running tasks: LONG_RUNNING, or CANCELLED/RESUMED from LONG_RUNNING. */
    private final HashSet<WorkerTask> longRunning = new HashSet<>();

    /**
     * Seceded tasks whose threads called rejoin and wait for a slot, in arrival order; each is in
     * {@link #longRunning} (or was cancelled meanwhile, and is answered at once when served). Served before READY
     * tasks when a slot frees: a task already holding a thread and its memory finishes first.
     */
    private final java.util.ArrayDeque<WorkerTask> rejoining = new java.util.ArrayDeque<>();
    /** Exactly the tasks being transferred: FLIGHT, or CANCELLED/RESUMED from FLIGHT. */
    private final HashSet<WorkerTask> inFlightTasks = new HashSet<>();
    /** Exactly the MISSING tasks, in the order they went missing. */
    private final LinkedHashSet<WorkerTask> missing = new LinkedHashSet<>();
    /**
     * Average run time (exponential, weight 1/2) of the tasks of each key prefix (the text before the key's last
     * '-', as the scheduler pools them): what decides whether a ready task is short enough to run ahead.
     */
    private final HashMap<String, Long> prefixDurations = new HashMap<>();
    /** Resources not held by running tasks; total minus the sum over executing and long-running. */
    private final HashMap<String, Double> availableResources;
    /** Number of FETCH tasks. */
    private int fetchCount;
    /** Number of peers with an outstanding GatherDep. */
    private int inFlightPeerCount;
    /** Sum of {@link Peer#inFlightBytes} over all peers. */
    private long transferIncomingBytes;
    /** Sum of nbytes over MEMORY tasks. */
    private long nbytesInMemory;
    /** Decremented on every accepted ComputeTask; newer requests win priority ties (as in Dask). */
    private long generation;
    /** Source of {@link WorkerTask#seq}. */
    private long taskSeq;

    private long transitionCounter;
    private final Random rng;
    private final BoundedLog<Transition> transitionLog;
    private final BoundedLog<WorkerEvent> eventLog;

    // Scratch for the event being handled; empty between calls to handle().

    /** Pending recommendations; drained last-in first-out. */
    private final LinkedHashMap<WorkerTask, Rec> recs = new LinkedHashMap<>();
    /** Recommendations made by the transitions in progress, for their log entries. */
    private final ArrayList<WorkerTask> recTasks = new ArrayList<>();

    private final ArrayList<WorkerTaskState> recStates = new ArrayList<>();
    /** Tasks whose value the shell stored for this event; those not in MEMORY at the end are dropped. */
    private final ArrayList<WorkerTask> arrivals = new ArrayList<>();
    /** Keys whose values the shell must drop; emitted as one DropData at the end of the event. */
    private final ArrayList<String> drops = new ArrayList<>();
    /** MEMORY keys this event's FreeKeys released: the scheduler already knows this worker lets them go. */
    private final java.util.HashSet<String> freedByScheduler = new java.util.HashSet<>();
    /** Tasks that went MISSING during this event; the scheduler is asked about them at the end. */
    private final ArrayList<WorkerTask> newlyMissing = new ArrayList<>();

    private List<WorkerInstruction> out;
    private String stimulusId;
    private long now;
    private long eventTransitions;
    /**
     * The number of tasks when the current event started. The loop guard allows 64 transitions per task, counting
     * the larger of this and the current number: an event that forgets thousands of tasks must not shrink its own
     * allowance as it goes, and one that creates thousands must grow it.
     */
    private long eventStartTasks;

    private WorkerState(Builder b) {
        this.address = b.address;
        this.host = Peer.hostOf(b.address);
        this.nthreads = b.nthreads;
        this.totalResources = Copies.map(b.resources, "resources");
        this.availableResources = new HashMap<>(totalResources);
        this.transferIncomingCountLimit = b.transferIncomingCountLimit;
        this.transferIncomingBytesLimit = b.transferIncomingBytesLimit;
        this.transferMessageBytesLimit = b.transferMessageBytesLimit;
        this.defaultNbytes = b.defaultNbytes;
        this.transitionCounterMax = b.transitionCounterMax;
        this.executeAhead = b.executeAhead;
        this.shortTaskNanos = b.shortTaskNanos;
        this.rng = new Random(b.seed);
        this.transitionLog = new BoundedLog<>(b.transitionLogCapacity);
        this.eventLog = new BoundedLog<>(b.eventLogCapacity);
    }

    /** Starts the options of a worker state for the worker listening at {@code address}. */
    public static Builder builder(String address) {
        return new Builder(address);
    }

    // ---------------------------------------------------------------------------------------------
    // The one door in

    /**
     * Handles events in order and returns what the shell must do, in order. The instructions of one
     * event come before those of the next.
     *
     * @throws InvalidTransition on an impossible transition (a bug, or an event the shell should
     *     not have sent); the state must then be discarded
     */
    public List<WorkerInstruction> handle(WorkerEvent... events) {
        var instructions = new ArrayList<WorkerInstruction>();
        for (WorkerEvent ev : events) handleOne(Objects.requireNonNull(ev, "event"), instructions);
        return instructions;
    }

    /** Same as {@link #handle(WorkerEvent...)} for a list of events. */
    public List<WorkerInstruction> handle(List<? extends WorkerEvent> events) {
        var instructions = new ArrayList<WorkerInstruction>();
        for (WorkerEvent ev : events) handleOne(Objects.requireNonNull(ev, "event"), instructions);
        return instructions;
    }

    private void handleOne(WorkerEvent ev, List<WorkerInstruction> instructions) {
        eventLog.add(ev);
        out = instructions;
        stimulusId = ev.stimulusId();
        now = ev.now();
        eventTransitions = 0;
        eventStartTasks = tasks.size();
        try {
            switch (ev) {
                case ComputeTask e -> onComputeTask(e);
                case FreeKeys e -> onFreeKeys(e);
                case CancelCompute e -> onCancelCompute(e);
                case ExecuteSuccess e -> onExecuteSuccess(e);
                case ExecuteFailure e -> onExecuteFailure(e);
                case ExecuteSkipped e -> onExecuteSkipped(e);
                case StillRunning e -> onStillRunning(e);
                case Secede e -> onSecede(e);
                case Rejoin e -> onRejoin(e);
                case GatherDepSuccess e -> onGatherDepSuccess(e);
                case GatherDepBusy e -> onGatherDepBusy(e);
                case GatherDepNetworkFailure e -> onGatherDepNetworkFailure(e);
                case GatherDepFailure e -> onGatherDepFailure(e);
                case RetryBusyWorker e -> onRetryBusyWorker(e);
                case UpdateData e -> onUpdateData(e);
                case AcquireReplicas e -> onAcquireReplicas(e);
                case RemoveReplicas e -> onRemoveReplicas(e);
                case RefreshWhoHas e -> onRefreshWhoHas(e);
                case PeerRemoved e -> onPeerRemoved(e);
                case StealRequest e -> onStealRequest(e);
                case FindMissing e -> onFindMissing();
            }
            drain();
            ensureCommunicating();
            drain();
            finishEvent();
        } finally {
            out = null;
            recs.clear();
            recTasks.clear();
            recStates.clear();
            arrivals.clear();
            drops.clear();
            freedByScheduler.clear();
            newlyMissing.clear();
        }
    }

    /**
     * Test hook (package-private on purpose, never part of the API): drains one recommendation as
     * if an event had made it, to reach edges no valid event sequence reaches.
     */
    List<WorkerInstruction> recommendForTest(String key, WorkerTaskState to, String stimulus) {
        var instructions = new ArrayList<WorkerInstruction>();
        out = instructions;
        stimulusId = stimulus;
        eventTransitions = 0;
        eventStartTasks = tasks.size();
        try {
            recommend(Objects.requireNonNull(tasks.get(key), key), to);
            drain();
            finishEvent();
        } finally {
            out = null;
            recs.clear();
            recTasks.clear();
            recStates.clear();
            arrivals.clear();
            drops.clear();
            newlyMissing.clear();
        }
        return instructions;
    }

    private void finishEvent() {
        for (WorkerTask t : arrivals) {
            if (t.valueArrived) {
                t.valueArrived = false;
                if (t.state != MEMORY) drops.add(t.key);
            }
        }
        if (!drops.isEmpty()) {
            var keys = new LinkedHashSet<String>();
            for (String k : drops) {
                WorkerTask t = tasks.get(k);
                // A value that is (again) in MEMORY is the shell's current one: keep it.
                if (t == null || t.state != MEMORY) keys.add(k);
            }
            if (!keys.isEmpty()) out.add(new DropData(List.copyOf(keys), stimulusId));
        }
        if (!newlyMissing.isEmpty()) {
            var keys = new LinkedHashSet<String>();
            for (WorkerTask t : newlyMissing) if (t.state == MISSING) keys.add(t.key);
            if (!keys.isEmpty()) out.add(new RequestRefreshWhoHasMsg(List.copyOf(keys), stimulusId));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Event handlers: turn an event into recommendations (and sometimes instructions)

    private void onComputeTask(ComputeTask e) {
        if (e.nbytes().containsKey(e.key()) || e.whoHas().containsKey(e.key())) {
            throw new IllegalArgumentException("ComputeTask '" + e.key() + "' lists itself as a dependency (stimulus "
                    + stimulusId + "); a task cannot depend on itself");
        }
        WorkerTask ts = tasks.get(e.key());
        if (ts == null) ts = newTask(e.key());
        ts.freed = false;
        // Every request counts, a duplicate too: the answer echoes the latest assignment (see WorkerTask#runId).
        ts.runId = e.runId();
        switch (ts.state) {
            case WAITING, READY, CONSTRAINED, EXECUTING, LONG_RUNNING -> {
                // Already on it: a duplicate request.
            }
            case MEMORY -> out.add(finishedMsg(ts));
            case RELEASED, FETCH, FLIGHT, MISSING, CANCELLED, RESUMED, ERROR -> {
                recommend(ts, WAITING);
                ts.runSpec = e.runSpec();
                setPriority(ts, e.priority(), generation--);
                ts.error = null;
                // A cancelled task still running holds the resources it was started with; keep them so
                // they are returned correctly when it finishes (as Dask does).
                boolean stillRunning = (ts.state == CANCELLED || ts.state == RESUMED) && isRunning(ts);
                if (!stillRunning) ts.resources = e.resources();
                for (var dep : e.nbytes().entrySet()) {
                    WorkerTask d = ensureTaskExists(dep.getKey(), ts.priority, ts.generation);
                    if (d.state != MEMORY) d.nbytes = dep.getValue();
                    link(ts, d);
                }
                for (String depKey : e.whoHas().keySet()) {
                    if (!e.nbytes().containsKey(depKey)) {
                        link(ts, ensureTaskExists(depKey, ts.priority, ts.generation));
                    }
                }
                updateWhoHas(e.whoHas());
            }
            case FORGOTTEN -> throw new IllegalStateException("forgotten task in the task map: " + ts);
        }
    }

    private void onFreeKeys(FreeKeys e) {
        for (String key : e.keys()) {
            WorkerTask ts = tasks.get(key);
            if (ts == null) continue;
            boolean kept = hasUsingDependent(ts);
            if (kept) ts.freed = true;
            else {
                recommend(ts, RELEASED);
                if (ts.state == MEMORY) freedByScheduler.add(key);
            }
            // A run the scheduler dropped (it becomes or stays CANCELLED) is asked to stop early; one a local
            // dependent still needs runs on.
            if (isRunning(ts) && (!kept || ts.state == CANCELLED)) out.add(new CancelExecution(key, stimulusId));
        }
    }

    /**
     * A task not started yet is released; a running one is asked to stop (the state keeps it until its thread
     * returns, and the scheduler ignores the answer of a cancelled run).
     */
    private void onCancelCompute(CancelCompute e) {
        WorkerTask ts = tasks.get(e.key());
        if (ts != null && (ts.state == WAITING || ts.state == READY || ts.state == CONSTRAINED)) {
            recommend(ts, RELEASED);
        }
        if (ts != null && isRunning(ts)) out.add(new CancelExecution(ts.key, stimulusId));
    }

    /**
     * A cancel took the task out of line before it started. If it was asked for again meanwhile (cancelled and then
     * resumed, so EXECUTING again), it goes back in line; otherwise the run ended without a value.
     */
    private void onExecuteSkipped(ExecuteSkipped e) {
        WorkerTask ts = tasks.get(e.key());
        if (ts != null && ts.state == EXECUTING) {
            out.add(new Execute(ts.key, ts.runId, stimulusId));
            return;
        }
        onExecuteFailure(new ExecuteFailure(e.key(), e.error(), e.stimulusId(), e.now()));
    }

    /** The scheduler learns that these tasks run, unless their run ended or was dropped meanwhile. */
    private void onStillRunning(StillRunning e) {
        for (String key : e.keys()) {
            WorkerTask ts = tasks.get(key);
            if (ts != null && isRunning(ts)) out.add(new TaskStartedMsg(key, stimulusId));
        }
    }

    private void onExecuteSuccess(ExecuteSuccess e) {
        WorkerTask ts = tasks.get(e.key());
        if (ts == null || !isRunning(ts)) {
            // Not ours (any more): the value the shell stored must go, unless it is our MEMORY copy.
            if (ts == null || ts.state != MEMORY) drops.add(e.key());
            return;
        }
        recordDuration(ts, e.stop() - e.start()); // before executeDone hands the freed thread on
        executeDone(ts);
        ts.nbytes = e.nbytes();
        ts.typeName = e.typeName();
        ts.startTime = e.start();
        ts.stopTime = e.stop();
        ts.valueArrived = true;
        arrivals.add(ts);
        recommend(ts, MEMORY);
    }

    private void onExecuteFailure(ExecuteFailure e) {
        WorkerTask ts = tasks.get(e.key());
        if (ts == null || !isRunning(ts)) return;
        executeDone(ts);
        recommend(ts, ERROR, e.error());
    }

    private void onSecede(Secede e) {
        WorkerTask ts = tasks.get(e.key());
        if (ts != null && executing.contains(ts)) recommend(ts, LONG_RUNNING);
    }

    /**
     * A seceded task's thread wants a slot again: it gets one now if one is free, else waits in {@link #rejoining}.
     * A task that is not seceded (never did, or was cancelled or forgotten) is answered at once: its thread must not
     * block for a slot it never gave back.
     */
    private void onRejoin(Rejoin e) {
        WorkerTask ts = tasks.get(e.key());
        if (ts == null || !longRunning.contains(ts) || ts.state != LONG_RUNNING) {
            out.add(new Rejoined(e.key(), stimulusId));
            return;
        }
        if (!rejoining.contains(ts)) rejoining.addLast(ts);
        ensureComputing();
    }

    /** LONG_RUNNING -> EXECUTING: a rejoining task took a free slot (moved between the sets by ensureComputing). */
    private void longRunningToExecuting(WorkerTask ts, Object arg) {
        ts.state = EXECUTING;
        out.add(new Rejoined(ts.key, stimulusId));
    }

    private void onGatherDepSuccess(GatherDepSuccess e) {
        Peer p = peers.get(e.peer());
        List<WorkerTask> flight = gatherDone(p);
        if (flight != null) {
            for (WorkerTask ts : flight) {
                Long n = e.received().get(ts.key);
                if (n != null) {
                    ts.nbytes = n;
                    ts.valueArrived = true;
                    arrivals.add(ts);
                    recommend(ts, MEMORY);
                } else {
                    // The peer no longer has it.
                    removeHolder(ts, p);
                    recommend(ts, FETCH);
                }
            }
        }
        for (String key : e.received().keySet()) {
            WorkerTask ts = tasks.get(key);
            if (ts == null || (!ts.valueArrived && ts.state != MEMORY)) drops.add(key);
        }
        // The scheduler named the peer as a holder: it must stop believing so.
        for (String key : e.missing()) out.add(new MissingDataMsg(key, e.peer(), stimulusId));
        if (p != null) maybeDropPeer(p);
    }

    private void onGatherDepBusy(GatherDepBusy e) {
        Peer p = peers.get(e.peer());
        List<WorkerTask> flight = gatherDone(p);
        if (flight == null) return;
        p.busy = true;
        var refresh = new ArrayList<String>();
        for (WorkerTask ts : flight) {
            recommend(ts, FETCH);
            boolean someoneIdle = false;
            for (Peer h : ts.whoHas) someoneIdle |= !h.busy;
            if (!someoneIdle) refresh.add(ts.key);
        }
        out.add(new RetryBusyWorkerLater(p.address, stimulusId));
        if (!refresh.isEmpty()) out.add(new RequestRefreshWhoHasMsg(refresh, stimulusId));
    }

    private void onGatherDepNetworkFailure(GatherDepNetworkFailure e) {
        Peer p = peers.get(e.peer());
        List<WorkerTask> flight = gatherDone(p);
        if (flight == null) return;
        for (WorkerTask ts : flight) recommend(ts, FETCH);
        forgetPeer(p);
    }

    private void onGatherDepFailure(GatherDepFailure e) {
        Peer p = peers.get(e.peer());
        List<WorkerTask> flight = gatherDone(p);
        if (flight == null) return;
        var failure = new FetchFailed(p.address, e.error());
        for (WorkerTask ts : flight) recommend(ts, ERROR, failure);
        maybeDropPeer(p);
    }

    private void onRetryBusyWorker(RetryBusyWorker e) {
        Peer p = peers.get(e.peer());
        if (p == null) return;
        p.busy = false;
        maybeDropPeer(p);
    }

    private void onUpdateData(UpdateData e) {
        for (var entry : e.data().entrySet()) {
            WorkerTask ts = tasks.get(entry.getKey());
            if (ts == null) ts = newTask(entry.getKey());
            long n = entry.getValue();
            switch (ts.state) {
                case MEMORY -> {
                    // The shell replaced the value; only the size may change.
                    nbytesInMemory += n - ts.nbytes;
                    ts.nbytes = n;
                }
                case EXECUTING, LONG_RUNNING, FLIGHT, CANCELLED, RESUMED -> {
                    // A thread or transfer is producing this key already; it will deliver. Drop the copy.
                    ts.valueArrived = true;
                    arrivals.add(ts);
                }
                default -> {
                    ts.nbytes = n;
                    ts.valueArrived = true;
                    arrivals.add(ts);
                    recommend(ts, MEMORY);
                }
            }
        }
    }

    private void onAcquireReplicas(AcquireReplicas e) {
        for (String key : e.whoHas().keySet()) {
            WorkerTask ts = ensureTaskExists(key, REPLICA_PRIORITY, 0);
            ts.freed = false;
            if (ts.state != MEMORY) {
                Long n = e.nbytes().get(key);
                if (n != null) ts.nbytes = n;
                recommend(ts, FETCH);
            }
        }
        updateWhoHas(e.whoHas());
    }

    private void onRemoveReplicas(RemoveReplicas e) {
        for (String key : e.keys()) {
            WorkerTask ts = tasks.get(key);
            if (ts == null || ts.state != MEMORY) continue;
            if (hasUsingDependent(ts)) ts.freed = true;
            else recommend(ts, RELEASED);
        }
    }

    private void onRefreshWhoHas(RefreshWhoHas e) {
        updateWhoHas(e.whoHas());
    }

    private void onPeerRemoved(PeerRemoved e) {
        Peer p = peers.get(e.peer());
        if (p != null) forgetPeer(p);
    }

    private void onStealRequest(StealRequest e) {
        WorkerTask ts = tasks.get(e.key());
        WorkerTaskState state = ts == null ? null : ts.state;
        out.add(new StealResponseMsg(e.key(), state, stimulusId));
        if (state == WAITING || state == READY || state == CONSTRAINED) recommend(ts, RELEASED);
    }

    private void onFindMissing() {
        if (missing.isEmpty()) return;
        var keys = new ArrayList<String>(missing.size());
        for (WorkerTask t : missing) keys.add(t.key);
        out.add(new RequestRefreshWhoHasMsg(keys, stimulusId));
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers of the handlers

    private WorkerTask newTask(String key) {
        var ts = new WorkerTask(key, taskSeq++);
        tasks.put(key, ts);
        return ts;
    }

    private WorkerTask ensureTaskExists(String key, Priority priority, long gen) {
        WorkerTask ts = tasks.get(key);
        if (ts == null) ts = newTask(key);
        if (ts.priority == null) {
            ts.priority = priority;
            ts.generation = gen;
        }
        return ts;
    }

    private static void link(WorkerTask dependent, WorkerTask dependency) {
        dependent.dependencies.add(dependency);
        dependency.dependents.add(dependent);
    }

    /** Changes a task's sort keys without corrupting the ordered collections it sits in. */
    private void setPriority(WorkerTask ts, Priority priority, long gen) {
        boolean queued = ts.state == FETCH;
        if (queued) for (Peer p : ts.whoHas) p.dataNeeded.remove(ts);
        TaskHeap heap = ready.remove(ts) ? ready : constrained.remove(ts) ? constrained : null;
        ts.priority = priority;
        ts.generation = gen;
        if (queued) for (Peer p : ts.whoHas) p.dataNeeded.add(ts);
        if (heap != null) heap.add(ts);
    }

    /**
     * Makes each listed task's holders exactly the listed peers (minus this worker), keeping the
     * peers' indexes in step, and recommends FETCH -> MISSING or MISSING -> FETCH where the change
     * calls for it.
     */
    private void updateWhoHas(Map<String, List<String>> whoHas) {
        for (var entry : whoHas.entrySet()) {
            WorkerTask ts = tasks.get(entry.getKey());
            // A key may have been forgotten while the scheduler's answer was on its way.
            if (ts == null) continue;
            List<String> addresses = entry.getValue();
            if (!ts.whoHas.isEmpty()) {
                for (Peer p : new ArrayList<>(ts.whoHas)) {
                    if (!addresses.contains(p.address)) {
                        removeHolder(ts, p);
                        maybeDropPeer(p);
                    }
                }
            }
            for (String a : addresses) {
                if (a.equals(address)) continue;
                Peer p = peers.get(a);
                if (p == null) {
                    p = new Peer(a);
                    peers.put(a, p);
                }
                if (ts.whoHas.add(p)) {
                    p.hasWhat.add(ts);
                    if (ts.state == FETCH) p.dataNeeded.add(ts);
                }
            }
            Rec pending = recs.get(ts);
            if (ts.state == FETCH && ts.whoHas.isEmpty() && (pending == null || pending.to == FETCH)) {
                recommend(ts, MISSING);
            } else if (ts.state == MISSING && !ts.whoHas.isEmpty() && pending == null) {
                recommend(ts, FETCH);
            }
        }
    }

    private void removeHolder(WorkerTask ts, Peer p) {
        if (ts.whoHas.remove(p)) {
            p.hasWhat.remove(ts);
            if (ts.state == FETCH) p.dataNeeded.remove(ts);
        }
    }

    /** The peer is gone: nobody holds anything there any more. FETCH tasks left with no holder go MISSING. */
    private void forgetPeer(Peer p) {
        for (WorkerTask ts : new ArrayList<>(p.hasWhat)) {
            removeHolder(ts, p);
            if (ts.state == FETCH && ts.whoHas.isEmpty()) recommend(ts, MISSING);
        }
        p.busy = false;
        maybeDropPeer(p);
    }

    private void maybeDropPeer(Peer p) {
        if (p.isUnused()) peers.remove(p.address);
    }

    /**
     * Common part of the four GatherDep outcomes: closes the transfer from {@code p} and marks its
     * tasks done. Returns null if there was no transfer from {@code p} (a stale or duplicate event).
     */
    private List<WorkerTask> gatherDone(Peer p) {
        if (p == null || p.inFlight == null) return null;
        var flight = new ArrayList<>(p.inFlight);
        transferIncomingBytes -= p.inFlightBytes;
        inFlightPeerCount--;
        p.inFlight = null;
        p.inFlightBytes = 0;
        for (WorkerTask ts : flight) {
            ts.done = true;
            ts.comingFrom = null;
            inFlightTasks.remove(ts);
        }
        return flight;
    }

    /** Common part of ExecuteSuccess and ExecuteFailure: frees the thread and its resources. */
    private void executeDone(WorkerTask ts) {
        ts.done = true;
        releaseResources(ts);
        executing.remove(ts);
        longRunning.remove(ts);
        ensureComputing();
    }

    private boolean isRunning(WorkerTask ts) {
        return executing.contains(ts) || longRunning.contains(ts);
    }

    /** Whether {@code d} needs the values of its dependencies now or later. */
    private static boolean usesDependencies(WorkerTask d) {
        return switch (d.state) {
            case WAITING, READY, CONSTRAINED, EXECUTING, LONG_RUNNING -> true;
            case CANCELLED, RESUMED -> d.previous == EXECUTING || d.previous == LONG_RUNNING;
            default -> false;
        };
    }

    private static boolean hasUsingDependent(WorkerTask ts) {
        for (WorkerTask d : ts.dependents) if (usesDependencies(d)) return true;
        return false;
    }

    private long sizeOf(WorkerTask ts) {
        return ts.nbytes >= 0 ? ts.nbytes : defaultNbytes;
    }

    private TaskFinishedMsg finishedMsg(WorkerTask ts) {
        return new TaskFinishedMsg(ts.key, ts.runId, ts.nbytes, ts.typeName, ts.startTime, ts.stopTime, stimulusId);
    }

    // ---------------------------------------------------------------------------------------------
    // Recommendations and the transition engine

    private void recommend(WorkerTask ts, WorkerTaskState to) {
        recs.put(ts, PLAIN_RECS[to.ordinal()]);
        recTasks.add(ts);
        recStates.add(to);
    }

    private void recommend(WorkerTask ts, WorkerTaskState to, Object arg) {
        recs.put(ts, arg == null ? PLAIN_RECS[to.ordinal()] : new Rec(to, arg));
        recTasks.add(ts);
        recStates.add(to);
    }

    private void drain() {
        while (!recs.isEmpty()) {
            recTasks.clear();
            recStates.clear();
            var e = recs.pollLastEntry();
            transition(e.getKey(), e.getValue().to, e.getValue().arg);
        }
    }

    private void transition(WorkerTask ts, WorkerTaskState to, Object arg) {
        WorkerTaskState from = ts.state;
        if (from == to) return;
        countTransition(ts, from, to);
        int mark = recTasks.size();
        boolean used = usesDependencies(ts);
        Edge edge = TRANSITIONS.get(from).get(to);
        if (edge != null) {
            edge.apply(this, ts, arg);
        } else if (from != RELEASED && to != RELEASED) {
            try {
                transition(ts, RELEASED, null);
                Rec r;
                while ((r = recs.remove(ts)) != null) {
                    // The way through RELEASED must not forget the task it is trying to move.
                    if (r.to != FORGOTTEN) transition(ts, r.to, r.arg);
                }
                transition(ts, to, arg);
            } catch (InvalidTransition e) {
                throw new InvalidTransition(ts.key, from, to, stimulusId, story(ts.key), e);
            }
        } else {
            throw new InvalidTransition(ts.key, from, to, stimulusId, story(ts.key), null);
        }
        if (used && !usesDependencies(ts)) releaseFreedDependencies(ts);
        log(ts, from, to, mark);
    }

    private void countTransition(WorkerTask ts, WorkerTaskState from, WorkerTaskState to) {
        transitionCounter++;
        eventTransitions++;
        if (transitionCounterMax > 0 && transitionCounter > transitionCounterMax) {
            throw new TransitionCounterMaxExceeded(
                    ts.key, from, to, stimulusId, transitionCounter, transitionCounterMax, story(ts.key));
        }
        if (eventTransitions > 1000) {
            long cap = 1000 + 64L * Math.max(eventStartTasks, tasks.size());
            if (eventTransitions > cap) {
                throw new TransitionCounterMaxExceeded(
                        ts.key, from, to, stimulusId, eventTransitions, cap, story(ts.key));
            }
        }
    }

    private void log(WorkerTask ts, WorkerTaskState from, WorkerTaskState to, int mark) {
        int n = recTasks.size() - mark;
        Map<String, WorkerTaskState> made;
        if (n <= 0) {
            made = Map.of();
        } else if (n == 1) {
            made = Map.of(recTasks.get(mark).key, recStates.get(mark));
        } else {
            var m = new LinkedHashMap<String, WorkerTaskState>();
            for (int i = mark; i < recTasks.size(); i++) m.put(recTasks.get(i).key, recStates.get(i));
            made = Collections.unmodifiableMap(m);
        }
        if (n > 0) {
            recTasks.subList(mark, recTasks.size()).clear();
            recStates.subList(mark, recStates.size()).clear();
        }
        transitionLog.add(new Transition(ts.key, from, to, ts.state, made, stimulusId, now));
    }

    /** {@code ts} stopped needing its inputs: release the ones only it was keeping (see freed). */
    private void releaseFreedDependencies(WorkerTask ts) {
        for (WorkerTask dep : ts.dependencies) {
            if (!dep.freed || hasUsingDependent(dep)) continue;
            // A freed dependency that is RELEASED already would get a no-op recommendation and keep its
            // freed flag with nobody left to use it (property test seed 6981290562462); clear it here,
            // as the transition to RELEASED would have.
            if (dep.state == RELEASED) dep.freed = false;
            else recommend(dep, RELEASED);
        }
    }

    /** Starts ready tasks while threads (and, for constrained ones, resources) allow. */
    private void ensureComputing() {
        while (executing.size() < nthreads && !rejoining.isEmpty()) {
            WorkerTask ts = rejoining.pollFirst();
            if (ts.state == LONG_RUNNING && longRunning.remove(ts)) {
                executing.add(ts);
                recommend(ts, EXECUTING);
            } else {
                out.add(new Rejoined(ts.key, stimulusId)); // cancelled or done meanwhile: just let its thread go on
            }
        }
        ArrayList<WorkerTask> chosen = null;
        while (executing.size() < nthreads) {
            WorkerTask ts = nextReadyTask();
            if (ts == null) break;
            acquireResources(ts);
            executing.add(ts);
            if (chosen == null) chosen = new ArrayList<>();
            chosen.add(ts);
        }
        // Execute ahead: with every thread busy, a few more short tasks are handed over, to run on the next thread that
        // frees in the order given here. A stream of short tasks then runs back to back, without a thread waiting for
        // this state between two of them. Only READY tasks (a CONSTRAINED one would hold its resources while it
        // waits), only ones known to be short, and never past a higher-priority CONSTRAINED task.
        while (executing.size() < nthreads + executeAhead && rejoining.isEmpty()) {
            WorkerTask ts = ready.peek();
            if (ts == null || !isShort(ts)) break;
            WorkerTask c = constrained.peek();
            if (c != null && WorkerTask.ORDER.compare(c, ts) < 0) break;
            ready.poll();
            executing.add(ts);
            if (chosen == null) chosen = new ArrayList<>();
            chosen.add(ts);
        }
        // Recommendations drain last-in first-out: recommended in reverse, the Execute instructions come out in the
        // order chosen, which is the order the task threads take them in.
        if (chosen != null) {
            for (int i = chosen.size() - 1; i >= 0; i--) recommend(chosen.get(i), EXECUTING);
        }
    }

    /** Whether the tasks of {@code ts}'s prefix ran shorter than {@link #shortTaskNanos} on average. */
    private boolean isShort(WorkerTask ts) {
        Long avg = prefixDurations.get(prefixOf(ts));
        return avg != null && avg < shortTaskNanos;
    }

    private void recordDuration(WorkerTask ts, long nanos) {
        if (executeAhead == 0 || nanos < 0) return;
        if (prefixDurations.size() >= MAX_PREFIXES && !prefixDurations.containsKey(prefixOf(ts))) {
            prefixDurations.clear(); // a run of one-off key names; start learning again
        }
        prefixDurations.merge(prefixOf(ts), nanos, (old, now) -> (old + now) / 2);
    }

    private static String prefixOf(WorkerTask ts) {
        if (ts.prefix == null) {
            ts.prefix = io.jdask.TaskRecord.functionNameOf(ts.key);
        }
        return ts.prefix;
    }

    /** Prefixes whose durations are kept at most. */
    static final int MAX_PREFIXES = 10_000;

    private WorkerTask nextReadyTask() {
        WorkerTask r = ready.peek();
        WorkerTask c = constrained.peek();
        if (c != null && resourcesSatisfied(c) && (r == null || WorkerTask.ORDER.compare(c, r) < 0)) {
            return constrained.poll();
        }
        return ready.poll();
    }

    private boolean resourcesSatisfied(WorkerTask ts) {
        for (var e : ts.resources.entrySet()) {
            if (availableResources.getOrDefault(e.getKey(), 0.0) < e.getValue()) return false;
        }
        return true;
    }

    private void acquireResources(WorkerTask ts) {
        for (var e : ts.resources.entrySet()) {
            availableResources.merge(e.getKey(), -e.getValue(), Double::sum);
        }
    }

    private void releaseResources(WorkerTask ts) {
        for (var e : ts.resources.entrySet()) {
            availableResources.merge(e.getKey(), e.getValue(), Double::sum);
        }
    }

    private boolean throttled() {
        return inFlightPeerCount >= transferIncomingCountLimit || transferIncomingBytes >= transferIncomingBytesLimit;
    }

    /**
     * Plans transfers: FETCH tasks go into one GatherDep per peer, peers taken in order of (best
     * task they hold, same host first, most tasks wanted, seeded random), skipping peers that are
     * busy or already sending, until the count or byte limits for incoming transfers are reached.
     */
    private void ensureCommunicating() {
        if (fetchCount == 0 || throttled()) return;
        var heap = new PriorityQueue<Candidate>(WorkerState::compareCandidates);
        for (Peer p : peers.values()) {
            if (!p.dataNeeded.isEmpty() && p.inFlight == null && !p.busy) {
                heap.add(new Candidate(
                        p, p.dataNeeded.first(), !p.host.equals(host), p.dataNeeded.size(), rng.nextDouble()));
            }
        }
        while (!heap.isEmpty()) {
            Candidate c = heap.poll();
            Peer p = c.peer;
            if (p.dataNeeded.isEmpty()) continue;
            if (p.dataNeeded.size() != c.count) {
                // Tasks it holds were taken from another peer meanwhile: re-rank it.
                heap.add(new Candidate(p, p.dataNeeded.first(), c.remote, p.dataNeeded.size(), c.tieBreak));
                continue;
            }
            var chosen = new LinkedHashSet<WorkerTask>();
            long bytes = 0;
            while (!p.dataNeeded.isEmpty()) {
                WorkerTask ts = p.dataNeeded.first();
                if (exceedsTransferLimits(ts, bytes)) break;
                for (Peer h : ts.whoHas) h.dataNeeded.remove(ts);
                chosen.add(ts);
                bytes += sizeOf(ts);
            }
            if (chosen.isEmpty()) break;
            var keys = new LinkedHashSet<String>();
            for (WorkerTask ts : chosen) {
                recommend(ts, FLIGHT, p);
                keys.add(ts.key);
            }
            p.inFlight = chosen;
            p.inFlightBytes = bytes;
            inFlightPeerCount++;
            transferIncomingBytes += bytes;
            out.add(new GatherDep(p.address, keys, bytes, stimulusId));
            if (throttled()) break;
        }
    }

    private boolean exceedsTransferLimits(WorkerTask ts, long messageBytes) {
        // With nothing else coming in, the best task is fetched whatever its size, so we progress.
        if (transferIncomingBytes == 0 && messageBytes == 0) return false;
        long allowance = transferIncomingBytesLimit - transferIncomingBytes;
        if (messageBytes != 0) allowance = Math.min(allowance, transferMessageBytesLimit) - messageBytes;
        return sizeOf(ts) > allowance;
    }

    // ---------------------------------------------------------------------------------------------
    // Transitions, one per edge

    private void releasedToWaiting(WorkerTask ts, Object arg) {
        ts.waitingForData.clear();
        for (WorkerTask dep : ts.dependencies) {
            if (dep.state != MEMORY) {
                ts.waitingForData.add(dep);
                dep.waiters.add(ts);
                recommend(dep, FETCH);
            }
        }
        if (ts.waitingForData.isEmpty()) recommend(ts, READY);
        ts.state = WAITING;
    }

    private void releasedToFetch(WorkerTask ts, Object arg) {
        genericFetch(ts);
    }

    private void releasedToMissing(WorkerTask ts, Object arg) {
        genericMissing(ts);
    }

    private void releasedToMemory(WorkerTask ts, Object arg) {
        // Scatter: the scheduler made this happen and needs no report.
        toMemory(ts, MemoryReport.NONE);
    }

    private void releasedToError(WorkerTask ts, Object arg) {
        genericError(ts, errorOf(arg));
    }

    private void releasedToForgotten(WorkerTask ts, Object arg) {
        if (!ts.dependents.isEmpty()) return; // a dependent appeared since: stay RELEASED
        for (WorkerTask dep : ts.dependencies) {
            dep.dependents.remove(ts);
            if (dep.state == RELEASED && dep.dependents.isEmpty()) recommend(dep, FORGOTTEN);
        }
        purge(ts);
        ts.state = FORGOTTEN;
        tasks.remove(ts.key);
    }

    private void waitingToReady(WorkerTask ts, Object arg) {
        if (!ts.resources.isEmpty()) {
            recommend(ts, CONSTRAINED);
            return;
        }
        ts.state = READY;
        ready.add(ts);
        ensureComputing();
    }

    private void waitingToConstrained(WorkerTask ts, Object arg) {
        ts.state = CONSTRAINED;
        constrained.add(ts);
        ensureComputing();
    }

    private void waitingToError(WorkerTask ts, Object arg) {
        for (WorkerTask dep : ts.waitingForData) dep.waiters.remove(ts);
        ts.waitingForData.clear();
        genericError(ts, errorOf(arg));
    }

    private void waitingToReleased(WorkerTask ts, Object arg) {
        genericReleased(ts);
    }

    private void readyToExecuting(WorkerTask ts, Object arg) {
        ts.state = EXECUTING;
        out.add(new Execute(ts.key, ts.runId, stimulusId));
    }

    private void readyToReleased(WorkerTask ts, Object arg) {
        genericReleased(ts);
    }

    private void constrainedToExecuting(WorkerTask ts, Object arg) {
        ts.state = EXECUTING;
        out.add(new Execute(ts.key, ts.runId, stimulusId));
    }

    private void constrainedToReleased(WorkerTask ts, Object arg) {
        genericReleased(ts);
    }

    /** EXECUTING or LONG_RUNNING -> MEMORY: the task returned. */
    private void executingToMemory(WorkerTask ts, Object arg) {
        ts.done = false;
        toMemory(ts, MemoryReport.TASK_FINISHED);
    }

    /** EXECUTING or LONG_RUNNING -> ERROR: the task threw. */
    private void executingToError(WorkerTask ts, Object arg) {
        ts.done = false;
        genericError(ts, errorOf(arg));
    }

    private void executingToLongRunning(WorkerTask ts, Object arg) {
        ts.state = LONG_RUNNING;
        executing.remove(ts);
        longRunning.add(ts);
        out.add(new LongRunningMsg(ts.key, ts.runId, stimulusId));
        ensureComputing();
    }

    /**
     * EXECUTING or LONG_RUNNING -> RELEASED: a thread cannot be stopped, so the task is CANCELLED
     * until it returns; its result is then thrown away.
     */
    private void executingToReleased(WorkerTask ts, Object arg) {
        if (ts.done) {
            ts.done = false;
            genericReleased(ts);
            return;
        }
        ts.previous = ts.state;
        ts.state = CANCELLED;
        ts.freed = false; // already on its way out
    }

    private void fetchToFlight(WorkerTask ts, Object arg) {
        ts.state = FLIGHT;
        ts.done = false;
        ts.comingFrom = (Peer) arg;
        inFlightTasks.add(ts);
        fetchCount--;
    }

    private void fetchToMissing(WorkerTask ts, Object arg) {
        fetchCount--;
        for (Peer p : ts.whoHas) p.dataNeeded.remove(ts);
        genericMissing(ts);
    }

    private void fetchToReleased(WorkerTask ts, Object arg) {
        genericReleased(ts); // purge takes it out of the peers' queues while it is still FETCH
        fetchCount--;
    }

    private void flightToMemory(WorkerTask ts, Object arg) {
        ts.done = false;
        toMemory(ts, MemoryReport.ADD_KEYS);
    }

    /** Only once the transfer ended (done): try another holder, or go MISSING. */
    private void flightToFetch(WorkerTask ts, Object arg) {
        if (!ts.done) return;
        genericFetch(ts);
    }

    private void flightToMissing(WorkerTask ts, Object arg) {
        genericMissing(ts);
    }

    /**
     * The value arrived broken. The key errs here and so do local tasks waiting for it: they can
     * never run. (The scheduler, told about the dependents, decides what happens next.)
     */
    private void flightToError(WorkerTask ts, Object arg) {
        ts.done = false;
        var failure = arg instanceof FetchFailed f ? f : new FetchFailed(null, arg);
        for (WorkerTask d : new ArrayList<>(ts.waiters)) {
            if (d.state == WAITING) {
                recommend(d, ERROR, new DependencyFetchError(ts.key, failure.peer(), failure.error()));
            }
        }
        genericError(ts, failure.error());
    }

    /** The transfer cannot be stopped: the task is CANCELLED until it ends, then released. */
    private void flightToReleased(WorkerTask ts, Object arg) {
        if (ts.done) {
            ts.done = false;
            genericReleased(ts);
            return;
        }
        ts.previous = FLIGHT;
        ts.state = CANCELLED;
        ts.freed = false; // already on its way out
    }

    private void missingToFetch(WorkerTask ts, Object arg) {
        if (ts.whoHas.isEmpty()) return;
        missing.remove(ts);
        genericFetch(ts);
    }

    private void missingToWaiting(WorkerTask ts, Object arg) {
        missing.remove(ts);
        purge(ts);
        releasedToWaiting(ts, arg);
    }

    private void missingToError(WorkerTask ts, Object arg) {
        missing.remove(ts);
        genericError(ts, errorOf(arg));
    }

    private void missingToReleased(WorkerTask ts, Object arg) {
        missing.remove(ts);
        genericReleased(ts);
    }

    private void memoryToReleased(WorkerTask ts, Object arg) {
        nbytesInMemory -= ts.nbytes;
        drops.add(ts.key);
        genericReleased(ts);
        // The scheduler forgets a holder before it sends FreeKeys, so telling it again would be one more message per
        // task that it ignores; every other release (a replica let go, a freed dependency no longer used) is told.
        if (!freedByScheduler.remove(ts.key)) {
            out.add(new ReleaseWorkerDataMsg(ts.key, stimulusId));
        }
    }

    private void errorToReleased(WorkerTask ts, Object arg) {
        genericReleased(ts);
    }

    /**
     * CANCELLED -> RELEASED, MEMORY, ERROR or MISSING: nothing happens until the execution or
     * transfer ended (done); then its outcome is thrown away and the task released.
     */
    private void cancelledToReleased(WorkerTask ts, Object arg) {
        if (!ts.done) return;
        ts.previous = null;
        ts.done = false;
        genericReleased(ts);
    }

    /** Asked to fetch a cancelled task. */
    private void cancelledToFetch(WorkerTask ts, Object arg) {
        if (ts.previous == FLIGHT) {
            if (ts.done) {
                recommend(ts, RELEASED); // the transfer just ended: forget its outcome, start over
            } else {
                ts.state = FLIGHT; // still coming: as if never cancelled
                ts.previous = null;
            }
        } else {
            ts.state = RESUMED; // still executing: take its result, or fetch if it fails
            ts.next = FETCH;
        }
    }

    /** Asked to compute a cancelled task. */
    private void cancelledToWaiting(WorkerTask ts, Object arg) {
        if (ts.done) {
            ts.previous = null;
            ts.done = false;
            genericReleased(ts);
            recommend(ts, WAITING);
            return;
        }
        switch (ts.previous) {
            case EXECUTING -> {
                ts.state = EXECUTING; // still running: as if never cancelled
                ts.previous = null;
            }
            case LONG_RUNNING -> {
                ts.state = LONG_RUNNING;
                ts.previous = null;
                // The scheduler forgot it seceded; tell it again.
                out.add(new LongRunningMsg(ts.key, ts.runId, stimulusId));
            }
            default -> {
                ts.state = RESUMED; // in flight: take the value, or compute if the transfer fails
                ts.next = WAITING;
            }
        }
    }

    /** CANCELLED or RESUMED -> LONG_RUNNING: a cancelled task seceded; the scheduler is not told. */
    private void cancelledToLongRunning(WorkerTask ts, Object arg) {
        if (ts.previous != EXECUTING && ts.previous != LONG_RUNNING) return;
        ts.previous = LONG_RUNNING;
        if (executing.remove(ts)) longRunning.add(ts);
        ensureComputing();
    }

    /**
     * The resumed task's first job succeeded. The scheduler expects the second one: from a finished
     * execution it expected a fetch (AddKeysMsg), from a finished transfer a computation
     * (TaskFinishedMsg).
     */
    private void resumedToMemory(WorkerTask ts, Object arg) {
        MemoryReport report = ts.previous == FLIGHT ? MemoryReport.TASK_FINISHED : MemoryReport.ADD_KEYS;
        ts.previous = null;
        ts.next = null;
        ts.done = false;
        toMemory(ts, report);
    }

    /** The first job failed: silently start the second one. */
    private void resumedToError(WorkerTask ts, Object arg) {
        recommend(ts, ts.previous == FLIGHT ? WAITING : FETCH);
        ts.state = RELEASED;
        ts.done = false;
        ts.previous = null;
        ts.next = null;
    }

    private void resumedToFetch(WorkerTask ts, Object arg) {
        if (ts.previous != FLIGHT) return; // executing, and will be fetched if that fails
        if (ts.done) {
            // The transfer ended without the value: compute it as the scheduler asked.
            ts.state = RELEASED;
            ts.done = false;
            ts.previous = null;
            ts.next = null;
            recommend(ts, WAITING);
        } else {
            ts.state = FLIGHT; // asked to fetch what is in flight: as if never cancelled
            ts.previous = null;
            ts.next = null;
        }
    }

    private void resumedToMissing(WorkerTask ts, Object arg) {
        recommend(ts, FETCH);
    }

    private void resumedToReleased(WorkerTask ts, Object arg) {
        if (ts.done) {
            ts.previous = null;
            ts.next = null;
            ts.done = false;
            genericReleased(ts);
            return;
        }
        ts.state = CANCELLED;
        ts.next = null;
        ts.freed = false;
    }

    // Shared transition bodies

    private void genericFetch(WorkerTask ts) {
        if (ts.whoHas.isEmpty()) {
            recommend(ts, MISSING);
            return;
        }
        if (ts.priority == null) {
            throw new IllegalStateException("task '" + ts.key + "' has no priority; cannot queue it");
        }
        ts.state = FETCH;
        ts.done = false;
        fetchCount++;
        for (Peer p : ts.whoHas) p.dataNeeded.add(ts);
    }

    private void genericMissing(WorkerTask ts) {
        ts.state = MISSING;
        ts.done = false;
        missing.add(ts);
        newlyMissing.add(ts);
    }

    private void genericError(WorkerTask ts, Object error) {
        ts.error = error;
        ts.state = ERROR;
        out.add(new TaskErredMsg(ts.key, ts.runId, error, stimulusId));
    }

    private static Object errorOf(Object arg) {
        return arg instanceof FetchFailed f ? f.error() : arg;
    }

    private void genericReleased(WorkerTask ts) {
        purge(ts);
        for (WorkerTask dep : ts.dependencies) {
            if (dep.waiters.isEmpty() && !keepsWhenDependentReleased(dep)) recommend(dep, RELEASED);
        }
        ts.state = RELEASED;
        if (ts.dependents.isEmpty()) recommend(ts, FORGOTTEN);
    }

    /** A dependency in one of these states has a life of its own when a dependent is released. */
    private static boolean keepsWhenDependentReleased(WorkerTask dep) {
        return switch (dep.state) {
            case WAITING,
                    READY,
                    CONSTRAINED,
                    EXECUTING,
                    LONG_RUNNING,
                    CANCELLED,
                    RESUMED,
                    MEMORY,
                    RELEASED,
                    FORGOTTEN -> true;
            default -> false;
        };
    }

    /** Lands a task in MEMORY: accounts its size, wakes dependents, tells the scheduler. */
    private void toMemory(WorkerTask ts, MemoryReport report) {
        ts.state = MEMORY;
        ts.valueArrived = false; // from now on the value is accounted as MEMORY
        if (ts.nbytes < 0) ts.nbytes = defaultNbytes;
        nbytesInMemory += ts.nbytes;
        for (WorkerTask d : ts.dependents) {
            if (d.waitingForData.remove(ts)) {
                ts.waiters.remove(d);
                if (d.waitingForData.isEmpty() && d.state == WAITING) recommend(d, READY);
            }
        }
        switch (report) {
            case TASK_FINISHED -> out.add(finishedMsg(ts));
            case ADD_KEYS -> out.add(new AddKeysMsg(List.of(ts.key), stimulusId));
            case NONE -> {}
        }
    }

    /**
     * Resets a task's per-state fields and takes it out of every index, so it can start over from
     * RELEASED. Idempotent. Keeps its links, run spec, priority and last known size.
     */
    private void purge(WorkerTask ts) {
        if (!ts.whoHas.isEmpty()) {
            for (Peer p : ts.whoHas) {
                p.hasWhat.remove(ts);
                if (ts.state == FETCH) p.dataNeeded.remove(ts);
            }
            for (Peer p : ts.whoHas) maybeDropPeer(p);
            ts.whoHas.clear();
        }
        for (WorkerTask dep : ts.waitingForData) dep.waiters.remove(ts);
        ts.waitingForData.clear();
        ts.previous = null;
        ts.next = null;
        ts.done = false;
        ts.comingFrom = null;
        ts.error = null;
        ts.freed = false;
        missing.remove(ts);
        ready.remove(ts);
        constrained.remove(ts);
        // Only a task picked by ensureComputing but released before it started can be here.
        if (executing.remove(ts) | longRunning.remove(ts)) releaseResources(ts);
        inFlightTasks.remove(ts);
    }

    // ---------------------------------------------------------------------------------------------
    // Accessors and diagnostics

    public String address() {
        return address;
    }

    public int nthreads() {
        return nthreads;
    }

    /** The task with this key, or null if unknown (never a forgotten one). */
    public WorkerTask task(String key) {
        return tasks.get(key);
    }

    /** Number of known tasks. */
    public int taskCount() {
        return tasks.size();
    }

    /** Every known task's state, sorted by key. */
    public Map<String, WorkerTaskState> taskStates() {
        var m = new TreeMap<String, WorkerTaskState>();
        for (WorkerTask t : tasks.values()) m.put(t.key, t.state);
        return m;
    }

    /** Tasks occupying a thread (including cancelled ones still running). */
    public int executingCount() {
        return executing.size();
    }

    /** Seceded tasks still running. */
    public int longRunningCount() {
        return longRunning.size();
    }

    /** READY tasks in the order they would run. */
    public List<String> readyKeys() {
        var keys = new ArrayList<String>();
        for (WorkerTask t : ready.sorted()) keys.add(t.key);
        return keys;
    }

    /** Bytes expected from outstanding transfers. */
    public long transferIncomingBytes() {
        return transferIncomingBytes;
    }

    /** Peers with an outstanding GatherDep. */
    public int transferIncomingCount() {
        return inFlightPeerCount;
    }

    /** Sum of the sizes of the MEMORY tasks. */
    public long nbytesInMemory() {
        return nbytesInMemory;
    }

    /** Resources not held by running tasks. */
    public Map<String, Double> availableResources() {
        return Collections.unmodifiableMap(new TreeMap<>(availableResources));
    }

    /** Transitions since this state was built. */
    public long transitionCounter() {
        return transitionCounter;
    }

    /**
     * The logged transitions involving any of the given keys or stimulus ids (as the task, or among
     * its recommendations), oldest first.
     */
    public List<Transition> story(String... keysOrStimulusIds) {
        var wanted = new HashSet<>(List.of(keysOrStimulusIds));
        var result = new ArrayList<Transition>();
        for (Transition t : transitionLog.toList()) {
            if (wanted.contains(t.key()) || wanted.contains(t.stimulusId())) {
                result.add(t);
                continue;
            }
            for (String k : t.recommendations().keySet()) {
                if (wanted.contains(k)) {
                    result.add(t);
                    break;
                }
            }
        }
        return result;
    }

    /** The whole (bounded) transition log, oldest first. */
    public List<Transition> transitionLog() {
        return transitionLog.toList();
    }

    /**
     * The most recent events, oldest first. If {@link #eventsDropped()} is 0 this is every event
     * ever handled, and replaying it into a fresh state built with the same options reproduces this
     * state exactly.
     */
    public List<WorkerEvent> recentEvents() {
        return eventLog.toList();
    }

    /** Events that fell out of the bounded event log. */
    public long eventsDropped() {
        return eventLog.dropped();
    }

    /**
     * A canonical text dump of the whole state (tasks sorted by key, every field and index). Two
     * states that dump the same are the same; used to check replays and to debug.
     */
    public String describe() {
        var sb = new StringBuilder();
        sb.append("address=")
                .append(address)
                .append(" nthreads=")
                .append(nthreads)
                .append(" generation=")
                .append(generation)
                .append(" taskSeq=")
                .append(taskSeq)
                .append(" transitions=")
                .append(transitionCounter)
                .append('\n');
        sb.append("available=")
                .append(new TreeMap<>(availableResources))
                .append(" fetchCount=")
                .append(fetchCount)
                .append(" inFlightPeers=")
                .append(inFlightPeerCount)
                .append(" incomingBytes=")
                .append(transferIncomingBytes)
                .append(" memoryBytes=")
                .append(nbytesInMemory)
                .append('\n');
        sb.append("ready=")
                .append(keysOf(ready.sorted()))
                .append(" constrained=")
                .append(keysOf(constrained.sorted()))
                .append(" executing=")
                .append(sortedKeys(executing))
                .append(" longRunning=")
                .append(sortedKeys(longRunning))
                .append(" inFlight=")
                .append(sortedKeys(inFlightTasks))
                .append(" missing=")
                .append(keysOf(missing))
                .append('\n');
        for (Peer p : peers.values()) {
            sb.append("peer ")
                    .append(p.address)
                    .append(" busy=")
                    .append(p.busy)
                    .append(" hasWhat=")
                    .append(sortedKeys(p.hasWhat))
                    .append(" dataNeeded=")
                    .append(keysOf(p.dataNeeded))
                    .append(" inFlight=")
                    .append(p.inFlight == null ? null : keysOf(p.inFlight))
                    .append(" inFlightBytes=")
                    .append(p.inFlightBytes)
                    .append('\n');
        }
        for (WorkerTask t : new TreeMap<>(tasks).values()) {
            sb.append("task ")
                    .append(t.key)
                    .append(' ')
                    .append(t.state)
                    .append(" prev=")
                    .append(t.previous)
                    .append(" next=")
                    .append(t.next)
                    .append(" prio=")
                    .append(t.priority)
                    .append('/')
                    .append(t.generation)
                    .append(" seq=")
                    .append(t.seq)
                    .append(" nbytes=")
                    .append(t.nbytes)
                    .append(" type=")
                    .append(t.typeName)
                    .append(" deps=")
                    .append(t.dependencyKeys())
                    .append(" dependents=")
                    .append(t.dependentKeys())
                    .append(" waitingFor=")
                    .append(t.waitingForDataKeys())
                    .append(" waiters=")
                    .append(sortedKeys(t.waiters))
                    .append(" whoHas=")
                    .append(t.whoHas())
                    .append(" from=")
                    .append(t.comingFrom)
                    .append(" resources=")
                    .append(new TreeMap<>(t.resources))
                    .append(" error=")
                    .append(t.error)
                    .append(" freed=")
                    .append(t.freed)
                    .append('\n');
        }
        return sb.toString();
    }

    private static List<String> keysOf(Iterable<WorkerTask> ts) {
        var keys = new ArrayList<String>();
        for (WorkerTask t : ts) keys.add(t.key);
        return keys;
    }

    private static List<String> sortedKeys(Iterable<WorkerTask> ts) {
        var keys = keysOf(ts);
        Collections.sort(keys);
        return keys;
    }

    /**
     * Checks every cross-index invariant and throws {@link IllegalStateException} naming the first
     * broken one (with the task's story). Cost is linear in the state's size: for tests and
     * debugging, not for every event in production.
     */
    public void validate() {
        new Validator().run();
    }

    /** The invariant checks of {@link #validate()}. */
    private final class Validator {
        void run() {
            ready.validate("ready");
            constrained.validate("constrained");
            int fetch = 0;
            long memory = 0;
            for (var e : tasks.entrySet()) {
                WorkerTask t = e.getValue();
                check(t.key.equals(e.getKey()), t, "is filed under key '" + e.getKey() + "'");
                checkTask(t);
                if (t.state == FETCH) fetch++;
                if (t.state == MEMORY) memory += t.nbytes;
            }
            check(fetch == fetchCount, null, "fetchCount " + fetchCount + " but " + fetch + " FETCH tasks");
            check(
                    memory == nbytesInMemory,
                    null,
                    "nbytesInMemory " + nbytesInMemory + " but MEMORY tasks sum to " + memory);
            checkIndex(ready.members(), "ready", t -> t.state == READY);
            checkIndex(constrained.members(), "constrained", t -> t.state == CONSTRAINED);
            checkIndex(
                    executing,
                    "executing",
                    t -> t.state == EXECUTING || (cancelledOrResumed(t) && t.previous == EXECUTING));
            checkIndex(
                    longRunning,
                    "longRunning",
                    t -> t.state == LONG_RUNNING || (cancelledOrResumed(t) && t.previous == LONG_RUNNING));
            checkIndex(
                    inFlightTasks,
                    "inFlightTasks",
                    t -> t.state == FLIGHT || (cancelledOrResumed(t) && t.previous == FLIGHT));
            checkIndex(missing, "missing", t -> t.state == MISSING);
            check(
                    executing.size() <= nthreads + executeAhead,
                    null,
                    executing.size() + " tasks executing but nthreads=" + nthreads + " and executeAhead="
                            + executeAhead);
            checkPeers();
            checkResources();
        }

        private void checkTask(WorkerTask t) {
            check(t.state != FORGOTTEN, t, "is FORGOTTEN but still in the task map");
            check(!t.done, t, "is still marked done after the event");
            check(!t.valueArrived, t, "still has an unaccounted arrived value");
            check(
                    t.heapIndex < 0 || ready.contains(t) || constrained.contains(t),
                    t,
                    "has a heap index but is in no heap");
            for (WorkerTask d : t.dependencies) {
                check(d.dependents.contains(t), t, "depends on '" + d.key + "' which does not list it");
                check(tasks.get(d.key) == d, t, "depends on '" + d.key + "' which is not in the map");
            }
            for (WorkerTask d : t.dependents) {
                check(d.dependencies.contains(t), t, "lists dependent '" + d.key + "' not depending on it");
                check(tasks.get(d.key) == d, t, "has dependent '" + d.key + "' which is not in the map");
            }
            for (WorkerTask w : t.waiters) {
                check(w.waitingForData.contains(t), t, "has waiter '" + w.key + "' not waiting for it");
            }
            for (WorkerTask d : t.waitingForData) {
                check(d.waiters.contains(t), t, "waits for '" + d.key + "' which does not list it");
            }
            for (Peer p : t.whoHas) {
                check(peers.get(p.address) == p, t, "held by unknown peer " + p);
                check(p.hasWhat.contains(t), t, "held by " + p + " whose hasWhat misses it");
                check(!p.address.equals(address), t, "lists this worker among its holders");
            }
            if (t.freed) check(hasUsingDependent(t), t, "is freed but no dependent uses it");
            boolean prevOk = t.state == CANCELLED || t.state == RESUMED
                    ? t.previous == EXECUTING || t.previous == LONG_RUNNING || t.previous == FLIGHT
                    : t.previous == null;
            check(prevOk, t, "has previous=" + t.previous);
            WorkerTaskState expectedNext = t.state != RESUMED ? null : t.previous == FLIGHT ? WAITING : FETCH;
            check(t.next == expectedNext, t, "has next=" + t.next + ", expected " + expectedNext);
            if (t.state != WAITING) {
                check(t.waitingForData.isEmpty(), t, "waits for data outside WAITING");
            }
            switch (t.state) {
                case WAITING -> {
                    check(!t.waitingForData.isEmpty(), t, "is WAITING for nothing");
                    for (WorkerTask d : t.dependencies) {
                        check(
                                t.waitingForData.contains(d) == (d.state != MEMORY),
                                t,
                                "waitingForData is not exactly its dependencies outside MEMORY (at '" + d.key + "')");
                    }
                }
                case READY, CONSTRAINED -> {
                    check(t.priority != null, t, "is queued without a priority");
                    check(
                            (t.state == READY) == t.resources.isEmpty(),
                            t,
                            "is " + t.state + " with resources " + t.resources);
                    for (WorkerTask d : t.dependencies) {
                        check(d.state == MEMORY, t, "is " + t.state + " but dependency '" + d.key + "' is " + d.state);
                    }
                }
                case FETCH -> {
                    check(!t.whoHas.isEmpty(), t, "is FETCH with nobody holding it");
                    check(t.priority != null, t, "is FETCH without a priority");
                    for (Peer p : t.whoHas) {
                        check(p.dataNeeded.contains(t), t, "is FETCH but not queued at holder " + p);
                    }
                }
                case FLIGHT -> {
                    check(
                            t.comingFrom != null && t.comingFrom.inFlight != null && t.comingFrom.inFlight.contains(t),
                            t,
                            "is FLIGHT but not in its peer's transfer");
                }
                case MISSING -> check(t.whoHas.isEmpty(), t, "is MISSING but held by " + t.whoHas);
                case MEMORY -> check(t.nbytes >= 0, t, "is in MEMORY without a size");
                default -> {}
            }
            if (t.state != FETCH) {
                for (Peer p : t.whoHas) {
                    check(
                            t.priority == null || !p.dataNeeded.contains(t),
                            t,
                            "is " + t.state + " but queued for fetching at " + p);
                }
            }
            if (t.previous == FLIGHT) {
                check(
                        t.comingFrom != null && t.comingFrom.inFlight != null && t.comingFrom.inFlight.contains(t),
                        t,
                        "was cancelled in flight but is in no transfer");
            }
        }

        private void checkPeers() {
            int inFlightPeers = 0;
            long bytes = 0;
            for (var e : peers.entrySet()) {
                Peer p = e.getValue();
                check(p.address.equals(e.getKey()), null, "peer " + p + " filed under " + e.getKey());
                check(!p.isUnused(), null, "peer " + p + " is unused but still known");
                for (WorkerTask t : p.hasWhat) {
                    check(t.whoHas.contains(p), t, "is in " + p + ".hasWhat but not held by it");
                    check(tasks.get(t.key) == t, t, "is in " + p + ".hasWhat but not in the map");
                }
                for (WorkerTask t : p.dataNeeded) {
                    check(t.state == FETCH && t.whoHas.contains(p), t, "is queued at " + p + " while " + t.state);
                }
                if (p.inFlight != null) {
                    inFlightPeers++;
                    bytes += p.inFlightBytes;
                    check(!p.inFlight.isEmpty(), null, "peer " + p + " has an empty transfer");
                    for (WorkerTask t : p.inFlight) {
                        check(t.comingFrom == p, t, "is in " + p + "'s transfer but comes from " + t.comingFrom);
                    }
                } else {
                    check(p.inFlightBytes == 0, null, "peer " + p + " has bytes in flight but no transfer");
                }
            }
            check(
                    inFlightPeers == inFlightPeerCount,
                    null,
                    "inFlightPeerCount " + inFlightPeerCount + " but " + inFlightPeers + " peers sending");
            check(
                    bytes == transferIncomingBytes,
                    null,
                    "transferIncomingBytes " + transferIncomingBytes + " but transfers sum to " + bytes);
        }

        private void checkResources() {
            var held = new HashMap<String, Double>();
            for (WorkerTask t : executing)
                for (var r : t.resources.entrySet()) held.merge(r.getKey(), r.getValue(), Double::sum);
            for (WorkerTask t : longRunning)
                for (var r : t.resources.entrySet()) held.merge(r.getKey(), r.getValue(), Double::sum);
            var names = new HashSet<>(totalResources.keySet());
            names.addAll(availableResources.keySet());
            names.addAll(held.keySet());
            for (String r : names) {
                double total = totalResources.getOrDefault(r, 0.0);
                double available = availableResources.getOrDefault(r, 0.0);
                double h = held.getOrDefault(r, 0.0);
                check(
                        Math.abs(total - available - h) < 1e-9,
                        null,
                        "resource " + r + ": total " + total + " - available " + available + " != held " + h);
            }
        }

        private boolean cancelledOrResumed(WorkerTask t) {
            return t.state == CANCELLED || t.state == RESUMED;
        }

        private void checkIndex(Iterable<WorkerTask> index, String name, java.util.function.Predicate<WorkerTask> ok) {
            int n = 0;
            for (WorkerTask t : index) {
                check(tasks.get(t.key) == t, t, "is in " + name + " but not in the task map");
                check(ok.test(t), t, "is in " + name + " while " + t.state + " (previous " + t.previous + ")");
                n++;
            }
            long expected = 0;
            for (WorkerTask t : tasks.values()) if (ok.test(t)) expected++;
            check(n == expected, null, name + " holds " + n + " tasks but " + expected + " qualify");
        }

        private void check(boolean ok, WorkerTask t, String what) {
            if (ok) return;
            var msg = new StringBuilder("Invariant broken: ");
            if (t != null)
                msg.append("task '").append(t.key).append("' (").append(t.state).append(") ");
            msg.append(what);
            if (t != null) {
                msg.append(". Story:");
                for (Transition tr : story(t.key)) msg.append("\n  ").append(tr);
            }
            throw new IllegalStateException(msg.toString());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Builder

    /**
     * Options of a {@link WorkerState}. Reusable: each {@link #build()} makes a fresh, empty state,
     * which is how a recorded event log is replayed.
     */
    public static final class Builder {
        private final String address;
        private int nthreads = 1;
        private Map<String, Double> resources = Map.of();
        private int transferIncomingCountLimit = 4;
        private long transferIncomingBytesLimit = 512L << 20;
        private long transferMessageBytesLimit = 50_000_000L;
        private long defaultNbytes = 1024;
        private int transitionLogCapacity = 100_000;
        private int eventLogCapacity = 10_000;
        private long transitionCounterMax;
        private long seed;
        private int executeAhead;
        private long shortTaskNanos = 100_000;

        private Builder(String address) {
            this.address = Objects.requireNonNull(address, "address");
        }

        /** Worker threads: at most this many tasks execute at once (seceded ones not counted). Default 1. */
        public Builder nthreads(int nthreads) {
            if (nthreads < 1) throw new IllegalArgumentException("nthreads must be >= 1, got " + nthreads);
            this.nthreads = nthreads;
            return this;
        }

        /**
         * How many short tasks may be handed to the task threads beyond {@link #nthreads}, to start as soon as a
         * thread frees (see {@link #shortTaskNanos}). Default 0: a task is handed over only when a thread is free.
         */
        public Builder executeAhead(int tasks) {
            if (tasks < 0) throw new IllegalArgumentException("executeAhead must be >= 0, got " + tasks);
            this.executeAhead = tasks;
            return this;
        }

        /**
         * A task counts as short, and may run ahead, when the tasks of its key prefix ran on average for less than
         * this. Default 100 microseconds.
         */
        public Builder shortTaskNanos(long nanos) {
            if (nanos < 0) throw new IllegalArgumentException("shortTaskNanos must be >= 0, got " + nanos);
            this.shortTaskNanos = nanos;
            return this;
        }

        /** Abstract resources this worker offers, e.g. {@code GPU=2}. Default none. */
        public Builder resources(Map<String, Double> resources) {
            this.resources = Copies.map(resources, "resources");
            return this;
        }

        /** At most this many peers sending to us at once. Default 4. */
        public Builder transferIncomingCountLimit(int limit) {
            if (limit < 1) throw new IllegalArgumentException("limit must be >= 1, got " + limit);
            this.transferIncomingCountLimit = limit;
            return this;
        }

        /**
         * Stop starting transfers while this many bytes are coming in. Default 512 MiB. A single key
         * larger than this is still fetched when nothing else is coming in.
         */
        public Builder transferIncomingBytesLimit(long bytes) {
            if (bytes < 1) throw new IllegalArgumentException("bytes must be >= 1, got " + bytes);
            this.transferIncomingBytesLimit = bytes;
            return this;
        }

        /** Target size of one GatherDep; keys are batched up to it. Default 50 MB. */
        public Builder transferMessageBytesLimit(long bytes) {
            if (bytes < 1) throw new IllegalArgumentException("bytes must be >= 1, got " + bytes);
            this.transferMessageBytesLimit = bytes;
            return this;
        }

        /** Size assumed for keys of unknown size. Default 1 KiB (as Dask's default-data-size). */
        public Builder defaultNbytes(long bytes) {
            if (bytes < 0) throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
            this.defaultNbytes = bytes;
            return this;
        }

        /** Transitions kept for {@link WorkerState#story}. Default 100,000. */
        public Builder transitionLogCapacity(int capacity) {
            if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
            this.transitionLogCapacity = capacity;
            return this;
        }

        /** Events kept for {@link WorkerState#recentEvents}. Default 10,000. */
        public Builder eventLogCapacity(int capacity) {
            if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
            this.eventLogCapacity = capacity;
            return this;
        }

        /**
         * Throw {@link TransitionCounterMaxExceeded} once this many transitions happened in total
         * (0, the default, means no total cap; the per-event loop guard always applies). For tests.
         */
        public Builder transitionCounterMax(long max) {
            if (max < 0) throw new IllegalArgumentException("max must be >= 0, got " + max);
            this.transitionCounterMax = max;
            return this;
        }

        /** Seed of the random tie-breaks between equally good peers. Default 0. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public WorkerState build() {
            return new WorkerState(this);
        }
    }
}
