package io.jdask.scheduler.state;

import io.jdask.scheduler.state.SchedulerEvent.StealResponse;
import io.jdask.scheduler.state.SchedulerInstruction.StealRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/*
 * Design note. Work stealing, after Dask's WorkStealing extension (distributed/stealing.py): tasks placed on a worker
 * that turns out busier than another are moved to the idle one while they still wait there.
 *
 * Listing. A task entering PROCESSING is listed under its worker by cost level: the time to move its inputs (their
 * total size over the configured bandwidth, plus LATENCY_NANOS for the conversation) over its expected run time
 * (the prefix's average), as level round(log2(ratio) + 6) clamped to 1..14; tasks without inputs are level 0. Never
 * listed: tasks with worker names or resource restrictions, actor creations (their actor lives where they run, see
 * ACTOR_KEY_PREFIX), tasks that seceded. The level is fixed when the task is listed, on the estimate of that moment,
 * and only orders the candidates: every decision re-checks the task with the current figures. So, unlike Dask, a
 * ratio past the last level does not unlist a task but files it last: the estimate it was judged on may be the very
 * misjudgement that stealing corrects (a function believed to take microseconds that takes 100 ms, its tasks all
 * placed with their input), and Dask re-levels such tasks when the estimate changes, which costs more bookkeeping.
 *
 * Deciding (balance, on a Balance event). Each worker's expected wait is the sum of the current duration estimates
 * of its active tasks over its threads, with tasks whose steal is in flight counted on the thief, not the victim.
 * Thieves: workers not paused with a free thread. Victims: workers with more active tasks than threads, busiest
 * first. Levels are visited cheapest first, a victim's tasks newest first (those would run last there). A task moves
 * to the thief where it could start soonest (wait + time to fetch what it lacks) when
 *     thief wait + fetch + LATENCY + duration  <=  victim wait - duration / 2
 * (Dask's test, in waits per thread: the margin keeps a task from bouncing between two equally loaded workers).
 * Each request updates both waits before the next task is looked at, so one balance evens the load out.
 *
 * The conversation. A move is a request to the victim (StealRequest), which drops the run only if it has not
 * started it, and answers either way (StealResponse). While a request is out the task stays PROCESSING on the
 * victim, unlisted, in inFlight. A yes makes SchedulerTransitions.stolen move it to the thief (or back to the picker
 * if the thief left or paused). A no leaves it where it is, never listed again for this run. Anything that takes
 * the task off the victim meanwhile (its result, an error, a cancel, the victim leaving) ends the move, and the
 * answer that follows finds no move and is ignored; a result from the victim after a move is ignored by the run id
 * check like any stale report, so nothing is counted twice.
 *
 * Pure like the rest of the state: no clock (times come on the events), insertion-ordered collections only.
 */
/** Which processing tasks may move to idle workers, and the requests that move them. */
final class WorkStealing {
    /** Number of cost levels (Dask's 15 cost multipliers). */
    static final int LEVELS = 15;

    /**
     * What moving a task costs besides its inputs' bytes: the request to the victim, its answer, and the new
     * assignment to the thief, a few messages on a loaded network. Much less than Dask's 100 ms, since a jdask
     * round trip costs tens of microseconds; still enough that tasks of a few microseconds are not worth it.
     */
    static final long LATENCY_NANOS = 10_000_000L;

    /** Keys of actor-creating tasks start so ({@code io.jdask.client.Actors}); they are never stolen. */
    static final String ACTOR_KEY_PREFIX = "actor-";

    /** A requested move: the task is PROCESSING on {@code victim} with run {@code runId}. */
    record Move(WorkerInfo victim, WorkerInfo thief, long runId) {}

    private final ClusterModel m;

    /** Exactly the tasks with a steal request out; each is PROCESSING on its move's victim with the move's run id. */
    final LinkedHashMap<SchedulerTask, Move> inFlight = new LinkedHashMap<>();

    WorkStealing(ClusterModel m) {
        this.m = m;
    }

    // ======================================================================================
    // Listing, called by the edges
    // ======================================================================================

    /** The task was just assigned to {@code ts.processingOn}: list it if it may be stolen. */
    void taskAssigned(SchedulerTask ts) {
        if (!m.config.workStealing()) {
            return;
        }
        int level = level(ts);
        if (level < 0) {
            return;
        }
        WorkerInfo ws = ts.processingOn;
        if (ws.stealable == null) {
            var levels = new ArrayList<LinkedHashSet<SchedulerTask>>(LEVELS);
            for (int i = 0; i < LEVELS; i++) {
                levels.add(new LinkedHashSet<>());
            }
            ws.stealable = levels;
        }
        ws.stealable.get(level).add(ts);
        ts.stealLevel = level;
    }

    /** The task leaves PROCESSING (still on {@code ts.processingOn}): unlist it and end any move of it. */
    void taskLeavesProcessing(SchedulerTask ts) {
        unlist(ts);
        inFlight.remove(ts);
    }

    /** The task seceded: it holds no thread slot, so moving it would gain nothing (and it has started). */
    void taskSeceded(SchedulerTask ts) {
        unlist(ts);
    }

    private static void unlist(SchedulerTask ts) {
        if (ts.stealLevel >= 0) {
            ts.processingOn.stealable.get(ts.stealLevel).remove(ts);
            ts.stealLevel = -1;
        }
    }

    /** The cost level of a task as described in the design note, or -1 if it is never stolen. */
    int level(SchedulerTask ts) {
        if (!ts.restrictions.isNone() || ts.longRunning || ts.key.startsWith(ACTOR_KEY_PREFIX)) {
            return -1;
        }
        if (ts.dependencies.isEmpty()) {
            return 0;
        }
        long compute = m.estimate(ts);
        if (compute <= 0) {
            return -1;
        }
        long bytes = 0;
        for (SchedulerTask dep : ts.dependencies) {
            bytes += m.sizeOf(dep);
        }
        double transfer = bytes / m.config.bandwidthBytesPerSecond() * 1e9 + LATENCY_NANOS;
        long level = Math.round(Math.log(transfer / compute) / Math.log(2) + 6);
        return (int) Math.max(1, Math.min(LEVELS - 1, level));
    }

    // ======================================================================================
    // Deciding
    // ======================================================================================

    /**
     * True when a {@link SchedulerEvent.Balance} could move something: stealing is on, some worker that is not paused
     * has a free thread, and another has more active tasks than threads. O(workers); the shell asks before sending.
     */
    boolean balanceWanted() {
        if (!m.config.workStealing() || m.workers.size() < 2) {
            return false;
        }
        boolean idle = false;
        boolean saturated = false;
        for (WorkerInfo ws : m.workers.values()) {
            int active = ws.activeCount();
            if (!ws.paused && active < ws.nthreads) {
                idle = true;
            } else if (active > ws.nthreads) {
                saturated = true;
            }
        }
        return idle && saturated;
    }

    /** Expected work of a worker for one balance: estimates of its active tasks, in-flight moves on their thieves. */
    private static final class Load {
        long workNanos;
        int active;
    }

    void balance() {
        if (!balanceWanted()) {
            return;
        }
        Map<WorkerInfo, Load> loads = loads();
        var thieves = new ArrayList<WorkerInfo>();
        var victims = new ArrayList<WorkerInfo>();
        for (WorkerInfo ws : m.workers.values()) {
            Load l = loads.get(ws);
            if (!ws.paused && l.active < ws.nthreads) {
                thieves.add(ws);
            } else if (l.active > ws.nthreads && ws.stealable != null) {
                victims.add(ws);
            }
        }
        if (thieves.isEmpty() || victims.isEmpty()) {
            return;
        }
        victims.sort((a, b) -> Double.compare(wait(loads.get(b), b), wait(loads.get(a), a)));
        int requested = 0;
        for (int level = 0; level < LEVELS; level++) {
            for (WorkerInfo victim : victims) {
                LinkedHashSet<SchedulerTask> listed = victim.stealable.get(level);
                if (listed.isEmpty()) {
                    continue;
                }
                var newestFirst = new ArrayList<>(listed);
                Collections.reverse(newestFirst);
                Load lv = loads.get(victim);
                for (SchedulerTask ts : newestFirst) {
                    if (lv.active <= victim.nthreads) {
                        break; // nothing waits for a thread there any more
                    }
                    long duration = m.estimate(ts);
                    WorkerInfo thief = null;
                    double thiefStart = 0;
                    for (WorkerInfo w : thieves) {
                        double start = wait(loads.get(w), w) + fetchNanos(ts, w);
                        if (thief == null || start < thiefStart || (start == thiefStart && w.nbytes < thief.nbytes)) {
                            thief = w;
                            thiefStart = start;
                        }
                    }
                    if (thiefStart + LATENCY_NANOS + duration > wait(lv, victim) - duration / 2.0) {
                        continue; // a cheaper task of a later level may still fit
                    }
                    request(ts, victim, thief);
                    requested++;
                    Load lt = loads.get(thief);
                    lv.workNanos -= duration;
                    lv.active--;
                    lt.workNanos += duration;
                    lt.active++;
                }
            }
        }
        if (requested > 0) {
            m.note(victims.getFirst().address, "balance: " + requested + " steal request(s)");
        }
    }

    private Map<WorkerInfo, Load> loads() {
        var loads = new HashMap<WorkerInfo, Load>();
        for (WorkerInfo ws : m.workers.values()) {
            var l = new Load();
            for (SchedulerTask ts : ws.processing) {
                if (!ts.longRunning && !inFlight.containsKey(ts)) {
                    l.workNanos += m.estimate(ts);
                    l.active++;
                }
            }
            loads.put(ws, l);
        }
        for (var e : inFlight.entrySet()) {
            Load l = loads.get(e.getValue().thief());
            if (l != null) { // else the thief left; the answer will find another worker
                l.workNanos += m.estimate(e.getKey());
                l.active++;
            }
        }
        return loads;
    }

    private static double wait(Load l, WorkerInfo ws) {
        return (double) l.workNanos / ws.nthreads;
    }

    /** Nanoseconds to bring the inputs the worker lacks. */
    private double fetchNanos(SchedulerTask ts, WorkerInfo ws) {
        long missing = 0;
        for (SchedulerTask dep : ts.dependencies) {
            if (!dep.whoHas.contains(ws)) {
                missing += m.sizeOf(dep);
            }
        }
        return missing / m.config.bandwidthBytesPerSecond() * 1e9;
    }

    private void request(SchedulerTask ts, WorkerInfo victim, WorkerInfo thief) {
        unlist(ts);
        inFlight.put(ts, new Move(victim, thief, ts.runId));
        m.emit(new StealRequest(victim.address, ts.key, ts.runId, m.stimulusId));
        m.note(ts.key, "steal requested: " + victim.address + " -> " + thief.address);
    }

    // ======================================================================================
    // The answer
    // ======================================================================================

    /**
     * The victim answered. Returns the move to carry out (the victim dropped the run), or null when nothing moves:
     * the answer is stale (no such move any more: the task finished, erred, was cancelled or its victim left), or the
     * victim had started the run. Either way the move is over.
     */
    Move answered(StealResponse e) {
        SchedulerTask ts = m.tasks.get(e.key());
        Move move = ts == null ? null : inFlight.get(ts);
        if (move == null || !move.victim().address.equals(e.worker()) || move.runId() != e.runId()) {
            m.note(e.key(), "StealResponse from " + e.worker() + " ignored: no steal of run " + e.runId() + " is out");
            return null;
        }
        inFlight.remove(ts);
        if (!e.released()) {
            m.note(ts.key, "steal refused by " + e.worker() + ": the task is " + e.workerState() + " there");
            return null;
        }
        return move;
    }

    // ======================================================================================
    // Checks
    // ======================================================================================

    /** Throws naming the first broken invariant of the listing and the moves. */
    void validate() {
        for (WorkerInfo ws : m.workers.values()) {
            if (ws.stealable == null) {
                continue;
            }
            for (int level = 0; level < LEVELS; level++) {
                for (SchedulerTask ts : ws.stealable.get(level)) {
                    if (ts.processingOn != ws || ts.stealLevel != level || ts.state != SchedulerTaskState.PROCESSING) {
                        throw new IllegalStateException("stealable " + ts.key + " listed on " + ws.address
                                + " at level " + level + " but is " + ts.state + " on " + ts.processingOn
                                + " at level " + ts.stealLevel);
                    }
                    if (ts.longRunning || inFlight.containsKey(ts)) {
                        throw new IllegalStateException("stealable " + ts.key + " on " + ws.address
                                + " is long-running or has a steal request out, yet is listed");
                    }
                }
            }
        }
        for (var e : inFlight.entrySet()) {
            SchedulerTask ts = e.getKey();
            Move mv = e.getValue();
            if (ts.state != SchedulerTaskState.PROCESSING || ts.processingOn != mv.victim() || ts.runId != mv.runId()) {
                throw new IllegalStateException("steal of " + ts.key + " from " + mv.victim().address + " run "
                        + mv.runId() + " is out, but the task is " + ts.state + " on " + ts.processingOn + " run "
                        + ts.runId);
            }
        }
        for (SchedulerTask ts : m.tasks.values()) {
            if (ts.stealLevel >= 0
                    && (ts.processingOn == null
                            || ts.processingOn.stealable == null
                            || !ts.processingOn.stealable.get(ts.stealLevel).contains(ts))) {
                throw new IllegalStateException(
                        "task " + ts.key + " says it is stealable at level " + ts.stealLevel + " but is not listed");
            }
        }
    }

    /** Keys with a steal request out, in request order (for tests and the story). */
    List<String> inFlightKeys() {
        var out = new ArrayList<String>(inFlight.size());
        for (SchedulerTask ts : inFlight.keySet()) {
            out.add(ts.key);
        }
        return out;
    }
}
