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
import io.jdask.scheduler.state.Recommendation.ErredOnWorker;
import io.jdask.scheduler.state.Recommendation.Finished;
import io.jdask.scheduler.state.Recommendation.LeavesProcessing;
import io.jdask.scheduler.state.Recommendation.Scattered;
import io.jdask.scheduler.state.Recommendation.WorkerDied;
import io.jdask.scheduler.state.SchedulerInstruction.CancelCompute;
import io.jdask.scheduler.state.SchedulerInstruction.ComputeTask;
import io.jdask.scheduler.state.SchedulerInstruction.FreeKeys;
import io.jdask.scheduler.state.SchedulerInstruction.KeyCancelled;
import io.jdask.scheduler.state.SchedulerInstruction.KeyErred;
import io.jdask.scheduler.state.SchedulerInstruction.KeyInMemory;
import io.jdask.scheduler.state.SchedulerInstruction.KeyLost;
import io.jdask.scheduler.state.SchedulerInstruction.KeyRecomputing;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/*
 * Design note. The transition table and its edges, after distributed's _TRANSITIONS_TABLE and
 * _transition_* methods. TABLE maps (from, to) to one edge method named fromToTo. An edge mutates the
 * model, appends the instructions it causes to the model's output, and recommends further transitions
 * (Recommendations.recommend). The loop that drains recommendations, routes a missing pair through
 * RELEASED, counts and logs each transition is TransitionLoop's; this class only runs one edge at a time.
 *
 * Typed arguments, as on the worker: what an edge needs besides the task is in the Recommendation's
 * type, and the edges come in the matching shapes of Edge. RELEASED -> MEMORY takes the scattered data,
 * PROCESSING -> MEMORY the worker's report, the other edges out of PROCESSING why the run ended, all
 * others nothing. The table is filled by one method per shape that fixes what it can (the pair, or the
 * source), so an edge given the wrong argument does not compile.
 *
 * Edges that find their precondition gone (a ready task that lost a dependency meanwhile, a queued task
 * that still finds no slot) leave the state as it is; the story shows end == from.
 *
 * Invariants restored by the time TransitionLoop.settle() returns are listed on the fields of
 * SchedulerTask, WorkerInfo and ClusterModel, and checked by StateValidator. Key ones:
 * - waiters of a task = its dependents in an "active" state (WAITING, QUEUED, NO_WORKER, PROCESSING).
 *   Only edges entering or leaving the active states touch it, from the dependent's side.
 * - A task nobody needs (no client wants it, no waiter) does not keep data, and a task with no
 *   dependents that nobody wants is forgotten.
 * - Queued tasks exist only while every worker is saturated: a freed slot is refilled by the loop,
 *   after the recommendations of the event are drained, from the head of the queue.
 */
/** The scheduler's transition table and its edges, one method per edge. */
final class SchedulerTransitions {

    /** One edge of the table, in one of four shapes by what it needs. */
    sealed interface Edge {
        /** An edge that needs nothing but the task. */
        @FunctionalInterface
        non-sealed interface Plain extends Edge {
            void apply(SchedulerTransitions t, SchedulerTask ts);
        }

        /** RELEASED -> MEMORY: it needs where the scattered data is. */
        @FunctionalInterface
        non-sealed interface FromScatter extends Edge {
            void apply(SchedulerTransitions t, SchedulerTask ts, Scattered data);
        }

        /** PROCESSING -> MEMORY: it needs the worker's report of the result. */
        @FunctionalInterface
        non-sealed interface FromReport extends Edge {
            void apply(SchedulerTransitions t, SchedulerTask ts, SchedulerEvent.TaskFinished report);
        }

        /** Out of PROCESSING without a result: it needs to know why the run ended. */
        @FunctionalInterface
        non-sealed interface OutOfProcessing extends Edge {
            void apply(SchedulerTransitions t, SchedulerTask ts, LeavesProcessing why);
        }
    }

    /** (from, to) -> edge. A pair not listed goes through RELEASED or is invalid. */
    private static final EnumMap<SchedulerTaskState, EnumMap<SchedulerTaskState, Edge>> TABLE =
            new EnumMap<>(SchedulerTaskState.class);

    private static void plain(SchedulerTaskState from, SchedulerTaskState to, Edge.Plain edge) {
        TABLE.get(from).put(to, edge);
    }

    private static void fromScatter(Edge.FromScatter edge) {
        TABLE.get(RELEASED).put(MEMORY, edge);
    }

    private static void fromReport(Edge.FromReport edge) {
        TABLE.get(PROCESSING).put(MEMORY, edge);
    }

    private static void outOfProcessing(SchedulerTaskState to, Edge.OutOfProcessing edge) {
        TABLE.get(PROCESSING).put(to, edge);
    }

    static {
        for (SchedulerTaskState s : SchedulerTaskState.values()) {
            TABLE.put(s, new EnumMap<>(SchedulerTaskState.class));
        }
        plain(RELEASED, WAITING, SchedulerTransitions::releasedToWaiting);
        plain(RELEASED, FORGOTTEN, SchedulerTransitions::releasedToForgotten);
        plain(RELEASED, ERRED, SchedulerTransitions::releasedToErred);
        fromScatter(SchedulerTransitions::releasedToMemory);
        plain(WAITING, PROCESSING, SchedulerTransitions::waitingToProcessing);
        plain(WAITING, QUEUED, SchedulerTransitions::waitingToQueued);
        plain(WAITING, NO_WORKER, SchedulerTransitions::waitingToNoWorker);
        plain(WAITING, RELEASED, SchedulerTransitions::waitingToReleased);
        plain(WAITING, ERRED, SchedulerTransitions::waitingToErred);
        plain(QUEUED, PROCESSING, SchedulerTransitions::queuedToProcessing);
        plain(QUEUED, RELEASED, SchedulerTransitions::queuedToReleased);
        plain(QUEUED, ERRED, SchedulerTransitions::queuedToErred);
        plain(NO_WORKER, PROCESSING, SchedulerTransitions::noWorkerToProcessing);
        plain(NO_WORKER, RELEASED, SchedulerTransitions::noWorkerToReleased);
        plain(NO_WORKER, ERRED, SchedulerTransitions::noWorkerToErred);
        fromReport(SchedulerTransitions::processingToMemory);
        outOfProcessing(RELEASED, SchedulerTransitions::processingToReleased);
        outOfProcessing(ERRED, SchedulerTransitions::processingToErred);
        plain(MEMORY, RELEASED, SchedulerTransitions::memoryToReleased);
        plain(MEMORY, FORGOTTEN, SchedulerTransitions::memoryToForgotten);
        plain(ERRED, RELEASED, SchedulerTransitions::erredToReleased);
    }

    /** Whether the table has an edge from {@code from} to {@code to} (not counting via RELEASED). */
    static boolean hasEdge(SchedulerTaskState from, SchedulerTaskState to) {
        return TABLE.get(from).containsKey(to);
    }

    private final ClusterModel m;
    private final WorkerPicker picker;
    private final Recommendations recs;
    private final WorkStealing stealing;

    SchedulerTransitions(ClusterModel m, WorkerPicker picker, Recommendations recs, WorkStealing stealing) {
        this.m = m;
        this.picker = picker;
        this.recs = recs;
        this.stealing = stealing;
    }

    /**
     * Runs the edge from the task's state to {@code to}, which the table has, with what {@code rec} carries.
     *
     * @throws InvalidTransition if {@code rec} does not carry what the edge needs (a result that comes from
     *     neither a scatter nor a report)
     */
    void run(SchedulerTask ts, SchedulerTaskState to, Recommendation rec) {
        switch (TABLE.get(ts.state).get(to)) {
            case Edge.Plain e -> e.apply(this, ts);
            case Edge.FromScatter e when rec instanceof Scattered data -> e.apply(this, ts, data);
            case Edge.FromReport e when rec instanceof Finished f -> e.apply(this, ts, f.report());
            case Edge.OutOfProcessing e when rec instanceof LeavesProcessing why -> e.apply(this, ts, why);
            default -> throw invalid(ts, ts.state, to);
        }
    }

    /** The error for a transition that is not in the table or not given what it needs, with the task's story. */
    InvalidTransition invalid(SchedulerTask ts, SchedulerTaskState from, SchedulerTaskState to) {
        return new InvalidTransition(ts.key, from, to, m.stimulusId, m.story(ts.key), null);
    }

    private void recommend(SchedulerTask ts, SchedulerTaskState to) {
        recs.recommend(ts, to);
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
        stealing.taskAssigned(ts);
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
                ts.priority(),
                whoHas,
                nbytes,
                ts.restrictions.resources(),
                m.stimulusId);
    }

    /** Takes the task off its worker, restoring occupancy and resources; returns the worker. */
    private WorkerInfo removeFromProcessing(SchedulerTask ts) {
        stealing.taskLeavesProcessing(ts);
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
                recs.reexamine.add(ws);
            }
        }
        ts.processingOn = null;
        if (m.alive(ws)) {
            recs.slotsMaybeOpened = true;
        }
        return ws;
    }

    /**
     * A steal the victim agreed to (it dropped the run): the task goes to the thief as a new run, or, if the thief
     * left or cannot take it now, back to the picker through WAITING. Not an edge of the table: the task is
     * PROCESSING before and (usually) after, and the victim must not be told to cancel what it already dropped.
     */
    void stolen(SchedulerTask ts, WorkerInfo thief) {
        WorkerInfo victim = removeFromProcessing(ts);
        if (m.alive(thief) && !thief.paused && thief.resourcesAvailable(ts.restrictions.resources())) {
            assign(ts, thief);
            m.note(ts.key, "stolen: moved from " + victim.address + " to " + thief.address + " as run " + ts.runId);
        } else {
            m.setState(ts, WAITING);
            m.note(ts.key, "stolen from " + victim.address + ", but thief " + thief.address + " can no longer take it");
            recommend(ts, PROCESSING);
        }
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

    private void releasedToWaiting(SchedulerTask ts) {
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
                ts.addWaitingOn(dts);
                if (dts.state == RELEASED) {
                    recommend(dts, WAITING);
                }
            }
            dts.addWaiter(ts);
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

    private void releasedToForgotten(SchedulerTask ts) {
        if (ts.erredOn != null) {
            freeErrors(ts);
        }
        forget(ts);
    }

    private void releasedToErred(SchedulerTask ts) {
        if (ts.whoWants.isEmpty() && ts.dependents.isEmpty()) {
            recommend(ts, FORGOTTEN); // nobody would ever hear of the error
            return;
        }
        enterErred(ts);
    }

    private void releasedToMemory(SchedulerTask ts, Scattered s) {
        m.setNbytes(ts, s.nbytes());
        if (!s.typeName().isEmpty()) {
            ts.typeName = s.typeName();
        }
        for (WorkerInfo ws : s.holders()) {
            m.addReplica(ts, ws);
        }
        enterMemory(ts);
    }

    private void waitingToProcessing(SchedulerTask ts) {
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

    private void waitingToQueued(SchedulerTask ts) {
        if (!ts.waitingOn.isEmpty()) {
            return;
        }
        m.queued.add(ts);
        m.setState(ts, QUEUED);
        // A slot may have opened between the failed pick and now; the loop's refill will look.
        recs.slotsMaybeOpened = true;
    }

    private void waitingToNoWorker(SchedulerTask ts) {
        if (!ts.waitingOn.isEmpty()) {
            return;
        }
        m.unrunnable.add(ts);
        m.setState(ts, NO_WORKER);
    }

    private void waitingToReleased(SchedulerTask ts) {
        leaveActive(ts);
        m.setState(ts, RELEASED);
        afterReleased(ts);
    }

    private void waitingToErred(SchedulerTask ts) {
        enterErred(ts);
    }

    private void queuedToProcessing(SchedulerTask ts) {
        WorkerInfo ws = picker.pick(ts);
        if (ws == null) {
            return; // still saturated
        }
        m.queued.remove(ts);
        assign(ts, ws);
    }

    private void queuedToReleased(SchedulerTask ts) {
        m.queued.remove(ts);
        leaveActive(ts);
        m.setState(ts, RELEASED);
        afterReleased(ts);
    }

    private void queuedToErred(SchedulerTask ts) {
        m.queued.remove(ts);
        enterErred(ts);
    }

    private void noWorkerToProcessing(SchedulerTask ts) {
        WorkerInfo ws = picker.pick(ts);
        if (ws == null) {
            return; // still nowhere to go
        }
        m.unrunnable.remove(ts);
        assign(ts, ws);
    }

    private void noWorkerToReleased(SchedulerTask ts) {
        m.unrunnable.remove(ts);
        leaveActive(ts);
        m.setState(ts, RELEASED);
        afterReleased(ts);
    }

    private void noWorkerToErred(SchedulerTask ts) {
        m.unrunnable.remove(ts);
        enterErred(ts);
    }

    private void processingToMemory(SchedulerTask ts, SchedulerEvent.TaskFinished f) {
        WorkerInfo ws = ts.processingOn;
        if (!ts.longRunning) {
            long took = f.stopNanos() - f.startNanos();
            ts.prefix.recordDuration(took);
            if (ws.recordDuration(took, m.config.shortTaskLatencyNanos())) {
                recs.slotsMaybeOpened = true; // short tasks: this worker may take more of the queue
            }
        }
        removeFromProcessing(ts);
        m.setNbytes(ts, f.nbytes());
        ts.typeName = f.typeName();
        m.addReplica(ts, ws);
        enterMemory(ts);
    }

    /**
     * A worker that reported an error is done and holds it: free it. Otherwise the worker may still be running the
     * task: cancel, unless the worker is gone.
     */
    private void processingToReleased(SchedulerTask ts, LeavesProcessing why) {
        WorkerInfo ws = removeFromProcessing(ts);
        switch (why) {
            case ErredOnWorker e -> freeKey(ws, ts.key);
            case WorkerDied d -> cancelIfAlive(ws, ts);
            case Recommendation.Plain p -> cancelIfAlive(ws, ts);
        }
        leaveActive(ts);
        m.setState(ts, RELEASED);
        afterReleased(ts);
    }

    /** Plain when blamed on a dependency, whose error the recommender already set on the task. */
    private void processingToErred(SchedulerTask ts, LeavesProcessing why) {
        WorkerInfo ws = removeFromProcessing(ts);
        switch (why) {
            case ErredOnWorker e -> {
                ts.exception = e.report().error();
                ts.exceptionBlame = ts.key;
                if (ts.erredOn == null) {
                    ts.erredOn = new LinkedHashSet<>();
                }
                ts.erredOn.add(ws.address);
            }
            case WorkerDied d -> {
                ts.exception = d.error();
                ts.exceptionBlame = ts.key;
            }
            case Recommendation.Plain p -> cancelIfAlive(ws, ts);
        }
        enterErred(ts);
    }

    private void cancelIfAlive(WorkerInfo ws, SchedulerTask ts) {
        if (m.alive(ws)) {
            m.emit(new CancelCompute(ws.address, ts.key, m.stimulusId));
        }
    }

    private void memoryToReleased(SchedulerTask ts) {
        if (ts.dataLost && !ts.whoWants.isEmpty() && ts.runSpec != null && !ts.hasLostDependencies) {
            m.emit(new KeyRecomputing(ts.clientIds(), ts.key)); // afterReleased sends it back to WAITING
        }
        for (SchedulerTask dts : ts.waiters) {
            if (dts.state == WAITING) {
                dts.addWaitingOn(ts);
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

    private void memoryToForgotten(SchedulerTask ts) {
        for (WorkerInfo ws : ts.whoHas) {
            freeKey(ws, ts.key);
            ws.hasWhat.remove(ts);
            ws.nbytes -= m.sizeOf(ts);
        }
        ts.whoHas.clear();
        forget(ts);
    }

    private void erredToReleased(SchedulerTask ts) {
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
