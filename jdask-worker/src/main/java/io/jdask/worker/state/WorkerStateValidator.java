package io.jdask.worker.state;

import static io.jdask.worker.state.WorkerTaskState.CANCELLED;
import static io.jdask.worker.state.WorkerTaskState.CONSTRAINED;
import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.FETCH;
import static io.jdask.worker.state.WorkerTaskState.FLIGHT;
import static io.jdask.worker.state.WorkerTaskState.FORGOTTEN;
import static io.jdask.worker.state.WorkerTaskState.LONG_RUNNING;
import static io.jdask.worker.state.WorkerTaskState.MEMORY;
import static io.jdask.worker.state.WorkerTaskState.MISSING;
import static io.jdask.worker.state.WorkerTaskState.READY;
import static io.jdask.worker.state.WorkerTaskState.RESUMED;
import static io.jdask.worker.state.WorkerTaskState.WAITING;

import io.jdask.protocol.state.Transition;
import java.util.HashMap;
import java.util.HashSet;
import java.util.function.Predicate;

/*
 * Design note. Checks every cross-index invariant of the worker state between events, after Dask's
 * validate_state. Linear in the state's size: for tests (WorkerStates runs it after every handle) and
 * debugging, not for every event in production. Each failure names the task and the broken relation and
 * carries the task's story, so a failing property test points at the culprit.
 */
/** The invariant checks behind {@link WorkerState#validate()}. */
final class WorkerStateValidator {
    private final WorkerModel m;

    WorkerStateValidator(WorkerModel m) {
        this.m = m;
    }

    /** Throws {@link IllegalStateException} naming the first broken invariant. */
    void run() {
        m.ready.validate("ready");
        m.constrained.validate("constrained");
        int fetch = 0;
        long memory = 0;
        for (var e : m.tasks.entrySet()) {
            WorkerTask t = e.getValue();
            check(t.key.equals(e.getKey()), t, "is filed under key '" + e.getKey() + "'");
            checkTask(t);
            if (t.state == FETCH) fetch++;
            if (t.state == MEMORY) memory += t.nbytes;
        }
        check(fetch == m.fetchCount, null, "fetchCount " + m.fetchCount + " but " + fetch + " FETCH tasks");
        check(
                memory == m.nbytesInMemory,
                null,
                "nbytesInMemory " + m.nbytesInMemory + " but MEMORY tasks sum to " + memory);
        checkIndex(m.ready.members(), "ready", t -> t.state == READY);
        checkIndex(m.constrained.members(), "constrained", t -> t.state == CONSTRAINED);
        checkIndex(
                m.executing,
                "executing",
                t -> t.state == EXECUTING || (cancelledOrResumed(t) && t.previous == EXECUTING));
        checkIndex(
                m.longRunning,
                "longRunning",
                t -> t.state == LONG_RUNNING || (cancelledOrResumed(t) && t.previous == LONG_RUNNING));
        checkIndex(
                m.inFlightTasks,
                "inFlightTasks",
                t -> t.state == FLIGHT || (cancelledOrResumed(t) && t.previous == FLIGHT));
        checkIndex(m.missing, "missing", t -> t.state == MISSING);
        check(
                m.executing.size() <= m.nthreads + m.executeAhead,
                null,
                m.executing.size() + " tasks executing but nthreads=" + m.nthreads + " and executeAhead="
                        + m.executeAhead);
        checkPeers();
        checkResources();
    }

    private void checkTask(WorkerTask t) {
        check(t.state != FORGOTTEN, t, "is FORGOTTEN but still in the task map");
        check(!t.done, t, "is still marked done after the event");
        check(!t.valueArrived, t, "still has an unaccounted arrived value");
        check(
                t.heapIndex < 0 || m.ready.contains(t) || m.constrained.contains(t),
                t,
                "has a heap index but is in no heap");
        for (WorkerTask d : t.dependencies) {
            check(d.dependents.contains(t), t, "depends on '" + d.key + "' which does not list it");
            check(m.tasks.get(d.key) == d, t, "depends on '" + d.key + "' which is not in the map");
        }
        for (WorkerTask d : t.dependents) {
            check(d.dependencies.contains(t), t, "lists dependent '" + d.key + "' not depending on it");
            check(m.tasks.get(d.key) == d, t, "has dependent '" + d.key + "' which is not in the map");
        }
        for (WorkerTask w : t.waiters) {
            check(w.waitingForData.contains(t), t, "has waiter '" + w.key + "' not waiting for it");
        }
        for (WorkerTask d : t.waitingForData) {
            check(d.waiters.contains(t), t, "waits for '" + d.key + "' which does not list it");
        }
        for (Peer p : t.whoHas) {
            check(m.peers.get(p.address) == p, t, "held by unknown peer " + p);
            check(p.hasWhat.contains(t), t, "held by " + p + " whose hasWhat misses it");
            check(!p.address.equals(m.address), t, "lists this worker among its holders");
        }
        if (t.freed) check(WorkerModel.hasUsingDependent(t), t, "is freed but no dependent uses it");
        boolean prevOk = t.state == CANCELLED || t.state == RESUMED
                ? t.previous == EXECUTING || t.previous == LONG_RUNNING || t.previous == FLIGHT
                : t.previous == null;
        check(prevOk, t, "has previous=" + t.previous);
        WorkerTaskState expectedNext = t.state != RESUMED ? null : t.previous == FLIGHT ? WAITING : FETCH;
        check(t.next == expectedNext, t, "has next=" + t.next + ", expected " + expectedNext);
        if (t.state != WAITING) {
            check(t.waitingForData.isEmpty(), t, "waits for data outside WAITING");
        }
        switch (t.state) {
            case WAITING -> {
                check(!t.waitingForData.isEmpty(), t, "is WAITING for nothing");
                for (WorkerTask d : t.dependencies) {
                    check(
                            t.waitingForData.contains(d) == (d.state != MEMORY),
                            t,
                            "waitingForData is not exactly its dependencies outside MEMORY (at '" + d.key + "')");
                }
            }
            case READY, CONSTRAINED -> {
                check(t.priority != null, t, "is queued without a priority");
                check(
                        (t.state == READY) == t.resources.isEmpty(),
                        t,
                        "is " + t.state + " with resources " + t.resources);
                for (WorkerTask d : t.dependencies) {
                    check(d.state == MEMORY, t, "is " + t.state + " but dependency '" + d.key + "' is " + d.state);
                }
            }
            case FETCH -> {
                check(!t.whoHas.isEmpty(), t, "is FETCH with nobody holding it");
                check(t.priority != null, t, "is FETCH without a priority");
                for (Peer p : t.whoHas) {
                    check(p.dataNeeded.contains(t), t, "is FETCH but not queued at holder " + p);
                }
            }
            case FLIGHT -> {
                check(
                        t.comingFrom != null && t.comingFrom.inFlight != null && t.comingFrom.inFlight.contains(t),
                        t,
                        "is FLIGHT but not in its peer's transfer");
            }
            case MISSING -> check(t.whoHas.isEmpty(), t, "is MISSING but held by " + t.whoHas);
            case MEMORY -> check(t.nbytes >= 0, t, "is in MEMORY without a size");
            default -> {}
        }
        if (t.state != FETCH) {
            for (Peer p : t.whoHas) {
                check(
                        t.priority == null || !p.dataNeeded.contains(t),
                        t,
                        "is " + t.state + " but queued for fetching at " + p);
            }
        }
        if (t.previous == FLIGHT) {
            check(
                    t.comingFrom != null && t.comingFrom.inFlight != null && t.comingFrom.inFlight.contains(t),
                    t,
                    "was cancelled in flight but is in no transfer");
        }
    }

    private void checkPeers() {
        int inFlightPeers = 0;
        long bytes = 0;
        for (var e : m.peers.entrySet()) {
            Peer p = e.getValue();
            check(p.address.equals(e.getKey()), null, "peer " + p + " filed under " + e.getKey());
            check(!p.isUnused(), null, "peer " + p + " is unused but still known");
            for (WorkerTask t : p.hasWhat) {
                check(t.whoHas.contains(p), t, "is in " + p + ".hasWhat but not held by it");
                check(m.tasks.get(t.key) == t, t, "is in " + p + ".hasWhat but not in the map");
            }
            for (WorkerTask t : p.dataNeeded) {
                check(t.state == FETCH && t.whoHas.contains(p), t, "is queued at " + p + " while " + t.state);
            }
            if (p.inFlight != null) {
                inFlightPeers++;
                bytes += p.inFlightBytes;
                check(!p.inFlight.isEmpty(), null, "peer " + p + " has an empty transfer");
                for (WorkerTask t : p.inFlight) {
                    check(t.comingFrom == p, t, "is in " + p + "'s transfer but comes from " + t.comingFrom);
                }
            } else {
                check(p.inFlightBytes == 0, null, "peer " + p + " has bytes in flight but no transfer");
            }
        }
        check(
                inFlightPeers == m.inFlightPeerCount,
                null,
                "inFlightPeerCount " + m.inFlightPeerCount + " but " + inFlightPeers + " peers sending");
        check(
                bytes == m.transferIncomingBytes,
                null,
                "transferIncomingBytes " + m.transferIncomingBytes + " but transfers sum to " + bytes);
    }

    private void checkResources() {
        var held = new HashMap<String, Double>();
        for (WorkerTask t : m.executing)
            for (var r : t.resources.entrySet()) held.merge(r.getKey(), r.getValue(), Double::sum);
        for (WorkerTask t : m.longRunning)
            for (var r : t.resources.entrySet()) held.merge(r.getKey(), r.getValue(), Double::sum);
        var names = new HashSet<>(m.totalResources.keySet());
        names.addAll(m.availableResources.keySet());
        names.addAll(held.keySet());
        for (String r : names) {
            double total = m.totalResources.getOrDefault(r, 0.0);
            double available = m.availableResources.getOrDefault(r, 0.0);
            double h = held.getOrDefault(r, 0.0);
            check(
                    Math.abs(total - available - h) < 1e-9,
                    null,
                    "resource " + r + ": total " + total + " - available " + available + " != held " + h);
        }
    }

    private boolean cancelledOrResumed(WorkerTask t) {
        return t.state == CANCELLED || t.state == RESUMED;
    }

    private void checkIndex(Iterable<WorkerTask> index, String name, Predicate<WorkerTask> ok) {
        int n = 0;
        for (WorkerTask t : index) {
            check(m.tasks.get(t.key) == t, t, "is in " + name + " but not in the task map");
            check(ok.test(t), t, "is in " + name + " while " + t.state + " (previous " + t.previous + ")");
            n++;
        }
        long expected = 0;
        for (WorkerTask t : m.tasks.values()) if (ok.test(t)) expected++;
        check(n == expected, null, name + " holds " + n + " tasks but " + expected + " qualify");
    }

    private void check(boolean ok, WorkerTask t, String what) {
        if (ok) return;
        var msg = new StringBuilder("Invariant broken: ");
        if (t != null)
            msg.append("task '").append(t.key).append("' (").append(t.state).append(") ");
        msg.append(what);
        if (t != null) {
            msg.append(". Story:");
            for (Transition<WorkerTaskState> tr : m.story(t.key))
                msg.append("\n  ").append(tr);
        }
        throw new IllegalStateException(msg.toString());
    }
}
