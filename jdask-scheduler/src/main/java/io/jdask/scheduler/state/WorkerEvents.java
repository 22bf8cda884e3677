package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.ERRED;
import static io.jdask.scheduler.state.SchedulerTaskState.FORGOTTEN;
import static io.jdask.scheduler.state.SchedulerTaskState.MEMORY;
import static io.jdask.scheduler.state.SchedulerTaskState.PROCESSING;
import static io.jdask.scheduler.state.SchedulerTaskState.RELEASED;
import static io.jdask.scheduler.state.SchedulerTaskState.WAITING;

import io.jdask.scheduler.state.Recommendation.ErredOnWorker;
import io.jdask.scheduler.state.Recommendation.Finished;
import io.jdask.scheduler.state.Recommendation.WorkerDied;
import io.jdask.scheduler.state.SchedulerEvent.AddKeys;
import io.jdask.scheduler.state.SchedulerEvent.AddWorker;
import io.jdask.scheduler.state.SchedulerEvent.CheckWorkerTtl;
import io.jdask.scheduler.state.SchedulerEvent.LongRunning;
import io.jdask.scheduler.state.SchedulerEvent.MissingData;
import io.jdask.scheduler.state.SchedulerEvent.RemoveWorker;
import io.jdask.scheduler.state.SchedulerEvent.StealResponse;
import io.jdask.scheduler.state.SchedulerEvent.TaskErred;
import io.jdask.scheduler.state.SchedulerEvent.TaskFinished;
import io.jdask.scheduler.state.SchedulerEvent.WorkerHeartbeat;
import io.jdask.scheduler.state.SchedulerEvent.WorkerMemory;
import io.jdask.scheduler.state.SchedulerEvent.WorkerReleasedKey;
import io.jdask.scheduler.state.SchedulerInstruction.DisconnectWorker;
import io.jdask.scheduler.state.SchedulerInstruction.FreeKeys;
import java.util.ArrayList;
import java.util.List;

/*
 * Design note. The handlers of the events that come from workers (distributed's add_worker,
 * remove_worker, stimulus_task_finished, stimulus_task_erred, add_keys, handle_missing_data,
 * release_worker_data, long-running). A report about a task is applied only if it is about the run the
 * scheduler knows (same worker, same run id); anything else is stale and noted in the story. Reports that
 * carry what an edge needs (a result, an error, a death count) make a direct, typed transition; the rest
 * recommend. SchedulerState dispatches to these and settles after each event.
 */
/** What the scheduler does when a worker joins, leaves, or reports on tasks and data. */
final class WorkerEvents {
    private final ClusterModel m;
    private final TransitionLoop t;
    private final WorkStealing stealing;

    WorkerEvents(ClusterModel m, TransitionLoop t, WorkStealing stealing) {
        this.m = m;
        this.t = t;
        this.stealing = stealing;
    }

    private WorkerInfo worker(String address, String key, String eventName) {
        WorkerInfo ws = m.workers.get(address);
        if (ws == null) {
            m.note(key, eventName + " ignored: unknown worker " + address);
        }
        return ws;
    }

    void addWorker(AddWorker e) {
        if (m.workers.containsKey(e.address())) {
            m.note(e.address(), "AddWorker ignored: worker already connected");
            return;
        }
        WorkerInfo ws = m.newWorker(e);
        t.slotsMaybeOpened();
        t.reexamineUnrunnableOn(ws);
    }

    /** A worker's memory report: sizes for the dashboard, and a pause or unpause for placement. */
    void workerMemory(WorkerMemory e) {
        WorkerInfo ws = worker(e.worker(), e.worker(), "WorkerMemory");
        if (ws == null) return;
        ws.managedBytes = e.managedBytes();
        ws.spilledBytes = e.spilledBytes();
        ws.heapBytes = e.heapBytes();
        if (!e.exitReason().isEmpty()) ws.exitReason = e.exitReason();
        if (e.paused() != ws.paused) {
            ws.paused = e.paused();
            m.pausedWorkers += ws.paused ? 1 : -1;
            m.note(ws.address, e.paused() ? "worker paused: memory past its pause fraction" : "worker unpaused");
            if (!ws.paused) {
                t.slotsMaybeOpened();
                t.reexamineUnrunnableOn(ws);
            }
        }
    }

    void removeWorker(RemoveWorker e) {
        WorkerInfo ws = m.workers.get(e.address());
        if (ws == null) {
            m.note(e.address(), "RemoveWorker ignored: unknown worker");
            return;
        }
        remove(ws, !e.cause().isEmpty() ? e.cause() : ws.exitReason);
    }

    /**
     * Removes a connected worker, whatever the reason: its results are lost (recomputed when they can be), its running
     * tasks rerun elsewhere, each counting a strike towards {@link KilledWorker} with {@code cause} (empty if unknown).
     */
    private void remove(WorkerInfo ws, String cause) {
        m.workers.remove(ws.address);
        if (ws.paused) {
            m.pausedWorkers--;
        }
        // Lost results first, so that a rescheduled dependent sees them gone and waits for them again
        // instead of being sent to a worker with a dead address in its who-has.
        for (SchedulerTask ts : new ArrayList<>(ws.hasWhat)) {
            m.removeReplica(ts, ws);
            if (ts.whoHas.isEmpty() && ts.state == MEMORY) {
                ts.dataLost = true;
                t.recommend(ts, ts.runSpec != null ? RELEASED : FORGOTTEN);
            }
        }
        int maxDeaths = m.config.maxWorkerDeathsPerTask();
        for (SchedulerTask ts : new ArrayList<>(ws.processing)) {
            ts.suspicious++;
            if (ts.suspicious >= maxDeaths) {
                t.transition(ts, new WorkerDied(new KilledWorker(ts.key, ws.address, ts.suspicious, cause)));
            } else {
                t.recommend(ts, RELEASED); // no CancelCompute: the worker is gone
            }
        }
    }

    /**
     * Word from a worker: any event it caused counts (Dask counts heartbeats only; counting everything costs one
     * field write and keeps a worker that is busy reporting results from being taken for dead).
     */
    void heard(String worker, long now) {
        WorkerInfo ws = m.workers.get(worker);
        if (ws != null && now - ws.lastSeenNanos > 0) {
            ws.lastSeenNanos = now;
        }
    }

    /** A heartbeat: the worker is alive (already counted by {@link #heard}), with fresh figures. */
    void heartbeat(WorkerHeartbeat e) {
        WorkerInfo ws = worker(e.worker(), e.worker(), "WorkerHeartbeat");
        if (ws == null) return;
        ws.reportedExecuting = e.executing();
        ws.reportedReady = e.ready();
        ws.managedBytes = e.managedBytes();
        ws.spilledBytes = e.spilledBytes();
        ws.heapBytes = e.heapBytes();
    }

    /**
     * Removes every worker silent for longer than the time-to-live, as if its connection had closed (Dask's
     * check_worker_ttl), and tells the shell to disconnect it: a worker that was only frozen (SIGSTOP, a paused VM,
     * a network dropping packets without closing the socket) then learns it was removed and comes back as new.
     */
    void checkWorkerTtl(CheckWorkerTtl e) {
        long ttl = m.config.workerTtlNanos();
        if (ttl <= 0 || m.workers.isEmpty()) return;
        List<WorkerInfo> silent = null;
        for (WorkerInfo ws : m.workers.values()) {
            if (e.now() - ws.lastSeenNanos > ttl) {
                if (silent == null) silent = new ArrayList<>();
                silent.add(ws);
            }
        }
        if (silent == null) return;
        for (WorkerInfo ws : silent) {
            String reason = "no word from it for " + seconds(e.now() - ws.lastSeenNanos)
                    + ", past the worker time-to-live of " + seconds(ttl);
            m.note(ws.address, "worker removed: " + reason);
            remove(ws, "it was silent: " + reason);
            m.emit(new DisconnectWorker(ws.address, reason, e.stimulusId()));
        }
    }

    /** Nanoseconds as seconds with one decimal, for messages: {@code 31.2 s}. */
    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /** The task if it is processing on that worker, else null (and the event is noted as stale). */
    private SchedulerTask processingOn(String key, WorkerInfo ws, long runId, String eventName) {
        SchedulerTask ts = m.tasks.get(key);
        if (ts == null || ts.state != PROCESSING || ts.processingOn != ws) {
            m.note(
                    key,
                    eventName + " from " + ws.address + " ignored: stale, the task is "
                            + (ts == null
                                    ? "unknown"
                                    : ts.state + (ts.processingOn == null ? "" : " on " + ts.processingOn.address)));
            return null;
        }
        if (ts.runId != runId) {
            // The worker was told to cancel run `runId` and then to run the key again: this answer is about
            // the cancelled run, whose result the worker dropped.
            m.note(
                    key,
                    eventName + " from " + ws.address + " ignored: stale run " + runId + ", current run is "
                            + ts.runId);
            return null;
        }
        return ts;
    }

    void taskFinished(TaskFinished e) {
        WorkerInfo ws = worker(e.worker(), e.key(), "TaskFinished");
        if (ws == null) {
            return;
        }
        SchedulerTask ts = processingOn(e.key(), ws, e.runId(), "TaskFinished");
        if (ts != null) {
            t.transition(ts, new Finished(e));
        }
    }

    void taskErred(TaskErred e) {
        WorkerInfo ws = worker(e.worker(), e.key(), "TaskErred");
        if (ws == null) {
            return;
        }
        SchedulerTask ts = processingOn(e.key(), ws, e.runId(), "TaskErred");
        if (ts == null) {
            return;
        }
        if (e.retryable() && ts.retriesLeft > 0) {
            ts.retriesLeft--;
            t.transition(ts, new ErredOnWorker(e, WAITING));
        } else {
            t.transition(ts, new ErredOnWorker(e, ERRED));
        }
    }

    void addKeys(AddKeys e) {
        WorkerInfo ws =
                worker(e.worker(), e.keys().isEmpty() ? e.worker() : e.keys().getFirst(), "AddKeys");
        if (ws == null) {
            return;
        }
        List<String> redundant = null;
        for (String k : e.keys()) {
            SchedulerTask ts = m.tasks.get(k);
            if (ts != null && ts.state == MEMORY) {
                m.addReplica(ts, ws);
            } else {
                m.note(k, "AddKeys from " + ws.address + ": replica not needed, asking the worker to free it");
                if (redundant == null) {
                    redundant = new ArrayList<>();
                }
                redundant.add(k);
            }
        }
        if (redundant != null) {
            m.emit(new FreeKeys(ws.address, List.copyOf(redundant), m.stimulusId));
        }
    }

    void missingData(MissingData e) {
        SchedulerTask ts = m.tasks.get(e.key());
        if (ts == null) {
            m.note(e.key(), "MissingData ignored: unknown key");
            return;
        }
        WorkerInfo ws = m.workers.get(e.erringWorker());
        if (ws == null || !ts.whoHas.contains(ws)) {
            m.note(e.key(), "MissingData: " + e.erringWorker() + " was not listed as a holder anyway");
            return;
        }
        dropReplica(ts, ws);
    }

    void workerReleasedKey(WorkerReleasedKey e) {
        WorkerInfo ws = worker(e.worker(), e.key(), "WorkerReleasedKey");
        if (ws == null) {
            return;
        }
        SchedulerTask ts = m.tasks.get(e.key());
        if (ts == null || !ts.whoHas.contains(ws)) {
            m.note(e.key(), "WorkerReleasedKey from " + ws.address + " ignored: not a holder");
            return;
        }
        dropReplica(ts, ws);
    }

    /** The worker no longer has the result; if it was the last copy, recompute or report it lost. */
    private void dropReplica(SchedulerTask ts, WorkerInfo ws) {
        m.removeReplica(ts, ws);
        if (ts.whoHas.isEmpty() && ts.state == MEMORY) {
            ts.dataLost = true;
            t.recommend(ts, ts.runSpec != null ? RELEASED : FORGOTTEN);
        }
    }

    void longRunning(LongRunning e) {
        WorkerInfo ws = worker(e.worker(), e.key(), "LongRunning");
        if (ws == null) {
            return;
        }
        SchedulerTask ts = processingOn(e.key(), ws, e.runId(), "LongRunning");
        if (ts == null || ts.longRunning) {
            return;
        }
        stealing.taskSeceded(ts);
        ts.longRunning = true;
        ws.longRunningCount++;
        ws.occupancy -= ts.occupancyEstimate;
        ts.occupancyEstimate = 0;
        m.note(ts.key, "LongRunning: seceded on " + ws.address + ", no longer holds a thread slot");
        t.slotsMaybeOpened();
    }

    /** A victim answered a steal request: move the task if it gave the run up (see {@link WorkStealing}). */
    void stealResponse(StealResponse e) {
        WorkStealing.Move move = stealing.answered(e);
        if (move != null) {
            t.stolen(m.tasks.get(e.key()), move.thief());
        }
    }
}
