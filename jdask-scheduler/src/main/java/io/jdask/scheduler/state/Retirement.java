package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.MEMORY;

import io.jdask.scheduler.state.SchedulerEvent.RetireWorkers;
import io.jdask.scheduler.state.SchedulerInstruction.AcquireReplicas;
import io.jdask.scheduler.state.SchedulerInstruction.RetireWorker;
import io.jdask.scheduler.state.SchedulerInstruction.RetirementFailed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/*
 * Design note. Graceful retirement, the decisions of Dask's retire_workers and of its Active Memory Manager's
 * RetireWorker policy, without the manager. A retiring worker takes no new task (WorkerInfo.takesTasks); the tasks
 * processing there run to their end (their results land on it and are moved like any other key). A key is safe once a
 * worker that is not retiring holds a copy; for every unsafe key one target is chosen (alive, not retiring, not
 * paused, with room under its memory limit, fewest bytes held first) and told to fetch it from its holders
 * (AcquireReplicas); its AddKeys makes the key safe. A target that leaves or starts retiring before the copy arrives
 * is replaced at the next look. When a retiring worker runs nothing and all it holds is safe, it is told to close
 * for good (RetireWorker, once); its RemoveWorker then loses no data. If an unsafe key has no possible target, the
 * retirement of that worker stops (RetirementFailed, for the shell to answer whoever asked) and the worker takes
 * tasks again.
 *
 * progress() runs after every event while a retirement is open: it scans only the retiring workers' keys.
 */
/** Moves the data off retiring workers and says when each may close; part of the pure scheduler state. */
final class Retirement {
    private final ClusterModel m;
    private final TransitionLoop t;

    /** The retiring workers not closed yet, in the order they were asked for. */
    private final LinkedHashSet<WorkerInfo> retiring = new LinkedHashSet<>();

    /** Each key being copied off a retiring worker, with the worker asked to fetch it. */
    private final HashMap<SchedulerTask, WorkerInfo> copying = new HashMap<>();

    Retirement(ClusterModel m, TransitionLoop t) {
        this.m = m;
        this.t = t;
    }

    boolean active() {
        return !retiring.isEmpty();
    }

    void retire(RetireWorkers e) {
        for (String address : e.workers()) {
            WorkerInfo ws = m.workers.get(address);
            if (ws == null) {
                m.note(address, "RetireWorkers: unknown worker");
                m.emit(new RetirementFailed(address, "no worker at " + address + " is connected"));
                continue;
            }
            if (!ws.retiring) {
                ws.retiring = true;
                retiring.add(ws);
                m.note(address, "retiring: no new tasks; its unique data moves to other workers");
            }
        }
    }

    /** Copies what is not safe yet, closes the workers that are done, and stops the retirements that cannot finish. */
    void progress() {
        copying.entrySet().removeIf(e -> e.getKey().state != MEMORY || safe(e.getKey()));
        // Bytes promised to each target in this pass and before (copies under way), for the memory-limit check.
        Map<WorkerInfo, Long> promised = new HashMap<>();
        for (var e : copying.entrySet()) promised.merge(e.getValue(), m.sizeOf(e.getKey()), Long::sum);
        Map<WorkerInfo, LinkedHashMap<String, List<String>>> asks = new LinkedHashMap<>();
        for (Iterator<WorkerInfo> it = retiring.iterator(); it.hasNext(); ) {
            WorkerInfo ws = it.next();
            if (!m.alive(ws)) {
                it.remove();
                continue;
            }
            if (ws.retireSent) continue;
            boolean allSafe = true;
            String failure = null;
            for (SchedulerTask ts : ws.hasWhat) {
                if (safe(ts)) continue;
                allSafe = false;
                WorkerInfo target = copying.get(ts);
                if (target != null && m.alive(target) && target.takesTasks()) continue; // on its way
                target = pickTarget(ts, promised);
                if (target == null) {
                    failure = "no other worker can take its data (key " + ts.key + ", " + m.sizeOf(ts)
                            + " bytes): start more workers, or free data, then retire it again";
                    break;
                }
                copying.put(ts, target);
                promised.merge(target, m.sizeOf(ts), Long::sum);
                List<String> holders = new ArrayList<>(ts.whoHas.size());
                for (WorkerInfo h : ts.whoHas) holders.add(h.address);
                asks.computeIfAbsent(target, x -> new LinkedHashMap<>()).put(ts.key, holders);
            }
            if (failure != null) {
                it.remove();
                stop(ws, failure);
            } else if (allSafe && ws.processing.isEmpty()) {
                ws.retireSent = true;
                m.note(ws.address, "retired: nothing runs there and its data is safe elsewhere; closing it");
                m.emit(new RetireWorker(ws.address, m.stimulusId));
            }
        }
        for (var a : asks.entrySet()) {
            Map<String, Long> nbytes = new LinkedHashMap<>();
            for (String key : a.getValue().keySet()) nbytes.put(key, m.tasks.get(key).nbytes);
            m.emit(new AcquireReplicas(a.getKey().address, a.getValue(), nbytes, m.stimulusId));
        }
        if (retiring.isEmpty()) copying.clear();
    }

    /** A worker's retirement cannot finish: it takes tasks again, and the shell hears why. */
    private void stop(WorkerInfo ws, String reason) {
        ws.retiring = false;
        copying.values().removeIf(target -> target == ws);
        m.note(ws.address, "retirement stopped: " + reason);
        m.emit(new RetirementFailed(ws.address, reason));
        t.slotsMaybeOpened();
        t.reexamineUnrunnableOn(ws);
    }

    /** Whether a worker that is not retiring holds a copy. */
    private static boolean safe(SchedulerTask ts) {
        for (WorkerInfo h : ts.whoHas) {
            if (!h.retiring) return true;
        }
        return false;
    }

    /** The worker to copy {@code ts} to: alive, not retiring or paused, with room, holding the fewest bytes. */
    private WorkerInfo pickTarget(SchedulerTask ts, Map<WorkerInfo, Long> promised) {
        long size = m.sizeOf(ts);
        WorkerInfo best = null;
        long bestBytes = 0;
        for (WorkerInfo ws : m.workers.values()) {
            if (!ws.takesTasks()) continue;
            long bytes = ws.nbytes + promised.getOrDefault(ws, 0L);
            if (ws.memoryLimitBytes > 0 && bytes + size > ws.memoryLimitBytes) continue;
            if (best == null || bytes < bestBytes) {
                best = ws;
                bestBytes = bytes;
            }
        }
        return best;
    }
}
