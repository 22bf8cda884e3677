package io.jdask.scheduler.state;

import java.util.LinkedHashSet;
import java.util.Map;

/*
 * Design note. The worker-choice policy, after Dask's decide_worker / worker_objective and the
 * queuing of root-ish tasks (scheduling-policies.rst):
 *
 * - Root-ish tasks (no dependencies, no restrictions) with queuing on: the least busy worker that
 *   still has a free slot (fewer than WorkerInfo.slots active tasks: ceil(nthreads * saturation), raised
 *   while the worker's recent tasks are shorter than SchedulerConfig.shortTaskLatencyNanos, so that a
 *   worker of microsecond tasks does not wait out a scheduler round trip after every two); none means QUEUED.
 *   Placement of such tasks cannot gain locality, and holding them back keeps the scheduler, not the
 *   workers' ready queues, in charge of order, which is what keeps memory low on big graphs.
 * - Everything else: among valid workers (name/address restriction, resources free right now), the
 *   one minimising  bytes of dependencies it lacks / bandwidth + occupancy / nthreads,  i.e. the
 *   estimated time until it could start; ties go to the worker holding fewer bytes, then to the one
 *   that joined first. Restricted with allowOtherWorkers: if no named worker fits, any worker.
 * - With more than LOCALITY_SCAN_LIMIT workers, a task with dependencies only considers the workers
 *   holding a dependency (Dask's shortcut: scanning every worker per task would be O(workers)); if
 *   none of them is valid, every worker. Without work stealing this can pile dependents onto one
 *   holder on big clusters; a future stealing extension is where that gets balanced.
 *
 * - A paused worker (its memory past the pause fraction, see WorkerEvents.workerMemory) is never chosen; when it
 *   unpauses, queued and NO_WORKER tasks are looked at again, as when a worker joins.
 *
 * Stateless apart from the model it reads; never mutates.
 */
/** Chooses a worker for a ready task, or says there is none. */
final class WorkerPicker {
    static final int LOCALITY_SCAN_LIMIT = 32;

    private final ClusterModel m;

    WorkerPicker(ClusterModel m) {
        this.m = m;
    }

    /** True when a ready task that finds no worker should wait in QUEUED rather than NO_WORKER. */
    boolean shouldQueue(SchedulerTask ts) {
        return m.config.queuingEnabled() && ts.isRootish();
    }

    /** The worker to run a ready task on now, or null if none may. */
    WorkerInfo pick(SchedulerTask ts) {
        if (m.workers.isEmpty()) {
            return null;
        }
        if (shouldQueue(ts)) {
            return pickForQueued();
        }
        boolean named = !ts.restrictions.workers().isEmpty();
        WorkerInfo best = pickByObjective(ts, named);
        if (best == null && named && ts.restrictions.allowOtherWorkers()) {
            best = pickByObjective(ts, false);
        }
        return best;
    }

    /** The least busy worker with a free slot, or null when all are saturated. */
    WorkerInfo pickForQueued() {
        WorkerInfo best = null;
        double bestLoad = 0;
        for (WorkerInfo ws : m.workers.values()) {
            if (!ws.takesTasks()) {
                continue;
            }
            int active = ws.activeCount();
            if (active >= ws.slots) {
                continue;
            }
            double load = (double) active / ws.nthreads;
            if (best == null || load < bestLoad || (load == bestLoad && ws.nbytes < best.nbytes)) {
                best = ws;
                bestLoad = load;
            }
        }
        return best;
    }

    private WorkerInfo pickByObjective(SchedulerTask ts, boolean applyNames) {
        if (m.workers.size() > LOCALITY_SCAN_LIMIT && !ts.dependencies.isEmpty()) {
            var holders = new LinkedHashSet<WorkerInfo>();
            for (SchedulerTask dep : ts.dependencies) {
                holders.addAll(dep.whoHas);
            }
            WorkerInfo best = scan(ts, holders, applyNames);
            if (best != null) {
                return best;
            }
        }
        return scan(ts, m.workers.values(), applyNames);
    }

    private WorkerInfo scan(SchedulerTask ts, Iterable<WorkerInfo> candidates, boolean applyNames) {
        WorkerInfo best = null;
        double bestCost = 0;
        Map<String, Double> needs = ts.restrictions.resources();
        for (WorkerInfo ws : candidates) {
            if (!ws.takesTasks() || (applyNames && !nameMatches(ts, ws))) {
                continue;
            }
            if (!ws.resourcesAvailable(needs)) {
                continue;
            }
            double cost = objective(ts, ws);
            if (best == null || cost < bestCost || (cost == bestCost && ws.nbytes < best.nbytes)) {
                best = ws;
                bestCost = cost;
            }
        }
        return best;
    }

    /** Estimated seconds until the task could start on the worker. */
    double objective(SchedulerTask ts, WorkerInfo ws) {
        long missing = 0;
        for (SchedulerTask dep : ts.dependencies) {
            if (!dep.whoHas.contains(ws)) {
                missing += m.sizeOf(dep);
            }
        }
        return missing / m.config.bandwidthBytesPerSecond() + ws.occupancy / 1e9 / ws.nthreads;
    }

    static boolean nameMatches(SchedulerTask ts, WorkerInfo ws) {
        var names = ts.restrictions.workers();
        return names.isEmpty() || names.contains(ws.address) || names.contains(ws.name);
    }

    /** True when the worker could ever run the task (names, and total resources, ignoring what is in use). */
    static boolean couldRunOn(SchedulerTask ts, WorkerInfo ws) {
        return (nameMatches(ts, ws) || ts.restrictions.allowOtherWorkers())
                && ws.resourcesSuffice(ts.restrictions.resources());
    }
}
