package io.jdask.worker.state;

import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.LONG_RUNNING;

import io.jdask.worker.state.WorkerInstruction.Rejoined;
import java.util.ArrayList;
import java.util.HashMap;

/*
 * Design note. Which task a free thread takes: a rejoining seceded task first (it already holds memory and
 * finishes sooner), then the best READY or CONSTRAINED task whose resources are free, then, with every
 * thread busy, up to executeAhead more short READY tasks, which wait in the shell's run line and start as
 * soon as a thread frees. "Short" is learnt per key prefix from the durations the shell reports. The
 * planner recommends EXECUTING; the edges emit the Execute instructions.
 */
/** Picks the tasks to run while threads and resources allow, and keeps the resource accounts. */
final class ComputePlanner {
    /** Prefixes whose durations are kept at most. */
    static final int MAX_PREFIXES = 10_000;

    private final WorkerModel m;
    /**
     * Average run time (exponential, weight 1/2) of the tasks of each key prefix (the text before the key's last
     * '-', as the scheduler pools them): what decides whether a ready task is short enough to run ahead.
     */
    private final HashMap<String, Long> prefixDurations = new HashMap<>();

    ComputePlanner(WorkerModel m) {
        this.m = m;
    }

    /** Starts ready tasks while threads (and, for constrained ones, resources) allow. */
    void ensureComputing() {
        while (m.executing.size() < m.nthreads && !m.rejoining.isEmpty()) {
            WorkerTask ts = m.rejoining.pollFirst();
            if (ts.state == LONG_RUNNING && m.longRunning.remove(ts)) {
                m.executing.add(ts);
                m.recommend(ts, EXECUTING);
            } else {
                // Cancelled or done meanwhile: just let its thread go on.
                m.emit(new Rejoined(ts.key, m.stimulusId()));
            }
        }
        if (!m.running) return; // paused: only tasks that already hold memory (rejoining ones) go on
        ArrayList<WorkerTask> chosen = null;
        while (m.executing.size() < m.nthreads) {
            WorkerTask ts = nextReadyTask();
            if (ts == null) break;
            acquireResources(ts);
            m.executing.add(ts);
            if (chosen == null) chosen = new ArrayList<>();
            chosen.add(ts);
        }
        // Execute ahead: with every thread busy, a few more short tasks are handed over, to run on the next thread that
        // frees in the order given here. A stream of short tasks then runs back to back, without a thread waiting for
        // this state between two of them. Only READY tasks (a CONSTRAINED one would hold its resources while it
        // waits), only ones known to be short, and never past a higher-priority CONSTRAINED task.
        while (m.executing.size() < m.nthreads + m.executeAhead && m.rejoining.isEmpty()) {
            WorkerTask ts = m.ready.peek();
            if (ts == null || !isShort(ts)) break;
            WorkerTask c = m.constrained.peek();
            if (c != null && WorkerTask.ORDER.compare(c, ts) < 0) break;
            m.ready.poll();
            m.executing.add(ts);
            if (chosen == null) chosen = new ArrayList<>();
            chosen.add(ts);
        }
        // Recommendations drain last-in first-out: recommended in reverse, the Execute instructions come out in the
        // order chosen, which is the order the task threads take them in.
        if (chosen != null) {
            for (int i = chosen.size() - 1; i >= 0; i--) m.recommend(chosen.get(i), EXECUTING);
        }
    }

    /** Common part of ExecuteSuccess and ExecuteFailure: frees the thread and its resources. */
    void executeDone(WorkerTask ts) {
        ts.done = true;
        releaseResources(ts);
        m.executing.remove(ts);
        m.longRunning.remove(ts);
        ensureComputing();
    }

    /** Learns how long the tasks of {@code ts}'s prefix run; only while execute-ahead is on. */
    void recordDuration(WorkerTask ts, long nanos) {
        if (m.executeAhead == 0 || nanos < 0) return;
        if (prefixDurations.size() >= MAX_PREFIXES && !prefixDurations.containsKey(prefixOf(ts))) {
            prefixDurations.clear(); // a run of one-off key names; start learning again
        }
        prefixDurations.merge(prefixOf(ts), nanos, (old, now) -> (old + now) / 2);
    }

    /** Whether the tasks of {@code ts}'s prefix ran shorter than {@code shortTaskNanos} on average. */
    private boolean isShort(WorkerTask ts) {
        Long avg = prefixDurations.get(prefixOf(ts));
        return avg != null && avg < m.shortTaskNanos;
    }

    private static String prefixOf(WorkerTask ts) {
        if (ts.prefix == null) {
            ts.prefix = io.jdask.TaskRecord.functionNameOf(ts.key);
        }
        return ts.prefix;
    }

    private WorkerTask nextReadyTask() {
        WorkerTask r = m.ready.peek();
        WorkerTask c = m.constrained.peek();
        if (c != null && resourcesSatisfied(c) && (r == null || WorkerTask.ORDER.compare(c, r) < 0)) {
            return m.constrained.poll();
        }
        return m.ready.poll();
    }

    private boolean resourcesSatisfied(WorkerTask ts) {
        for (var e : ts.resources.entrySet()) {
            if (m.availableResources.getOrDefault(e.getKey(), 0.0) < e.getValue()) return false;
        }
        return true;
    }

    private void acquireResources(WorkerTask ts) {
        for (var e : ts.resources.entrySet()) {
            m.availableResources.merge(e.getKey(), -e.getValue(), Double::sum);
        }
    }

    /** Gives back the resources a running task held. */
    void releaseResources(WorkerTask ts) {
        for (var e : ts.resources.entrySet()) {
            m.availableResources.merge(e.getKey(), e.getValue(), Double::sum);
        }
    }
}
