package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.SchedulerTaskState.ERRED;
import static io.jdask.scheduler.state.SchedulerTaskState.MEMORY;
import static io.jdask.scheduler.state.SchedulerTaskState.NO_WORKER;
import static io.jdask.scheduler.state.SchedulerTaskState.PROCESSING;
import static io.jdask.scheduler.state.SchedulerTaskState.QUEUED;
import static io.jdask.scheduler.state.SchedulerTaskState.WAITING;

import java.util.HashMap;
import java.util.Map;

/*
 * Design note. Checks every cross-index invariant of a settled state (between handle calls), after
 * distributed's validate_state. Linear in the state's size. Each failure names the task or worker and
 * the broken relation, so a failing fuzz run points at the culprit; the story of that key explains how
 * it got there.
 */
/** Invariant checks behind {@link SchedulerState#validate()}. */
final class StateValidator {
    private StateValidator() {}

    static void validate(ClusterModel m, WorkerPicker picker) {
        long[] counts = new long[SchedulerTaskState.values().length];
        for (var entry : m.tasks.entrySet()) {
            SchedulerTask ts = entry.getValue();
            check(ts.key.equals(entry.getKey()), ts, "is indexed under another key " + entry.getKey());
            counts[ts.state.ordinal()]++;
            validateTask(m, ts);
        }
        for (SchedulerTaskState k : SchedulerTaskState.values()) {
            if (k != SchedulerTaskState.FORGOTTEN && counts[k.ordinal()] != m.stateCounts[k.ordinal()]) {
                throw new IllegalStateException("state count of " + k + " is " + m.stateCounts[k.ordinal()] + " but "
                        + counts[k.ordinal()] + " tasks are in it");
            }
        }
        for (WorkerInfo ws : m.workers.values()) {
            validateWorker(m, ws);
        }
        for (ClientInfo c : m.clients.values()) {
            for (SchedulerTask ts : c.wantsWhat) {
                check(ts.whoWants.contains(c), ts, "is in wantsWhat of client " + c.id + " but not wanted by it");
                check(m.tasks.get(ts.key) == ts, ts, "is wanted by client " + c.id + " but not in the task index");
            }
        }
        for (SchedulerTask ts : m.queued) {
            check(ts.state == QUEUED, ts, "is in the queue but not QUEUED");
        }
        long paused = m.workers.values().stream().filter(w -> w.paused).count();
        if (paused != m.pausedWorkers) {
            throw new IllegalStateException(
                    "pausedWorkers is " + m.pausedWorkers + " but " + paused + " connected workers are paused");
        }
        if (!m.queued.isEmpty()) {
            for (WorkerInfo ws : m.workers.values()) {
                if (ws.takesTasks() && ws.activeCount() < ws.slots) {
                    throw new IllegalStateException(
                            m.queued.size() + " tasks are queued (first " + m.queued.first().key + ") while worker "
                                    + ws.address + " has a free slot (" + ws.activeCount() + " of " + ws.slots + ")");
                }
            }
        }
        for (SchedulerTask ts : m.unrunnable) {
            check(ts.state == NO_WORKER, ts, "is in unrunnable but not NO_WORKER");
            WorkerInfo could = picker.pick(ts);
            check(
                    could == null,
                    ts,
                    "is NO_WORKER although worker " + (could == null ? "" : could.address) + " could run it");
        }
    }

    private static void validateTask(ClusterModel m, SchedulerTask ts) {
        SchedulerTaskState s = ts.state;
        check(s != SchedulerTaskState.FORGOTTEN, ts, "is FORGOTTEN but still indexed");
        check(ts.pendingRec == null, ts, "has a pending recommendation " + ts.pendingRec + " after settling");
        for (SchedulerTask d : ts.dependencies) {
            check(d.dependents.contains(ts), ts, "depends on " + d.key + " which does not list it as dependent");
            check(m.tasks.get(d.key) == d, ts, "depends on " + d.key + " which is not indexed");
        }
        for (SchedulerTask d : ts.dependents) {
            check(d.dependencies.contains(ts), ts, "lists dependent " + d.key + " which does not depend on it");
            check(m.tasks.get(d.key) == d, ts, "lists dependent " + d.key + " which is not indexed");
            check(
                    ts.waiters.contains(d) == SchedulerTransitions.isActive(d.state),
                    ts,
                    "waiters " + (ts.waiters.contains(d) ? "contain " : "lack ") + d.key + " which is " + d.state);
        }
        for (SchedulerTask w : ts.waiters) {
            check(ts.dependents.contains(w), ts, "has waiter " + w.key + " that is not a dependent");
        }
        // waiting_on
        if (s == WAITING) {
            check(!ts.waitingOn.isEmpty(), ts, "is WAITING on nothing (it should be running or queued)");
            for (SchedulerTask d : ts.dependencies) {
                check(
                        ts.waitingOn.contains(d) == (d.state != MEMORY),
                        ts,
                        "waitingOn " + (ts.waitingOn.contains(d) ? "contains " : "lacks ") + d.key + " which is "
                                + d.state);
                check(
                        d.state == MEMORY || SchedulerTransitions.isActive(d.state),
                        ts,
                        "waits on " + d.key + " which is " + d.state + " and will never get to memory");
            }
        } else {
            check(
                    ts.waitingOn.isEmpty(),
                    ts,
                    "is " + s + " with non-empty waitingOn " + SchedulerTask.keysOf(ts.waitingOn));
        }
        if (s == QUEUED || s == NO_WORKER || s == PROCESSING) {
            for (SchedulerTask d : ts.dependencies) {
                check(d.state == MEMORY, ts, "is " + s + " but dependency " + d.key + " is " + d.state);
            }
        }
        // needed at all?
        check(!ts.whoWants.isEmpty() || !ts.dependents.isEmpty(), ts, "is neither wanted nor depended on: a leak");
        if (s == MEMORY || SchedulerTransitions.isActive(s)) {
            check(!ts.whoWants.isEmpty() || !ts.waiters.isEmpty(), ts, "is " + s + " though nobody needs it");
        }
        // who_has
        check(ts.whoHas.isEmpty() != (s == MEMORY), ts, "is " + s + " with " + ts.whoHas.size() + " holders");
        for (WorkerInfo ws : ts.whoHas) {
            check(m.alive(ws), ts, "is held by disconnected worker " + ws.address);
            check(ws.hasWhat.contains(ts), ts, "lists holder " + ws.address + " which does not list it");
        }
        // processing
        check((ts.processingOn != null) == (s == PROCESSING), ts, "is " + s + " with processingOn " + ts.processingOn);
        if (ts.processingOn != null) {
            check(m.alive(ts.processingOn), ts, "is processing on disconnected worker " + ts.processingOn.address);
            check(
                    ts.processingOn.processing.contains(ts),
                    ts,
                    "is processing on " + ts.processingOn.address + " which does not list it");
        } else {
            check(
                    ts.occupancyEstimate == 0 && !ts.longRunning,
                    ts,
                    "is not processing but holds occupancy or long-running");
        }
        check(m.queued.contains(ts) == (s == QUEUED), ts, "queue membership disagrees with state " + s);
        check(m.unrunnable.contains(ts) == (s == NO_WORKER), ts, "unrunnable membership disagrees with state " + s);
        for (ClientInfo c : ts.whoWants) {
            check(m.clients.get(c.id) == c, ts, "is wanted by unknown client " + c.id);
            check(c.wantsWhat.contains(ts), ts, "is wanted by " + c.id + " whose wantsWhat lacks it");
        }
        if (s == ERRED) {
            check(ts.exceptionBlame != null, ts, "is ERRED without blame");
            for (SchedulerTask d : ts.dependents) {
                check(
                        d.state == ERRED || d.state == MEMORY || d.state == SchedulerTaskState.RELEASED,
                        ts,
                        "is ERRED but dependent " + d.key + " is " + d.state);
            }
        }
        if (ts.runSpec == null) {
            check(s == MEMORY, ts, "has no run spec (scattered) but is " + s);
        }
        if (s == SchedulerTaskState.QUEUED) {
            check(ts.isRootish(), ts, "is queued but not root-ish");
        }
    }

    private static void validateWorker(ClusterModel m, WorkerInfo ws) {
        long occupancy = 0;
        int longRunning = 0;
        Map<String, Double> used = new HashMap<>();
        for (SchedulerTask ts : ws.processing) {
            if (ts.state != PROCESSING || ts.processingOn != ws) {
                throw new IllegalStateException(
                        "worker " + ws.address + " lists " + ts.key + " as processing but it is " + ts.state + " on "
                                + (ts.processingOn == null ? "nothing" : ts.processingOn.address));
            }
            occupancy += ts.occupancyEstimate;
            if (ts.longRunning) {
                longRunning++;
            }
            ts.restrictions.resources().forEach((k, v) -> used.merge(k, v, Double::sum));
        }
        if (occupancy != ws.occupancy) {
            throw new IllegalStateException("worker " + ws.address + " occupancy " + ws.occupancy
                    + " != sum of its tasks' estimates " + occupancy);
        }
        if (longRunning != ws.longRunningCount) {
            throw new IllegalStateException(
                    "worker " + ws.address + " long-running count " + ws.longRunningCount + " != " + longRunning);
        }
        for (var e : used.entrySet()) {
            double have = ws.usedResources.getOrDefault(e.getKey(), 0.0);
            if (Math.abs(have - e.getValue()) > 1e-6) {
                throw new IllegalStateException("worker " + ws.address + " used resource " + e.getKey() + " = " + have
                        + " != sum of its tasks' " + e.getValue());
            }
            if (e.getValue() > ws.resources.getOrDefault(e.getKey(), 0.0) + 1e-6) {
                throw new IllegalStateException("worker " + ws.address + " oversubscribed " + e.getKey() + ": "
                        + e.getValue() + " > " + ws.resources.get(e.getKey()));
            }
        }
        for (var e : ws.usedResources.entrySet()) {
            if (!used.containsKey(e.getKey()) && Math.abs(e.getValue()) > 1e-6) {
                throw new IllegalStateException(
                        "worker " + ws.address + " has " + e.getValue() + " of " + e.getKey() + " in use by no task");
            }
        }
        long bytes = 0;
        for (SchedulerTask ts : ws.hasWhat) {
            if (!ts.whoHas.contains(ws)) {
                throw new IllegalStateException(
                        "worker " + ws.address + " lists " + ts.key + " as held but the task does not");
            }
            bytes += m.sizeOf(ts);
        }
        if (bytes != ws.nbytes) {
            throw new IllegalStateException("worker " + ws.address + " holds " + ws.nbytes + " bytes by its count but "
                    + bytes + " by its tasks");
        }
    }

    private static void check(boolean ok, SchedulerTask ts, String what) {
        if (!ok) {
            throw new IllegalStateException("task '" + ts.key + "' (" + ts.state + ") " + what);
        }
    }
}
