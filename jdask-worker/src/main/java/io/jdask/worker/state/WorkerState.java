package io.jdask.worker.state;

import static io.jdask.worker.state.WorkerTaskState.CANCELLED;
import static io.jdask.worker.state.WorkerTaskState.CONSTRAINED;
import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.FETCH;
import static io.jdask.worker.state.WorkerTaskState.FORGOTTEN;
import static io.jdask.worker.state.WorkerTaskState.LONG_RUNNING;
import static io.jdask.worker.state.WorkerTaskState.MEMORY;
import static io.jdask.worker.state.WorkerTaskState.MISSING;
import static io.jdask.worker.state.WorkerTaskState.READY;
import static io.jdask.worker.state.WorkerTaskState.RELEASED;
import static io.jdask.worker.state.WorkerTaskState.RESUMED;
import static io.jdask.worker.state.WorkerTaskState.WAITING;

import io.jdask.protocol.state.InvalidTransition;
import io.jdask.protocol.state.Priority;
import io.jdask.protocol.state.Transition;
import io.jdask.protocol.state.TransitionCounterMaxExceeded;
import io.jdask.worker.state.Recommendation.ToError;
import io.jdask.worker.state.WorkerEvent.AcquireReplicas;
import io.jdask.worker.state.WorkerEvent.CancelCompute;
import io.jdask.worker.state.WorkerEvent.ComputeTask;
import io.jdask.worker.state.WorkerEvent.ExecuteFailure;
import io.jdask.worker.state.WorkerEvent.ExecuteSkipped;
import io.jdask.worker.state.WorkerEvent.ExecuteSuccess;
import io.jdask.worker.state.WorkerEvent.FindMissing;
import io.jdask.worker.state.WorkerEvent.FreeKeys;
import io.jdask.worker.state.WorkerEvent.GatherDepFailure;
import io.jdask.worker.state.WorkerEvent.GatherDepNetworkFailure;
import io.jdask.worker.state.WorkerEvent.GatherDepSuccess;
import io.jdask.worker.state.WorkerEvent.Pause;
import io.jdask.worker.state.WorkerEvent.PeerRemoved;
import io.jdask.worker.state.WorkerEvent.RefreshWhoHas;
import io.jdask.worker.state.WorkerEvent.Rejoin;
import io.jdask.worker.state.WorkerEvent.RemoveReplicas;
import io.jdask.worker.state.WorkerEvent.Secede;
import io.jdask.worker.state.WorkerEvent.StealRequest;
import io.jdask.worker.state.WorkerEvent.StillRunning;
import io.jdask.worker.state.WorkerEvent.Unpause;
import io.jdask.worker.state.WorkerEvent.UpdateData;
import io.jdask.worker.state.WorkerInstruction.CancelExecution;
import io.jdask.worker.state.WorkerInstruction.DropData;
import io.jdask.worker.state.WorkerInstruction.Execute;
import io.jdask.worker.state.WorkerInstruction.MissingDataMsg;
import io.jdask.worker.state.WorkerInstruction.Rejoined;
import io.jdask.worker.state.WorkerInstruction.RequestRefreshWhoHasMsg;
import io.jdask.worker.state.WorkerInstruction.StealResponseMsg;
import io.jdask.worker.state.WorkerInstruction.TaskStartedMsg;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The state of one worker: which tasks it knows, in which state, what it runs and fetches.
 *
 * <h2>Design</h2>
 *
 * A pure state machine in the shape of Dask's {@code WorkerState} ({@code worker_state_machine.py}; see also
 * Dask's {@code worker-state.rst}), composed of parts that share one {@link WorkerModel} (the indexes and the
 * per-event scratch): this class handles events and runs the recommendation loop, {@link WorkerTransitions} holds
 * the transition table and its edges, {@link FetchPlanner} decides what to fetch from whom, {@link ComputePlanner}
 * what to run, {@link WorkerStateValidator} checks the invariants.
 *
 * <ul>
 *   <li><b>One door in.</b> {@link #handle} is the only mutator. It maps each event to <em>recommendations</em>
 *       (task -> wanted state), then drains them: each recommendation runs the edge of its (from, to) pair in the
 *       transition table (one method per edge, named {@code fromToTo}), which changes the task and the indexes and
 *       may emit instructions and more recommendations. Recommendations are drained last-in first-out, as Dask's
 *       {@code dict.popitem()} does, so the instruction order matches Dask's.
 *   <li><b>No edge?</b> A pair missing from the table goes through RELEASED when neither end is RELEASED (e.g.
 *       ERROR -> WAITING is ERROR -> RELEASED -> WAITING); otherwise it throws {@link InvalidTransition} with the
 *       task's story.
 *   <li><b>Fetch batching.</b> Transfers are planned once per event, after all recommendations are drained, so
 *       several keys wanted from one peer go into one {@link WorkerInstruction.GatherDep} (Dask issue 6497 explains
 *       why planning earlier hurts batching).
 *   <li><b>Deterministic.</b> Time comes on the events; the only randomness (tie-breaking between peers) comes
 *       from a {@link java.util.Random} seeded by the builder; every collection that is iterated either keeps
 *       insertion order or hashes by key (see {@link WorkerTask}). A recorded event log replayed into a fresh state
 *       with the same options reaches the same state and emits the same instructions.
 *   <li><b>Observable.</b> Every transition is logged (bounded) for {@link #story}; recent events are kept
 *       (bounded) for {@link #recentEvents}; {@link #validate} checks every cross-index invariant and is run after
 *       every {@code handle} in tests.
 *   <li><b>Loop guard.</b> More than {@code 1000 + 64 * tasks} transitions for one event (or more than the
 *       builder's {@code transitionCounterMax} in total) throws {@link TransitionCounterMaxExceeded} instead of
 *       spinning forever.
 * </ul>
 *
 * <h2>Values</h2>
 *
 * The state never sees values. See the package documentation for the contract: the shell stores a value before
 * handing in the event that announces it, and deletes values when told by {@link DropData}; in between, the
 * shell's store holds exactly the keys of MEMORY tasks.
 *
 * <h2>Concurrency</h2>
 *
 * None: one thread owns an instance (the worker's event loop). Not thread-safe; the shell must not call anything,
 * not even accessors, from other threads. If {@code handle} throws, the state may be half-updated and should be
 * discarded (the worker should shut down), as in Dask.
 */
public final class WorkerState {
    /**
     * Network failures in a row fetching one key after which the worker tells the scheduler the holder does not have
     * it ({@code MissingData}): the scheduler drops that replica and, with none left, computes the key again (or
     * reports it lost). Between attempts the key waits for the once-a-second {@link FindMissing}, so this bounds the
     * retrying to a few seconds.
     */
    public static final int MAX_FETCH_FAILURES = 3;

    private final WorkerModel m;
    private final FetchPlanner fetch;
    private final ComputePlanner compute;
    private final WorkerTransitions edges;

    WorkerState(WorkerStateBuilder options) {
        this.m = new WorkerModel(options);
        this.fetch = new FetchPlanner(m);
        this.compute = new ComputePlanner(m);
        this.edges = new WorkerTransitions(m, fetch, compute);
    }

    /** Starts the options of a worker state for the worker listening at {@code address}. */
    public static WorkerStateBuilder builder(String address) {
        return new WorkerStateBuilder(address);
    }

    // ---------------------------------------------------------------------------------------------
    // The one door in

    /**
     * Handles events in order and returns what the shell must do, in order. The instructions of one event come
     * before those of the next.
     *
     * @throws InvalidTransition on an impossible transition (a bug, or an event the shell should not have sent);
     *     the state must then be discarded
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
        m.eventLog.add(ev);
        m.scratch.begin(instructions, ev.stimulusId(), ev.now(), m.tasks.size());
        try {
            switch (ev) {
                case ComputeTask e -> onComputeTask(e);
                case FreeKeys e -> onFreeKeys(e);
                case CancelCompute e -> onCancelCompute(e);
                case StealRequest e -> onStealRequest(e);
                case ExecuteSuccess e -> onExecuteSuccess(e);
                case ExecuteFailure e -> onExecuteFailure(e);
                case ExecuteSkipped e -> onExecuteSkipped(e);
                case StillRunning e -> onStillRunning(e);
                case Secede e -> onSecede(e);
                case Rejoin e -> onRejoin(e);
                case GatherDepSuccess e -> onGatherDepSuccess(e);
                case GatherDepNetworkFailure e -> onGatherDepNetworkFailure(e);
                case GatherDepFailure e -> onGatherDepFailure(e);
                case UpdateData e -> onUpdateData(e);
                case RemoveReplicas e -> onRemoveReplicas(e);
                case AcquireReplicas e -> onAcquireReplicas(e);
                case RefreshWhoHas e -> fetch.updateWhoHas(e.whoHas());
                case PeerRemoved e -> onPeerRemoved(e);
                case FindMissing e -> onFindMissing();
                case Pause e -> m.running = false;
                case Unpause e -> {
                    m.running = true;
                    compute.ensureComputing();
                }
            }
            drain();
            fetch.ensureCommunicating();
            drain();
            finishEvent();
        } finally {
            m.scratch.reset();
        }
    }

    /**
     * Test hook (package-private on purpose, never part of the API): drains one recommendation as if an event had
     * made it, to reach edges no valid event sequence reaches. Scratch is set up and reset as for an event.
     */
    List<WorkerInstruction> recommendForTest(String key, WorkerTaskState to, String stimulus) {
        var instructions = new ArrayList<WorkerInstruction>();
        m.scratch.begin(instructions, stimulus, m.scratch.now, m.tasks.size());
        try {
            m.recommend(Objects.requireNonNull(m.tasks.get(key), key), to);
            drain();
            finishEvent();
        } finally {
            m.scratch.reset();
        }
        return instructions;
    }

    /** Whether no per-event scratch is left; true between events (for tests). */
    boolean scratchIsClear() {
        return m.scratch.isClear();
    }

    private void finishEvent() {
        EventScratch s = m.scratch;
        for (WorkerTask t : s.arrivals) {
            if (t.valueArrived) {
                t.valueArrived = false;
                if (t.state != MEMORY) s.drops.add(t.key);
            }
        }
        if (!s.drops.isEmpty()) {
            var keys = new LinkedHashSet<String>();
            for (String k : s.drops) {
                WorkerTask t = m.tasks.get(k);
                // A value that is (again) in MEMORY is the shell's current one: keep it.
                if (t == null || t.state != MEMORY) keys.add(k);
            }
            if (!keys.isEmpty()) m.emit(new DropData(List.copyOf(keys), m.stimulusId()));
        }
        if (!s.newlyMissing.isEmpty()) {
            var keys = new LinkedHashSet<String>();
            for (WorkerTask t : s.newlyMissing) if (t.state == MISSING) keys.add(t.key);
            if (!keys.isEmpty()) m.emit(new RequestRefreshWhoHasMsg(List.copyOf(keys), m.stimulusId()));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Event handlers: turn an event into recommendations (and sometimes instructions)

    private void onComputeTask(ComputeTask e) {
        if (e.nbytes().containsKey(e.key()) || e.whoHas().containsKey(e.key())) {
            throw new IllegalArgumentException("ComputeTask '" + e.key() + "' lists itself as a dependency (stimulus "
                    + m.stimulusId() + "); a task cannot depend on itself");
        }
        WorkerTask ts = m.tasks.get(e.key());
        if (ts == null) ts = m.newTask(e.key());
        ts.freed = false;
        // Every request counts, a duplicate too: the answer echoes the latest assignment (see WorkerTask#runId).
        ts.runId = e.runId();
        switch (ts.state) {
            case WAITING, READY, CONSTRAINED, EXECUTING, LONG_RUNNING -> {
                // Already on it: a duplicate request.
            }
            case MEMORY -> m.emit(m.finishedMsg(ts));
            case RELEASED, FETCH, FLIGHT, MISSING, CANCELLED, RESUMED, ERROR -> {
                m.recommend(ts, WAITING);
                ts.runSpec = e.runSpec();
                setPriority(ts, e.priority(), m.generation--);
                ts.error = null;
                // A cancelled task still running holds the resources it was started with; keep them so
                // they are returned correctly when it finishes (as Dask does).
                boolean stillRunning = (ts.state == CANCELLED || ts.state == RESUMED) && m.isRunning(ts);
                if (!stillRunning) ts.resources = e.resources();
                for (var dep : e.nbytes().entrySet()) {
                    WorkerTask d = m.ensureTaskExists(dep.getKey(), ts.priority, ts.generation);
                    if (d.state != MEMORY) d.nbytes = dep.getValue();
                    WorkerModel.link(ts, d);
                }
                for (String depKey : e.whoHas().keySet()) {
                    if (!e.nbytes().containsKey(depKey)) {
                        WorkerModel.link(ts, m.ensureTaskExists(depKey, ts.priority, ts.generation));
                    }
                }
                fetch.updateWhoHas(e.whoHas());
            }
            case FORGOTTEN -> throw new IllegalStateException("forgotten task in the task map: " + ts);
        }
    }

    /** Changes a task's sort keys without corrupting the ordered collections it sits in. */
    private void setPriority(WorkerTask ts, Priority priority, long gen) {
        boolean queued = ts.state == FETCH;
        if (queued) fetch.dequeue(ts);
        TaskHeap heap = m.ready.remove(ts) ? m.ready : m.constrained.remove(ts) ? m.constrained : null;
        ts.priority = priority;
        ts.generation = gen;
        if (queued) fetch.enqueue(ts);
        if (heap != null) heap.add(ts);
    }

    private void onFreeKeys(FreeKeys e) {
        for (String key : e.keys()) {
            WorkerTask ts = m.tasks.get(key);
            if (ts == null) continue;
            boolean kept = WorkerModel.hasUsingDependent(ts);
            if (kept) ts.freed = true;
            else {
                m.recommend(ts, RELEASED);
                if (ts.state == MEMORY) m.scratch.freedByScheduler.add(key);
            }
            // A run the scheduler dropped (it becomes or stays CANCELLED) is asked to stop early; one a local
            // dependent still needs runs on.
            if (m.isRunning(ts) && (!kept || ts.state == CANCELLED)) m.emit(new CancelExecution(key, m.stimulusId()));
        }
    }

    /**
     * A task not started yet is released; a running one is asked to stop (the state keeps it until its thread
     * returns, and the scheduler ignores the answer of a cancelled run).
     */
    private void onCancelCompute(CancelCompute e) {
        WorkerTask ts = m.tasks.get(e.key());
        if (ts != null && (ts.state == WAITING || ts.state == READY || ts.state == CONSTRAINED)) {
            m.recommend(ts, RELEASED);
        }
        if (ts != null && m.isRunning(ts)) m.emit(new CancelExecution(ts.key, m.stimulusId()));
    }

    /**
     * Work stealing (Dask's handle_steal_request): a run that has not started (its inputs still coming, or waiting for
     * a thread) is dropped, as a cancel would, and the scheduler is told so it can give the task to the thief. A run
     * that started, finished or erred stays, and the answer says so; its result reaches the scheduler as usual. A
     * request about another run than the current one (the scheduler's view is behind) moves nothing. A key this
     * worker does not know was never going to run here: answered as released, so the scheduler does not wait on it.
     */
    private void onStealRequest(StealRequest e) {
        WorkerTask ts = m.tasks.get(e.key());
        if (ts == null) {
            m.emit(new StealResponseMsg(e.key(), e.runId(), true, "unknown", m.stimulusId()));
            return;
        }
        boolean notStarted = ts.state == WAITING || ts.state == READY || ts.state == CONSTRAINED;
        boolean release = notStarted && ts.runId == e.runId();
        if (release) m.recommend(ts, RELEASED);
        m.emit(new StealResponseMsg(e.key(), e.runId(), release, ts.state.name(), m.stimulusId()));
    }

    /**
     * A cancel took the task out of line before it started. If it was asked for again meanwhile (cancelled and then
     * resumed, so EXECUTING again), it goes back in line; otherwise the run ended without a value.
     */
    private void onExecuteSkipped(ExecuteSkipped e) {
        WorkerTask ts = m.tasks.get(e.key());
        if (ts != null && ts.state == EXECUTING) {
            m.emit(new Execute(ts.key, ts.runId, m.stimulusId()));
            return;
        }
        onExecuteFailure(new ExecuteFailure(e.key(), e.error(), e.stimulusId(), e.now()));
    }

    /** The scheduler learns that these tasks run, unless their run ended or was dropped meanwhile. */
    private void onStillRunning(StillRunning e) {
        for (String key : e.keys()) {
            WorkerTask ts = m.tasks.get(key);
            if (ts != null && m.isRunning(ts)) m.emit(new TaskStartedMsg(key, m.stimulusId()));
        }
    }

    private void onExecuteSuccess(ExecuteSuccess e) {
        WorkerTask ts = m.tasks.get(e.key());
        if (ts == null || !m.isRunning(ts)) {
            // Not ours (any more): the value the shell stored must go, unless it is our MEMORY copy.
            if (ts == null || ts.state != MEMORY) m.scratch.drops.add(e.key());
            return;
        }
        compute.recordDuration(ts, e.stop() - e.start()); // before executeDone hands the freed thread on
        compute.executeDone(ts);
        ts.nbytes = e.nbytes();
        ts.typeName = e.typeName();
        ts.startTime = e.start();
        ts.stopTime = e.stop();
        arrived(ts);
        m.recommend(ts, MEMORY);
    }

    /** The shell stored a value for {@code ts} for this event; it is dropped at the end unless ts is in MEMORY. */
    private void arrived(WorkerTask ts) {
        ts.valueArrived = true;
        m.scratch.arrivals.add(ts);
    }

    private void onExecuteFailure(ExecuteFailure e) {
        WorkerTask ts = m.tasks.get(e.key());
        if (ts == null || !m.isRunning(ts)) return;
        compute.executeDone(ts);
        m.recommend(ts, new ToError(e.error(), null));
    }

    private void onSecede(Secede e) {
        WorkerTask ts = m.tasks.get(e.key());
        if (ts != null && m.executing.contains(ts)) m.recommend(ts, LONG_RUNNING);
    }

    /**
     * A seceded task's thread wants a slot again: it gets one now if one is free, else waits in the rejoining line.
     * A task that is not seceded (never did, or was cancelled or forgotten) is answered at once: its thread must not
     * block for a slot it never gave back.
     */
    private void onRejoin(Rejoin e) {
        WorkerTask ts = m.tasks.get(e.key());
        if (ts == null || !m.longRunning.contains(ts) || ts.state != LONG_RUNNING) {
            m.emit(new Rejoined(e.key(), m.stimulusId()));
            return;
        }
        if (!m.rejoining.contains(ts)) m.rejoining.addLast(ts);
        compute.ensureComputing();
    }

    private void onGatherDepSuccess(GatherDepSuccess e) {
        Peer p = m.peers.get(e.peer());
        List<WorkerTask> flight = fetch.gatherDone(p);
        if (flight != null) {
            for (WorkerTask ts : flight) {
                Long n = e.received().get(ts.key);
                if (n != null) {
                    ts.nbytes = n;
                    arrived(ts);
                    m.recommend(ts, MEMORY);
                } else {
                    // The peer no longer has it.
                    fetch.removeHolder(ts, p);
                    m.recommend(ts, FETCH);
                }
            }
        }
        for (String key : e.received().keySet()) {
            WorkerTask ts = m.tasks.get(key);
            if (ts == null || (!ts.valueArrived && ts.state != MEMORY)) m.scratch.drops.add(key);
        }
        // The scheduler named the peer as a holder: it must stop believing so.
        for (String key : e.missing()) m.emit(new MissingDataMsg(key, e.peer(), m.stimulusId()));
        if (p != null) fetch.maybeDropPeer(p);
    }

    private void onGatherDepNetworkFailure(GatherDepNetworkFailure e) {
        Peer p = m.peers.get(e.peer());
        List<WorkerTask> flight = fetch.gatherDone(p);
        if (flight == null) return;
        for (WorkerTask ts : flight) {
            if (++ts.fetchFailures >= MAX_FETCH_FAILURES) {
                ts.fetchFailures = 0;
                m.emit(new MissingDataMsg(ts.key, p.address, m.stimulusId()));
            }
            m.recommend(ts, FETCH);
        }
        fetch.forgetPeer(p);
    }

    private void onGatherDepFailure(GatherDepFailure e) {
        Peer p = m.peers.get(e.peer());
        List<WorkerTask> flight = fetch.gatherDone(p);
        if (flight == null) return;
        var failure = new ToError(e.error(), p.address);
        for (WorkerTask ts : flight) m.recommend(ts, failure);
        fetch.maybeDropPeer(p);
    }

    private void onUpdateData(UpdateData e) {
        for (var entry : e.data().entrySet()) {
            WorkerTask ts = m.tasks.get(entry.getKey());
            if (ts == null) ts = m.newTask(entry.getKey());
            long n = entry.getValue();
            switch (ts.state) {
                case MEMORY -> {
                    // The shell replaced the value; only the size may change.
                    m.nbytesInMemory += n - ts.nbytes;
                    ts.nbytes = n;
                }
                // A thread or transfer is producing this key already; it will deliver. Drop the copy.
                case EXECUTING, LONG_RUNNING, FLIGHT, CANCELLED, RESUMED -> arrived(ts);
                default -> {
                    ts.nbytes = n;
                    arrived(ts);
                    m.recommend(ts, MEMORY);
                }
            }
        }
    }

    private void onRemoveReplicas(RemoveReplicas e) {
        for (String key : e.keys()) {
            WorkerTask ts = m.tasks.get(key);
            if (ts == null || ts.state != MEMORY) continue;
            if (WorkerModel.hasUsingDependent(ts)) ts.freed = true;
            else m.recommend(ts, RELEASED);
        }
    }

    /**
     * Keys to copy here from their holders (Dask's acquire-replicas): each one not here or on its way yet is fetched,
     * at a priority above every task's, and then stays in memory until the scheduler frees it.
     */
    private void onAcquireReplicas(AcquireReplicas e) {
        for (var entry : e.whoHas().entrySet()) {
            WorkerTask ts = m.ensureTaskExists(entry.getKey(), Priority.HIGHEST, m.generation--);
            Long n = e.nbytes().get(ts.key);
            if (n != null && ts.state != MEMORY) ts.nbytes = n;
            ts.freed = false;
            if (ts.state == RELEASED || ts.state == MISSING) m.recommend(ts, FETCH);
        }
        fetch.updateWhoHas(e.whoHas());
    }

    private void onPeerRemoved(PeerRemoved e) {
        Peer p = m.peers.get(e.peer());
        if (p != null) fetch.forgetPeer(p);
    }

    private void onFindMissing() {
        if (m.missing.isEmpty()) return;
        var keys = new ArrayList<String>(m.missing.size());
        for (WorkerTask t : m.missing) keys.add(t.key);
        m.emit(new RequestRefreshWhoHasMsg(keys, m.stimulusId()));
    }

    // ---------------------------------------------------------------------------------------------
    // The recommendation loop

    private void drain() {
        EventScratch s = m.scratch;
        while (!s.recs.isEmpty()) {
            s.recTasks.clear();
            s.recStates.clear();
            var e = s.recs.pollLastEntry();
            transition(e.getKey(), e.getValue());
        }
    }

    private void transition(WorkerTask ts, Recommendation rec) {
        WorkerTaskState from = ts.state;
        WorkerTaskState to = rec.to();
        if (from == to) return;
        countTransition(ts, from, to);
        int mark = m.scratch.recTasks.size();
        boolean used = WorkerModel.usesDependencies(ts);
        if (!edges.run(ts, rec)) {
            if (from == RELEASED || to == RELEASED) {
                throw new InvalidTransition(ts.key, from, to, m.stimulusId(), m.story(ts.key), null);
            }
            try {
                transition(ts, Recommendation.Plain.of(RELEASED));
                Recommendation r;
                while ((r = m.scratch.recs.remove(ts)) != null) {
                    // The way through RELEASED must not forget the task it is trying to move.
                    if (r.to() != FORGOTTEN) transition(ts, r);
                }
                transition(ts, rec);
            } catch (InvalidTransition e) {
                throw new InvalidTransition(ts.key, from, to, m.stimulusId(), m.story(ts.key), e);
            }
        }
        if (used && !WorkerModel.usesDependencies(ts)) releaseFreedDependencies(ts);
        if (ts.state == MEMORY && !ts.dependencies.isEmpty()) unlinkDependencies(ts);
        log(ts, from, to, mark);
    }

    /**
     * A task in MEMORY will never read its inputs again, so it stops being their dependent: a released input that no
     * other local task depends on is forgotten now, not when this task is. Without this, chains of results that stay
     * in memory (partial sums kept for a total) held every leaf below them as a RELEASED {@code WorkerTask} until the
     * whole graph finished: hundreds of thousands per worker on a million-task graph. Should the task be computed
     * again, the scheduler's new ComputeTask names its dependencies afresh.
     */
    private void unlinkDependencies(WorkerTask ts) {
        for (WorkerTask dep : ts.dependencies) {
            dep.removeDependent(ts);
            if (dep.state == RELEASED && dep.dependents.isEmpty()) m.recommend(dep, FORGOTTEN);
        }
        ts.clearDependencies();
    }

    private void countTransition(WorkerTask ts, WorkerTaskState from, WorkerTaskState to) {
        m.transitionCounter++;
        long eventTransitions = ++m.scratch.transitions;
        if (m.transitionCounterMax > 0 && m.transitionCounter > m.transitionCounterMax) {
            throw new TransitionCounterMaxExceeded(
                    ts.key,
                    from,
                    to,
                    m.stimulusId(),
                    m.transitionCounterMax,
                    "since the state was built (WorkerStateBuilder.transitionCounterMax)",
                    m.story(ts.key));
        }
        if (eventTransitions > 1000) {
            long cap = 1000 + 64L * Math.max(m.scratch.startTasks, m.tasks.size());
            if (eventTransitions > cap) {
                throw new TransitionCounterMaxExceeded(
                        ts.key, from, to, m.stimulusId(), cap, "for one event (1000 + 64 per task)", m.story(ts.key));
            }
        }
    }

    private void log(WorkerTask ts, WorkerTaskState from, WorkerTaskState to, int mark) {
        EventScratch s = m.scratch;
        int n = s.recTasks.size() - mark;
        Map<String, WorkerTaskState> made;
        if (n <= 0) {
            made = Map.of();
        } else if (n == 1) {
            made = Map.of(s.recTasks.get(mark).key, s.recStates.get(mark));
        } else {
            var recs = new LinkedHashMap<String, WorkerTaskState>();
            for (int i = mark; i < s.recTasks.size(); i++) recs.put(s.recTasks.get(i).key, s.recStates.get(i));
            made = Collections.unmodifiableMap(recs);
        }
        if (n > 0) {
            s.recTasks.subList(mark, s.recTasks.size()).clear();
            s.recStates.subList(mark, s.recStates.size()).clear();
        }
        m.transitionLog.add(Transition.of(ts.key, from, to, ts.state, made, m.stimulusId(), s.now));
    }

    /** {@code ts} stopped needing its inputs: release the ones only it was keeping (see freed). */
    private void releaseFreedDependencies(WorkerTask ts) {
        for (WorkerTask dep : ts.dependencies) {
            if (!dep.freed || WorkerModel.hasUsingDependent(dep)) continue;
            // A freed dependency that is RELEASED already would get a no-op recommendation and keep its
            // freed flag with nobody left to use it (property test seed 6981290562462); clear it here,
            // as the transition to RELEASED would have.
            if (dep.state == RELEASED) dep.freed = false;
            else m.recommend(dep, RELEASED);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Accessors and diagnostics

    public String address() {
        return m.address;
    }

    public int nthreads() {
        return m.nthreads;
    }

    /** The task with this key, or null if unknown (never a forgotten one). */
    public WorkerTask task(String key) {
        return m.tasks.get(key);
    }

    /** Whether a {@link WorkerEvent.Pause} holds new tasks and fetches back. */
    public boolean isPaused() {
        return !m.running;
    }

    /** Number of known tasks. */
    public int taskCount() {
        return m.tasks.size();
    }

    /** Every known task's state, sorted by key. */
    public Map<String, WorkerTaskState> taskStates() {
        var states = new TreeMap<String, WorkerTaskState>();
        for (WorkerTask t : m.tasks.values()) states.put(t.key, t.state);
        return states;
    }

    /** Tasks occupying a thread (including cancelled ones still running). */
    public int executingCount() {
        return m.executing.size();
    }

    /** READY tasks: waiting for a thread. */
    public int readyCount() {
        return m.ready.size();
    }

    /** Seceded tasks still running. */
    public int longRunningCount() {
        return m.longRunning.size();
    }

    /** READY tasks in the order they would run. */
    public List<String> readyKeys() {
        return WorkerModel.keysOf(m.ready.sorted());
    }

    /** Bytes expected from outstanding transfers. */
    public long transferIncomingBytes() {
        return m.transferIncomingBytes;
    }

    /** Peers with an outstanding GatherDep. */
    public int transferIncomingCount() {
        return m.inFlightPeerCount;
    }

    /** Sum of the sizes of the MEMORY tasks. */
    public long nbytesInMemory() {
        return m.nbytesInMemory;
    }

    /** Resources not held by running tasks. */
    public Map<String, Double> availableResources() {
        return Collections.unmodifiableMap(new TreeMap<>(m.availableResources));
    }

    /** Transitions since this state was built. */
    public long transitionCounter() {
        return m.transitionCounter;
    }

    /**
     * The logged transitions involving any of the given keys or stimulus ids (as the task, or among its
     * recommendations), oldest first.
     */
    public List<Transition<WorkerTaskState>> story(String... keysOrStimulusIds) {
        return m.story(keysOrStimulusIds);
    }

    /** The whole (bounded) transition log, oldest first. */
    public List<Transition<WorkerTaskState>> transitionLog() {
        return m.transitionLog.toList();
    }

    /**
     * The most recent events, oldest first. If {@link #eventsDropped()} is 0 this is every event ever handled, and
     * replaying it into a fresh state built with the same options reproduces this state exactly.
     */
    public List<WorkerEvent> recentEvents() {
        return m.eventLog.toList();
    }

    /** Events that fell out of the bounded event log. */
    public long eventsDropped() {
        return m.eventLog.dropped();
    }

    /**
     * A canonical text dump of the whole state (tasks sorted by key, every field and index). Two states that dump
     * the same are the same; used to check replays and to debug.
     */
    public String describe() {
        return m.describe();
    }

    /**
     * Checks every cross-index invariant and throws {@link IllegalStateException} naming the first broken one (with
     * the task's story). Cost is linear in the state's size: for tests and debugging, not for every event in
     * production.
     */
    public void validate() {
        new WorkerStateValidator(m).run();
    }
}
