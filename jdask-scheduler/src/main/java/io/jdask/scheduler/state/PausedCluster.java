package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.NO_WORKER;
import static io.jdask.scheduler.state.SchedulerTaskState.PROCESSING;
import static io.jdask.scheduler.state.SchedulerTaskState.QUEUED;
import static io.jdask.scheduler.state.SchedulerTaskState.WAITING;

import java.util.LinkedHashSet;

/*
 * Design note. The rule for a cluster whose every worker is paused by memory (issue 13).
 *
 * Pausing stops new work on a worker; it frees nothing. When what fills every worker is results the waiting tasks
 * still need (or memory the worker cannot give back), the cluster stays paused with nothing running, and before this
 * rule the user saw a compute that never returned and no word why. Dask logs and waits.
 *
 * The rule: a stall starts when, after an event, every connected worker is paused and some task is waiting, queued,
 * unrunnable or processing. If it lasts pausedClusterWarningNanos (the shell's timer brings a CheckDeadlines event
 * then, so a silent cluster is noticed too), every connected client gets one WorkersPaused warning naming each
 * worker's memory figures, and the shell logs it. A worker that unpauses, leaves or joins ends the stall; a later one
 * warns again. Nothing is killed here: the worker's own terminate fraction (and its nanny's restart) stays the one
 * way out that costs data, as the user configured it.
 *
 * Cost: two comparisons after each event (the paused count is kept by WorkerEvents), a scan of the workers only when
 * the warning is made.
 */
/** Watches for a cluster whose workers are all paused while work waits, and warns its clients once per stall. */
final class PausedCluster {
    private final ClusterModel m;

    PausedCluster(ClusterModel m) {
        this.m = m;
    }

    /** After each event: starts, ends or reports a stall. */
    void watch() {
        if (!stalled()) {
            m.allPausedSince = -1;
            m.allPausedWarned = false;
            return;
        }
        if (m.allPausedSince < 0) {
            m.allPausedSince = m.now;
        }
        long grace = m.config.pausedClusterWarningNanos();
        if (!m.allPausedWarned && grace > 0 && m.now - m.allPausedSince >= grace && !m.clients.isEmpty()) {
            m.allPausedWarned = true;
            var ids = new LinkedHashSet<String>();
            for (ClientInfo c : m.clients.values()) {
                ids.add(c.id);
            }
            m.emit(new SchedulerInstruction.WorkersPaused(ids, message()));
        }
    }

    /** When the warning of the current stall is due, or MAX_VALUE if none is. */
    long deadline() {
        long grace = m.config.pausedClusterWarningNanos();
        if (m.allPausedSince < 0 || m.allPausedWarned || grace == 0 || m.clients.isEmpty()) {
            return Long.MAX_VALUE;
        }
        return m.allPausedSince + grace;
    }

    private boolean stalled() {
        return !m.workers.isEmpty() && m.pausedWorkers == m.workers.size() && waitingTasks() > 0;
    }

    private long waitingTasks() {
        long[] c = m.stateCounts;
        return c[WAITING.ordinal()] + c[QUEUED.ordinal()] + c[NO_WORKER.ordinal()] + c[PROCESSING.ordinal()];
    }

    private String message() {
        var sb = new StringBuilder();
        sb.append("every worker (")
                .append(m.workers.size())
                .append(") has been paused by memory for ")
                .append((m.now - m.allPausedSince) / 1_000_000_000L)
                .append(" s while ")
                .append(waitingTasks())
                .append(" tasks wait:");
        for (WorkerInfo ws : m.workers.values()) {
            sb.append("\n  ")
                    .append(
                            ws.name.isEmpty() || ws.name.equals(ws.address)
                                    ? ws.address
                                    : ws.name + " (" + ws.address + ")")
                    .append(": heap ")
                    .append(mb(ws.heapBytes))
                    .append(", managed ")
                    .append(mb(ws.managedBytes))
                    .append(", spilled ")
                    .append(mb(ws.spilledBytes))
                    .append(", limit ")
                    .append(mb(ws.memoryLimitBytes))
                    .append(", results held ")
                    .append(ws.hasWhat.size())
                    .append(", tasks assigned ")
                    .append(ws.processing.size());
        }
        sb.append("\nPausing frees nothing by itself: the results the workers hold may be what the waiting tasks need. "
                + "Release futures you no longer need, give the workers more memory (memoryLimit) or add workers; a "
                + "worker that passes its terminate fraction is restarted by its nanny, losing what it held.");
        return sb.toString();
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "unknown" : (bytes >> 20) + " MB";
    }
}
