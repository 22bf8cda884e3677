package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.ERRED;
import static io.jdask.scheduler.state.SchedulerTaskState.FORGOTTEN;
import static io.jdask.scheduler.state.SchedulerTaskState.MEMORY;
import static io.jdask.scheduler.state.SchedulerTaskState.NO_WORKER;
import static io.jdask.scheduler.state.SchedulerTaskState.PROCESSING;
import static io.jdask.scheduler.state.SchedulerTaskState.QUEUED;
import static io.jdask.scheduler.state.SchedulerTaskState.RELEASED;
import static io.jdask.scheduler.state.SchedulerTaskState.WAITING;

import io.jdask.protocol.state.InvalidTransition;
import io.jdask.protocol.state.Transition;
import io.jdask.protocol.state.TransitionCounterMaxExceeded;
import io.jdask.scheduler.state.SchedulerInstruction.CancelCompute;
import io.jdask.scheduler.state.SchedulerInstruction.ComputeTask;
import io.jdask.scheduler.state.SchedulerInstruction.FreeKeys;
import io.jdask.scheduler.state.SchedulerInstruction.KeyCancelled;
import io.jdask.scheduler.state.SchedulerInstruction.KeyErred;
import io.jdask.scheduler.state.SchedulerInstruction.KeyInMemory;
import io.jdask.scheduler.state.SchedulerInstruction.KeyLost;
import io.jdask.scheduler.state.SchedulerInstruction.KeyRecomputing;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/*
 * Design note. The transition table and its edges, after distributed's _TRANSITIONS_TABLE and
 * _transition_* methods.
 *
 * TABLE maps (from, to) to one edge method named fromToTo. An edge mutates the model, appends the
 * instructions it causes to the model's output, and recommends further transitions with recommend().
 * Recommendations go to a FIFO queue of tasks with the wanted target stored on the task
 * (SchedulerTask.pendingRec): recommending again only overwrites the target, like updating a dict, so
 * the loop allocates nothing per recommendation. drain() pops until the queue is empty.
 *
 * A pair missing from the table is routed through RELEASED: from -> RELEASED, then RELEASED -> x where x
 * is what the first step recommended for the task itself if it did (a released task that is still
 * wanted asks to wait again), else the original target. If that is not in the table either, it is a
 * bug and InvalidTransition is thrown with the task's story. Recommending a task its current state is
 * a no-op. Edges that find their precondition gone (a ready task that lost a dependency meanwhile, a
 * queued task that still finds no slot) leave the state as it is; the story shows end == from.
 *
 * Invariants restored by the time drain() and settle() return are listed on the fields of
 * SchedulerTask, WorkerInfo and ClusterModel, and checked by StateValidator. Key ones:
 * - waiters of a task = its dependents in an "active" state (WAITING, QUEUED, NO_WORKER, PROCESSING).
 *   Only edges entering or leaving the active states touch it, from the dependent's side.
 * - A task nobody needs (no client wants it, no waiter) does not keep data, and a task with no
 *   dependents that nobody wants is forgotten.
 * - Queued tasks exist only while every worker is saturated: a freed slot is refilled in settle(),
 *   after the recommendations of the event are drained, from the head of the queue.
 *
 * A per-event counter caps transitions (see SchedulerConfig.maxTransitionsPerHandle): a recommendation
 * cycle becomes TransitionCounterMaxExceeded instead of a hang.
 */
/** The transition table, the recommendation loop and the story. */
final class Transitions {

    /** One edge of the table. {@code arg} is the event that forced it, or null when recommended. */
    @FunctionalInterface
    interface Edge {
        void run(Transitions t, SchedulerTask ts, Object arg);
    }

    /** Arguments of RELEASED -> MEMORY: where scattered data sits. */
    record Scatter(List<WorkerInfo> workers, long nbytes, String typeName) {}

    static final EnumMap<SchedulerTaskState, EnumMap<SchedulerTaskState, Edge>> TABLE =
            new EnumMap<>(SchedulerTaskState.class);

    private static void edge(SchedulerTaskState from, SchedulerTaskState to, Edge e) {
        TABLE.computeIfAbsent(from, k -> new EnumMap<>(SchedulerTaskState.class))
                .put(to, e);
    }

    static {
        edge(RELEASED, WAITING, Transitions::releasedToWaiting);
        edge(RELEASED, FORGOTTEN, Transitions::releasedToForgotten);
        edge(RELEASED, ERRED, Transitions::releasedToErred);
        edge(RELEASED, MEMORY, Transitions::releasedToMemory);
        edge(WAITING, PROCESSING, Transitions::waitingToProcessing);
        edge(WAITING, QUEUED, Transitions::waitingToQueued);
        edge(WAITING, NO_WORKER, Transitions::waitingToNoWorker);
        edge(WAITING, RELEASED, Transitions::waitingToReleased);
        edge(WAITING, ERRED, Transitions::waitingToErred);
        edge(QUEUED, PROCESSING, Transitions::queuedToProcessing);
        edge(QUEUED, RELEASED, Transitions::queuedToReleased);
        edge(QUEUED, ERRED, Transitions::queuedToErred);
        edge(NO_WORKER, PROCESSING, Transitions::noWorkerToProcessing);
        edge(NO_WORKER, RELEASED, Transitions::noWorkerToReleased);
        edge(NO_WORKER, ERRED, Transitions::noWorkerToErred);
        edge(PROCESSING, MEMORY, Transitions::processingToMemory);
        edge(PROCESSING, RELEASED, Transitions::processingToReleased);
        edge(PROCESSING, ERRED, Transitions::processingToErred);
        edge(MEMORY, RELEASED, Transitions::memoryToReleased);
        edge(MEMORY, FORGOTTEN, Transitions::memoryToForgotten);
        edge(ERRED, RELEASED, Transitions::erredToReleased);
        for (SchedulerTaskState k : SchedulerTaskState.values()) {
            TABLE.computeIfAbsent(k, x -> new EnumMap<>(SchedulerTaskState.class));
        }
    }

    private final ClusterModel m;
    private final WorkerPicker picker;

    /** Tasks with a pending recommendation, FIFO; entries whose pendingRec is null are stale. */
    private final ArrayDeque<SchedulerTask> queue = new ArrayDeque<>();

    /** Recommendations made by the running edge, as (key, kind) pairs, for its story entry. */
    private final ArrayList<Object> scratch = new ArrayList<>();

    private final boolean logging;

    /** Transitions made while handling the current event. */
    private long count;

    private long limit;

    /** A processing slot may have freed up since the last refill (task left a worker, worker joined...). */
    private boolean slotsMaybeOpened;

    /** Workers on which resources were freed or which joined: NO_WORKER tasks may now fit there. */
    private final LinkedHashSet<WorkerInfo> reexamine = new LinkedHashSet<>();

    Transitions(ClusterModel m, WorkerPicker picker) {
        this.m = m;
        this.picker = picker;
        this.logging = m.config.storyCapacity() > 0;
    }

    // ======================================================================================
    // The loop
    // ======================================================================================

    /** Resets the per-event transition counter. */
    void beginEvent() {
        count = 0;
        limit = m.config.maxTransitionsPerHandle() > 0 ? m.config.maxTransitionsPerHandle() : autoLimit();
    }

    private long autoLimit() {
        return 1000 + 20L * m.tasks.size();
    }

    void recommend(SchedulerTask ts, SchedulerTaskState kind) {
        if (ts.pendingRec == null) {
            queue.addLast(ts);
        } else if (ts.pendingRec == FORGOTTEN) {
            // Final within a drain: it is recommended only for tasks nobody wants and nothing depends on (or
            // that cannot be computed any more), and no recommendation can add a want or a dependent.
            return;
        }
        ts.pendingRec = kind;
        if (logging) {
            scratch.add(ts.key);
            scratch.add(kind);
        }
    }

    void slotsMaybeOpened() {
        slotsMaybeOpened = true;
    }

    void reexamineUnrunnableOn(WorkerInfo ws) {
        reexamine.add(ws);
    }

    /** Drains recommendations, then refills freed slots and re-examines NO_WORKER tasks until quiet. */
    void settle() {
        drain();
        while (refill()) {
            drain();
        }
    }

    private void drain() {
        if (m.config.maxTransitionsPerHandle() == 0) {
            limit = Math.max(limit, autoLimit());
        }
        SchedulerTask ts;
        while ((ts = queue.pollFirst()) != null) {
            SchedulerTaskState rec = ts.pendingRec;
            if (rec == null || ts.state == FORGOTTEN) {
                ts.pendingRec = null;
                continue;
            }
            transition(ts, rec, null);
        }
    }

    /** Recommends queued / unrunnable tasks that may now run; true if it recommended any. */
    private boolean refill() {
        boolean any = false;
        if (slotsMaybeOpened) {
            slotsMaybeOpened = false;
            if (!m.queued.isEmpty()) {
                long free = 0;
                for (WorkerInfo ws : m.workers.values()) {
                    free += Math.max(0, ws.slots - ws.activeCount());
                }
                for (SchedulerTask ts : m.queued) {
                    if (free-- <= 0) {
                        break;
                    }
                    recommend(ts, PROCESSING);
                    any = true;
                }
            }
        }
        if (!reexamine.isEmpty()) {
            if (!m.unrunnable.isEmpty()) {
                any |= reexamineUnrunnable();
            }
            reexamine.clear();
        }
        return any;
    }

    private boolean reexamineUnrunnable() {
        boolean any = false;
        // What each re-examined worker still has free, as tasks are tentatively placed on it.
        Map<WorkerInfo, Map<String, Double>> free = new HashMap<>();
        for (SchedulerTask ts : m.unrunnable) {
            Map<String, Double> needs = ts.restrictions.resources();
            for (WorkerInfo ws : reexamine) {
                if (!m.alive(ws) || !WorkerPicker.couldRunOn(ts, ws)) {
                    continue;
                }
                if (!needs.isEmpty()) {
                    Map<String, Double> avail = free.computeIfAbsent(ws, w -> {
                        var a = new HashMap<String, Double>(w.resources);
                        w.usedResources.forEach((k, v) -> a.merge(k, -v, Double::sum));
                        return a;
                    });
                    if (!fits(avail, needs)) {
                        continue;
                    }
                    needs.forEach((k, v) -> avail.merge(k, -v, Double::sum));
                }
                recommend(ts, PROCESSING);
                any = true;
                break;
            }
        }
        return any;
    }

    private static boolean fits(Map<String, Double> avail, Map<String, Double> needs) {
        for (var e : needs.entrySet()) {
            if (avail.getOrDefault(e.getKey(), 0.0) < e.getValue() - 1e-9) {
                return false;
            }
        }
        return true;
    }

    /**
     * Moves a task to {@code target} now, through RELEASED if there is no direct edge. Event handlers
     * call this for transitions that need the event's data; a pending recommendation for the task is
     * dropped (the event knows better).
     */
    void transition(SchedulerTask ts, SchedulerTaskState target, Object arg) {
        ts.pendingRec = null;
        SchedulerTaskState from = ts.state;
        if (from == target || from == FORGOTTEN) {
            return;
        }
        Edge e = TABLE.get(from).get(target);
        if (e != null) {
            run(e, ts, from, target, arg);
            return;
        }
        Edge toReleased = TABLE.get(from).get(RELEASED);
        if (target != RELEASED && toReleased != null) {
            run(toReleased, ts, from, RELEASED, arg);
            SchedulerTaskState next = target;
            if (ts.pendingRec != null) { // the released task asked for something itself (e.g. WAITING again)
                next = ts.pendingRec;
                ts.pendingRec = null;
            }
            if (ts.state != RELEASED || next == RELEASED) {
                return;
            }
            Edge second = TABLE.get(RELEASED).get(next);
            if (second == null) {
                throw invalid(ts, RELEASED, next);
            }
            run(second, ts, RELEASED, next, null);
            return;
        }
        throw invalid(ts, from, target);
    }

    private void run(Edge e, SchedulerTask ts, SchedulerTaskState from, SchedulerTaskState to, Object arg) {
        if (++count > limit) {
            throw new TransitionCounterMaxExceeded(
                    ts.key,
                    from,
                    to,
                    m.stimulusId,
                    limit,
                    "for one event (if the graph is just that big, raise"
                            + " SchedulerConfig.Builder.maxTransitionsPerHandle)",
                    m.story.last(30));
        }
        if (logging) {
            scratch.clear();
        }
        e.run(this, ts, arg);
        if (logging) {
            m.story.add(Transition.of(ts.key, from, to, ts.state, recsOf(scratch), m.stimulusId, m.now));
        }
    }

    private static Map<String, SchedulerTaskState> recsOf(ArrayList<Object> pairs) {
        if (pairs.isEmpty()) {
            return Map.of();
        }
        if (pairs.size() == 2) {
            return Map.of((String) pairs.get(0), (SchedulerTaskState) pairs.get(1));
        }
        var map = new LinkedHashMap<String, SchedulerTaskState>();
        for (int i = 0; i < pairs.size(); i += 2) {
            map.put((String) pairs.get(i), (SchedulerTaskState) pairs.get(i + 1));
        }
        return Collections.unmodifiableMap(map);
    }

    private InvalidTransition invalid(SchedulerTask ts, SchedulerTaskState from, SchedulerTaskState to) {
        return new InvalidTransition(ts.key, from, to, m.stimulusId, m.story(ts.key), null);
    }

    // ======================================================================================
    // Shared pieces of edges
    // ======================================================================================

    /** States in which a task still needs its dependencies' results. */
    static boolean isActive(SchedulerTaskState s) {
        return s == WAITING || s == QUEUED || s == NO_WORKER || s == PROCESSING;
    }

    /**
     * The task leaves the active states: it no longer waits for its dependencies, whose results can go
     * if nobody else needs them.
     */
    private void leaveActive(SchedulerTask ts) {
        ts.waitingOn.clear();
        for (SchedulerTask dts : ts.dependencies) {
            // Checked even if ts was not a waiter: a dependency may have started waiting on behalf of ts
            // before ts turned out unable to run (it erred on another dependency).
            dts.waiters.remove(ts);
            releaseIfUnneeded(dts);
        }
    }

    /** A task with a result or a run under way that no client wants and no dependent waits for goes. */
    private void releaseIfUnneeded(SchedulerTask ts) {
        if (ts.waiters.isEmpty() && ts.whoWants.isEmpty() && ts.state != RELEASED && ts.state != ERRED) {
            recommend(ts, RELEASED);
        }
    }

    /** After a task became RELEASED: what next, if anything. */
    private void afterReleased(SchedulerTask ts) {
        if (ts.runSpec == null || ts.hasLostDependencies) {
            recommend(ts, FORGOTTEN);
        } else if (!ts.whoWants.isEmpty() || !ts.waiters.isEmpty()) {
            recommend(ts, WAITING);
        } else if (ts.dependents.isEmpty()) {
            recommend(ts, FORGOTTEN);
        }
    }

    private void assign(SchedulerTask ts, WorkerInfo ws) {
        ts.processingOn = ws;
        ts.runId = ++m.lastRunId;
        ws.processing.add(ts);
        long est = m.estimate(ts);
        ts.occupancyEstimate = est;
        ts.longRunning = false;
        ws.occupancy += est;
        Map<String, Double> needs = ts.restrictions.resources();
        if (!needs.isEmpty()) {
            needs.forEach((k, v) -> ws.usedResources.merge(k, v, Double::sum));
        }
        m.setState(ts, PROCESSING);
        m.emit(computeTask(ts, ws));
    }

    private ComputeTask computeTask(SchedulerTask ts, WorkerInfo ws) {
        Map<String, List<String>> whoHas;
        Map<String, Long> nbytes;
        if (ts.dependencies.isEmpty()) {
            whoHas = Map.of();
            nbytes = Map.of();
        } else {
            var wh = new LinkedHashMap<String, List<String>>();
            var nb = new LinkedHashMap<String, Long>();
            for (SchedulerTask dep : ts.dependencies) {
                List<String> holders;
                if (dep.whoHas.size() == 1) {
                    holders = List.of(dep.whoHas.iterator().next().address);
                } else {
                    var l = new ArrayList<String>(dep.whoHas.size());
                    for (WorkerInfo w : dep.whoHas) {
                        l.add(w.address);
                    }
                    holders = Collections.unmodifiableList(l);
                }
                wh.put(dep.key, holders);
                nb.put(dep.key, dep.nbytes);
            }
            whoHas = Collections.unmodifiableMap(wh);
            nbytes = Collections.unmodifiableMap(nb);
        }
        return new ComputeTask(
                ws.address,
                ts.key,
                ts.runId,
                ts.runSpec,
                ts.priority,
                whoHas,
                nbytes,
                ts.restrictions.resources(),
                m.stimulusId);
    }

    /** Takes the task off its worker, restoring occupancy and resources; returns the worker. */
    private WorkerInfo removeFromProcessing(SchedulerTask ts) {
        WorkerInfo ws = ts.processingOn;
        ws.processing.remove(ts);
        ws.occupancy -= ts.occupancyEstimate;
        ts.occupancyEstimate = 0;
        if (ts.longRunning) {
            ws.longRunningCount--;
            ts.longRunning = false;
        }
        Map<String, Double> needs = ts.restrictions.resources();
        if (!needs.isEmpty()) {
            for (var e : needs.entrySet()) {
                double left = ws.usedResources.merge(e.getKey(), -e.getValue(), Double::sum);
                if (Math.abs(left) < 1e-9) {
                    ws.usedResources.remove(e.getKey());
                }
            }
            if (m.alive(ws)) {
                reexamine.add(ws);
            }
        }
        ts.processingOn = null;
        if (m.alive(ws)) {
            slotsMaybeOpened = true;
        }
        return ws;
    }

    private void freeKey(WorkerInfo ws, String key) {
        if (m.alive(ws)) {
            m.emit(new FreeKeys(ws.address, List.of(key), m.stimulusId));
        }
    }

    /** Common end of every X -> MEMORY edge: the result is somewhere now. */
    private void enterMemory(SchedulerTask ts) {
        m.setState(ts, MEMORY);
        ts.dataLost = false;
        if (!ts.whoWants.isEmpty()) {
            m.emit(new KeyInMemory(ts.clientIds(), ts.key, ts.typeName, ts.nbytes));
        }
        for (SchedulerTask dts : ts.dependents) {
            if (dts.waitingOn.remove(ts) && dts.waitingOn.isEmpty() && dts.state == WAITING) {
                recommend(dts, PROCESSING);
            }
        }
        leaveActive(ts);
        if (ts.waiters.isEmpty() && ts.whoWants.isEmpty()) {
            recommend(ts, RELEASED);
        }
    }

    /** Common end of every X -> ERRED edge; exception and blame are already set on the task. */
    private void enterErred(SchedulerTask ts) {
        if (ts.exceptionBlame == null) {
            ts.exceptionBlame = ts.key;
        }
        leaveActive(ts);
        for (SchedulerTask dts : ts.dependents) {
            if (dts.state != MEMORY && dts.state != ERRED) {
                dts.exception = ts.exception;
                dts.exceptionBlame = ts.exceptionBlame;
                recommend(dts, ERRED);
            }
        }
        m.setState(ts, ERRED);
        if (!ts.whoWants.isEmpty()) {
            m.emit(new KeyErred(ts.clientIds(), ts.key, ts.exception, ts.exceptionBlame));
        }
    }

    /** Common end of every X -> FORGOTTEN edge: unlink from everything and drop. */
    private void forget(SchedulerTask ts) {
        for (SchedulerTask dts : ts.dependents) {
            dts.hasLostDependencies = true;
            dts.dependencies.remove(ts);
            dts.waitingOn.remove(ts);
            if (dts.state != MEMORY && dts.state != ERRED) {
                recommend(dts, FORGOTTEN);
            }
        }
        ts.dependents.clear();
        ts.waiters.clear();
        for (SchedulerTask dts : ts.dependencies) {
            dts.dependents.remove(ts);
            dts.waiters.remove(ts);
            if (dts.dependents.isEmpty() && dts.whoWants.isEmpty()) {
                recommend(dts, FORGOTTEN);
            } else {
                releaseIfUnneeded(dts); // it may have started waiting for ts, which will now never run
            }
        }
        ts.dependencies.clear();
        ts.waitingOn.clear();
        if (!ts.whoWants.isEmpty()) {
            Set<String> ids = ts.clientIds();
            m.emit(ts.dataLost || ts.hasLostDependencies ? new KeyLost(ids, ts.key) : new KeyCancelled(ids, ts.key));
            for (ClientInfo c : ts.whoWants) {
                c.wantsWhat.remove(ts);
            }
            ts.whoWants.clear();
        }
        m.removeTask(ts);
    }

    // ======================================================================================
    // Edges
    // ======================================================================================

    private void releasedToWaiting(SchedulerTask ts, Object arg) {
        if (ts.runSpec == null || ts.hasLostDependencies) {
            ts.dataLost = ts.runSpec == null;
            recommend(ts, FORGOTTEN);
            return;
        }
        if (ts.whoWants.isEmpty() && ts.waiters.isEmpty() && !aDependentIsAboutToWait(ts)) {
            // Nobody needs it any more (its would-be dependents erred or went away meanwhile): stay released,
            // and let go of dependencies that started waiting on its behalf.
            leaveActive(ts);
            if (ts.dependents.isEmpty()) {
                recommend(ts, FORGOTTEN);
            }
            return;
        }
        for (SchedulerTask dts : ts.dependencies) {
            if (dts.state == ERRED) {
                ts.exception = dts.exception;
                ts.exceptionBlame = dts.exceptionBlame;
                recommend(ts, ERRED);
                return;
            }
        }
        for (SchedulerTask dts : ts.dependencies) {
            if (dts.state != MEMORY) {
                ts.waitingOn.add(dts);
                if (dts.state == RELEASED) {
                    recommend(dts, WAITING);
                }
            }
            dts.waiters.add(ts);
        }
        m.setState(ts, WAITING);
        if (ts.waitingOn.isEmpty()) {
            recommend(ts, PROCESSING);
        }
    }

    private static boolean aDependentIsAboutToWait(SchedulerTask ts) {
        for (SchedulerTask d : ts.dependents) {
            if (d.pendingRec == WAITING) {
                return true;
            }
        }
        return false;
    }

    private void releasedToForgotten(SchedulerTask ts, Object arg) {
        if (ts.erredOn != null) {
            freeErrors(ts);
        }
        forget(ts);
    }

    private void releasedToErred(SchedulerTask ts, Object arg) {
        if (ts.whoWants.isEmpty() && ts.dependents.isEmpty()) {
            recommend(ts, FORGOTTEN); // nobody would ever hear of the error
            return;
        }
        enterErred(ts);
    }

    private void releasedToMemory(SchedulerTask ts, Object arg) {
        var s = (Scatter) arg;
        if (s == null || s.workers().isEmpty()) {
            throw invalid(ts, RELEASED, MEMORY); // only UpdateData may do this, with at least one holder
        }
        m.setNbytes(ts, s.nbytes());
        if (!s.typeName().isEmpty()) {
            ts.typeName = s.typeName();
        }
        for (WorkerInfo ws : s.workers()) {
            m.addReplica(ts, ws);
        }
        enterMemory(ts);
    }

    private void waitingToProcessing(SchedulerTask ts, Object arg) {
        if (!ts.waitingOn.isEmpty()) {
            return; // a dependency was lost since this was recommended; it will be recommended again
        }
        WorkerInfo ws = picker.pick(ts);
        if (ws == null) {
            recommend(ts, picker.shouldQueue(ts) ? QUEUED : NO_WORKER);
            return;
        }
        assign(ts, ws);
    }

    private void waitingToQueued(SchedulerTask ts, Object arg) {
        if (!ts.waitingOn.isEmpty()) {
            return;
        }
        m.queued.add(ts);
        m.setState(ts, QUEUED);
        // A slot may have opened between the failed pick and now; refill() will look.
        slotsMaybeOpened = true;
    }

    private void waitingToNoWorker(SchedulerTask ts, Object arg) {
        if (!ts.waitingOn.isEmpty()) {
            return;
        }
        m.unrunnable.add(ts);
        m.setState(ts, NO_WORKER);
    }

    private void waitingToReleased(SchedulerTask ts, Object arg) {
        leaveActive(ts);
        m.setState(ts, RELEASED);
        afterReleased(ts);
    }

    private void waitingToErred(SchedulerTask ts, Object arg) {
        enterErred(ts);
    }

    private void queuedToProcessing(SchedulerTask ts, Object arg) {
        WorkerInfo ws = picker.pick(ts);
        if (ws == null) {
            return; // still saturated
        }
        m.queued.remove(ts);
        assign(ts, ws);
    }

    private void queuedToReleased(SchedulerTask ts, Object arg) {
        m.queued.remove(ts);
        leaveActive(ts);
        m.setState(ts, RELEASED);
        afterReleased(ts);
    }

    private void queuedToErred(SchedulerTask ts, Object arg) {
        m.queued.remove(ts);
        enterErred(ts);
    }

    private void noWorkerToProcessing(SchedulerTask ts, Object arg) {
        WorkerInfo ws = picker.pick(ts);
        if (ws == null) {
            return; // still nowhere to go
        }
        m.unrunnable.remove(ts);
        assign(ts, ws);
    }

    private void noWorkerToReleased(SchedulerTask ts, Object arg) {
        m.unrunnable.remove(ts);
        leaveActive(ts);
        m.setState(ts, RELEASED);
        afterReleased(ts);
    }

    private void noWorkerToErred(SchedulerTask ts, Object arg) {
        m.unrunnable.remove(ts);
        enterErred(ts);
    }

    private void processingToMemory(SchedulerTask ts, Object arg) {
        var f = (SchedulerEvent.TaskFinished) arg;
        if (f == null) {
            throw invalid(ts, PROCESSING, MEMORY); // only a TaskFinished may do this
        }
        WorkerInfo ws = ts.processingOn;
        if (!ts.longRunning) {
            long took = f.stopNanos() - f.startNanos();
            ts.prefix.recordDuration(took);
            if (ws.recordDuration(took, m.config.shortTaskLatencyNanos())) {
                slotsMaybeOpened = true; // short tasks: this worker may take more of the queue
            }
        }
        removeFromProcessing(ts);
        m.setNbytes(ts, f.nbytes());
        ts.typeName = f.typeName();
        m.addReplica(ts, ws);
        enterMemory(ts);
    }

    /**
     * {@code arg}: a TaskErred (the worker is done and holds an error: free it), or null (the worker may
     * still be running it: cancel, unless the worker is gone).
     */
    private void processingToReleased(SchedulerTask ts, Object arg) {
        WorkerInfo ws = removeFromProcessing(ts);
        if (arg instanceof SchedulerEvent.TaskErred) {
            freeKey(ws, ts.key);
        } else if (m.alive(ws)) {
            m.emit(new CancelCompute(ws.address, ts.key, m.stimulusId));
        }
        leaveActive(ts);
        m.setState(ts, RELEASED);
        afterReleased(ts);
    }

    /** {@code arg}: the TaskErred, a KilledWorker, or null when blamed on a dependency. */
    private void processingToErred(SchedulerTask ts, Object arg) {
        WorkerInfo ws = removeFromProcessing(ts);
        if (arg instanceof SchedulerEvent.TaskErred e) {
            ts.exception = e.error();
            ts.exceptionBlame = ts.key;
            if (ts.erredOn == null) {
                ts.erredOn = new LinkedHashSet<>();
            }
            ts.erredOn.add(ws.address);
        } else if (arg instanceof KilledWorker k) {
            ts.exception = k;
            ts.exceptionBlame = ts.key;
        } else if (m.alive(ws)) {
            m.emit(new CancelCompute(ws.address, ts.key, m.stimulusId));
        }
        enterErred(ts);
    }

    private void memoryToReleased(SchedulerTask ts, Object arg) {
        if (ts.dataLost && !ts.whoWants.isEmpty() && ts.runSpec != null && !ts.hasLostDependencies) {
            m.emit(new KeyRecomputing(ts.clientIds(), ts.key)); // afterReleased sends it back to WAITING
        }
        for (SchedulerTask dts : ts.waiters) {
            if (dts.state == WAITING) {
                dts.waitingOn.add(ts);
            } else {
                recommend(dts, WAITING); // was ready or running with this result: wait for it again
            }
        }
        for (WorkerInfo ws : ts.whoHas) {
            freeKey(ws, ts.key);
            ws.hasWhat.remove(ts);
            ws.nbytes -= m.sizeOf(ts);
        }
        ts.whoHas.clear();
        m.setState(ts, RELEASED);
        afterReleased(ts);
    }

    private void memoryToForgotten(SchedulerTask ts, Object arg) {
        for (WorkerInfo ws : ts.whoHas) {
            freeKey(ws, ts.key);
            ws.hasWhat.remove(ts);
            ws.nbytes -= m.sizeOf(ts);
        }
        ts.whoHas.clear();
        forget(ts);
    }

    private void erredToReleased(SchedulerTask ts, Object arg) {
        ts.exception = null;
        ts.exceptionBlame = null;
        if (ts.erredOn != null) {
            freeErrors(ts);
        }
        for (SchedulerTask dts : ts.dependents) {
            if (dts.state == ERRED) {
                recommend(dts, WAITING);
            }
        }
        m.setState(ts, RELEASED);
        if (ts.dependents.isEmpty() && ts.whoWants.isEmpty()) {
            recommend(ts, FORGOTTEN);
        }
    }

    private void freeErrors(SchedulerTask ts) {
        for (String addr : ts.erredOn) {
            WorkerInfo ws = m.workers.get(addr);
            if (ws != null) {
                m.emit(new FreeKeys(addr, List.of(ts.key), m.stimulusId));
            }
        }
        ts.erredOn = null;
    }
}
