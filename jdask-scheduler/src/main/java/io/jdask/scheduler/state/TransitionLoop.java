package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.FORGOTTEN;
import static io.jdask.scheduler.state.SchedulerTaskState.PROCESSING;
import static io.jdask.scheduler.state.SchedulerTaskState.RELEASED;

import io.jdask.protocol.state.Transition;
import io.jdask.protocol.state.TransitionCounterMaxExceeded;
import io.jdask.scheduler.state.Recommendation.LeavesProcessing;
import io.jdask.scheduler.state.Recommendation.Plain;
import java.util.HashMap;
import java.util.Map;

/*
 * Design note. The recommendation loop, after distributed's SchedulerState._transitions and
 * _transition: it runs the edges of SchedulerTransitions, one at a time, until no recommendation is left.
 *
 * drain() pops the queue of Recommendations until it is empty. A pair missing from the table is routed
 * through RELEASED: from -> RELEASED, then RELEASED -> x where x is what the first step recommended for
 * the task itself if it did (a released task that is still wanted asks to wait again), else the original
 * target. If that is not in the table either, it is a bug and InvalidTransition is thrown with the task's
 * story. Recommending a task its current state is a no-op.
 *
 * settle() then refills freed worker slots from the head of the QUEUED tasks and re-examines NO_WORKER
 * tasks on workers that gained resources, draining again until quiet.
 *
 * A per-event counter caps transitions (see SchedulerConfig.maxTransitionsPerHandle): a recommendation
 * cycle becomes TransitionCounterMaxExceeded instead of a hang. Every transition goes to the story.
 */
/** Drains recommendations through the transition table, refills freed slots, and logs each transition. */
final class TransitionLoop {

    private final ClusterModel m;
    private final Recommendations recs;
    private final SchedulerTransitions edges;
    private final boolean logging;

    /** Transitions made while handling the current event. */
    private long count;

    private long limit;

    /** A loop with stealing of its own (for tests that build the parts by hand). */
    TransitionLoop(ClusterModel m, WorkerPicker picker) {
        this(m, picker, new WorkStealing(m));
    }

    TransitionLoop(ClusterModel m, WorkerPicker picker, WorkStealing stealing) {
        this.m = m;
        this.logging = m.config.storyCapacity() > 0;
        this.recs = new Recommendations(logging);
        this.edges = new SchedulerTransitions(m, picker, recs, stealing);
    }

    /** See {@link SchedulerTransitions#stolen}. */
    void stolen(SchedulerTask ts, WorkerInfo thief) {
        edges.stolen(ts, thief);
    }

    /** Resets the per-event transition counter. */
    void beginEvent() {
        count = 0;
        limit = m.config.maxTransitionsPerHandle() > 0 ? m.config.maxTransitionsPerHandle() : autoLimit();
    }

    private long autoLimit() {
        return 1000 + 20L * m.tasks.size();
    }

    /** See {@link Recommendations#recommend}. */
    void recommend(SchedulerTask ts, SchedulerTaskState to) {
        recs.recommend(ts, to);
    }

    /** A processing slot may have opened (a worker joined, a task seceded): look at the queue when settling. */
    void slotsMaybeOpened() {
        recs.slotsMaybeOpened = true;
    }

    /** NO_WORKER tasks may fit on this worker now: look when settling. */
    void reexamineUnrunnableOn(WorkerInfo ws) {
        recs.reexamine.add(ws);
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
        while ((ts = recs.poll()) != null) {
            SchedulerTaskState rec = ts.pendingRec;
            if (rec == null || ts.state == FORGOTTEN) {
                ts.pendingRec = null;
                continue;
            }
            transition(ts, Plain.of(rec));
        }
    }

    /** Recommends queued / unrunnable tasks that may now run; true if it recommended any. */
    private boolean refill() {
        boolean any = false;
        if (recs.slotsMaybeOpened) {
            recs.slotsMaybeOpened = false;
            if (!m.queued.isEmpty()) {
                long free = 0;
                for (WorkerInfo ws : m.workers.values()) {
                    if (ws.takesTasks()) free += Math.max(0, ws.slots - ws.activeCount());
                }
                for (SchedulerTask ts : m.queued) {
                    if (free-- <= 0) {
                        break;
                    }
                    recs.recommend(ts, PROCESSING);
                    any = true;
                }
            }
        }
        if (!recs.reexamine.isEmpty()) {
            if (!m.unrunnable.isEmpty()) {
                any |= reexamineUnrunnable();
            }
            recs.reexamine.clear();
        }
        return any;
    }

    private boolean reexamineUnrunnable() {
        boolean any = false;
        // What each re-examined worker still has free, as tasks are tentatively placed on it.
        Map<WorkerInfo, Map<String, Double>> free = new HashMap<>();
        for (SchedulerTask ts : m.unrunnable) {
            Map<String, Double> needs = ts.restrictions.resources();
            for (WorkerInfo ws : recs.reexamine) {
                if (!m.alive(ws) || !ws.takesTasks() || !WorkerPicker.couldRunOn(ts, ws)) {
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
                recs.recommend(ts, PROCESSING);
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
     * Moves a task to {@code rec.to()} now, through RELEASED if there is no direct edge. Event handlers call this
     * for transitions that need the event's data; a pending recommendation for the task is dropped (the event
     * knows better).
     */
    void transition(SchedulerTask ts, Recommendation rec) {
        ts.pendingRec = null;
        SchedulerTaskState from = ts.state;
        SchedulerTaskState target = rec.to();
        if (from == target || from == FORGOTTEN) {
            return;
        }
        if (SchedulerTransitions.hasEdge(from, target)) {
            run(ts, from, target, rec);
            return;
        }
        if (target != RELEASED && SchedulerTransitions.hasEdge(from, RELEASED)) {
            // Why a run ended still matters on the way through RELEASED (a worker holding an error frees it
            // rather than being told to cancel); any other argument belongs to the second step.
            run(ts, from, RELEASED, rec instanceof LeavesProcessing why ? why : Plain.of(RELEASED));
            SchedulerTaskState next = target;
            if (ts.pendingRec != null) { // the released task asked for something itself (e.g. WAITING again)
                next = ts.pendingRec;
                ts.pendingRec = null;
            }
            if (ts.state != RELEASED || next == RELEASED) {
                return;
            }
            if (!SchedulerTransitions.hasEdge(RELEASED, next)) {
                throw edges.invalid(ts, RELEASED, next);
            }
            run(ts, RELEASED, next, next == target ? rec : Plain.of(next));
            return;
        }
        throw edges.invalid(ts, from, target);
    }

    private void run(SchedulerTask ts, SchedulerTaskState from, SchedulerTaskState to, Recommendation rec) {
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
        recs.beginEdge();
        edges.run(ts, to, rec);
        if (logging) {
            m.story.add(Transition.of(ts.key, from, to, ts.state, recs.ofEdge(), m.stimulusId, m.now));
        }
    }
}
