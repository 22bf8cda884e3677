package io.jdask.worker.state;

import static io.jdask.worker.state.WorkerTaskState.CANCELLED;
import static io.jdask.worker.state.WorkerTaskState.CONSTRAINED;
import static io.jdask.worker.state.WorkerTaskState.ERROR;
import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.FETCH;
import static io.jdask.worker.state.WorkerTaskState.FLIGHT;
import static io.jdask.worker.state.WorkerTaskState.FORGOTTEN;
import static io.jdask.worker.state.WorkerTaskState.LONG_RUNNING;
import static io.jdask.worker.state.WorkerTaskState.MEMORY;
import static io.jdask.worker.state.WorkerTaskState.MISSING;
import static io.jdask.worker.state.WorkerTaskState.READY;
import static io.jdask.worker.state.WorkerTaskState.RELEASED;
import static io.jdask.worker.state.WorkerTaskState.RESUMED;
import static io.jdask.worker.state.WorkerTaskState.WAITING;

import io.jdask.worker.state.Recommendation.ToError;
import io.jdask.worker.state.WorkerInstruction.AddKeysMsg;
import io.jdask.worker.state.WorkerInstruction.Execute;
import io.jdask.worker.state.WorkerInstruction.LongRunningMsg;
import io.jdask.worker.state.WorkerInstruction.Rejoined;
import io.jdask.worker.state.WorkerInstruction.ReleaseWorkerDataMsg;
import io.jdask.worker.state.WorkerInstruction.TaskErredMsg;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;

/*
 * Design note. The transition table and its edges, after _TRANSITIONS_TABLE and the _transition_* methods
 * of Dask's worker_state_machine.py. TABLE maps (from, to) to one edge method named fromToTo; an edge
 * changes the task and the indexes, emits the instructions it causes and recommends further transitions.
 * The loop that drains recommendations, routes a missing pair through RELEASED and logs each transition is
 * WorkerState's; this class only runs one edge at a time.
 *
 * Typed arguments: the target of an edge decides what it needs. Edges into ERROR take the failure
 * (Recommendation.ToError), edges into FLIGHT the peer sending the key, all others nothing; the three
 * shapes of Edge say so, and the table is filled by one method per shape that fixes the target, so an
 * edge given the wrong argument does not compile.
 */
/** The worker's transition table and its edges, one method per edge. */
final class WorkerTransitions {

    /** One edge of the table, in one of three shapes by what it needs. */
    sealed interface Edge {
        /** An edge that needs nothing but the task. */
        @FunctionalInterface
        non-sealed interface Plain extends Edge {
            void apply(WorkerTransitions t, WorkerTask ts);
        }

        /** An edge into ERROR: it needs the failure. */
        @FunctionalInterface
        non-sealed interface IntoError extends Edge {
            void apply(WorkerTransitions t, WorkerTask ts, ToError failure);
        }

        /** An edge into FLIGHT: it needs the peer the key comes from. */
        @FunctionalInterface
        non-sealed interface IntoFlight extends Edge {
            void apply(WorkerTransitions t, WorkerTask ts, Peer from);
        }
    }

    /** (from, to) -> edge. A pair not listed goes through RELEASED or is invalid. */
    private static final EnumMap<WorkerTaskState, EnumMap<WorkerTaskState, Edge>> TABLE =
            new EnumMap<>(WorkerTaskState.class);

    private static void plain(WorkerTaskState from, WorkerTaskState to, Edge.Plain edge) {
        TABLE.get(from).put(to, edge);
    }

    private static void intoError(WorkerTaskState from, Edge.IntoError edge) {
        TABLE.get(from).put(ERROR, edge);
    }

    private static void intoFlight(WorkerTaskState from, Edge.IntoFlight edge) {
        TABLE.get(from).put(FLIGHT, edge);
    }

    static {
        for (WorkerTaskState s : WorkerTaskState.values()) TABLE.put(s, new EnumMap<>(WorkerTaskState.class));
        plain(RELEASED, WAITING, WorkerTransitions::releasedToWaiting);
        plain(RELEASED, FETCH, WorkerTransitions::releasedToFetch);
        plain(RELEASED, MISSING, WorkerTransitions::releasedToMissing);
        plain(RELEASED, MEMORY, WorkerTransitions::releasedToMemory);
        intoError(RELEASED, WorkerTransitions::releasedToError);
        plain(RELEASED, FORGOTTEN, WorkerTransitions::releasedToForgotten);
        plain(WAITING, READY, WorkerTransitions::waitingToReady);
        plain(WAITING, CONSTRAINED, WorkerTransitions::waitingToConstrained);
        intoError(WAITING, WorkerTransitions::waitingToError);
        plain(WAITING, RELEASED, WorkerTransitions::waitingToReleased);
        plain(READY, EXECUTING, WorkerTransitions::readyToExecuting);
        plain(READY, RELEASED, WorkerTransitions::readyToReleased);
        plain(CONSTRAINED, EXECUTING, WorkerTransitions::constrainedToExecuting);
        plain(CONSTRAINED, RELEASED, WorkerTransitions::constrainedToReleased);
        plain(EXECUTING, MEMORY, WorkerTransitions::executingToMemory);
        intoError(EXECUTING, WorkerTransitions::executingToError);
        plain(EXECUTING, LONG_RUNNING, WorkerTransitions::executingToLongRunning);
        plain(LONG_RUNNING, EXECUTING, WorkerTransitions::longRunningToExecuting);
        plain(EXECUTING, RELEASED, WorkerTransitions::executingToReleased);
        plain(LONG_RUNNING, MEMORY, WorkerTransitions::executingToMemory);
        intoError(LONG_RUNNING, WorkerTransitions::executingToError);
        plain(LONG_RUNNING, RELEASED, WorkerTransitions::executingToReleased);
        intoFlight(FETCH, WorkerTransitions::fetchToFlight);
        plain(FETCH, MISSING, WorkerTransitions::fetchToMissing);
        plain(FETCH, RELEASED, WorkerTransitions::fetchToReleased);
        plain(FLIGHT, MEMORY, WorkerTransitions::flightToMemory);
        plain(FLIGHT, FETCH, WorkerTransitions::flightToFetch);
        plain(FLIGHT, MISSING, WorkerTransitions::flightToMissing);
        intoError(FLIGHT, WorkerTransitions::flightToError);
        plain(FLIGHT, RELEASED, WorkerTransitions::flightToReleased);
        plain(MISSING, FETCH, WorkerTransitions::missingToFetch);
        plain(MISSING, WAITING, WorkerTransitions::missingToWaiting);
        intoError(MISSING, WorkerTransitions::missingToError);
        plain(MISSING, RELEASED, WorkerTransitions::missingToReleased);
        plain(MEMORY, RELEASED, WorkerTransitions::memoryToReleased);
        plain(ERROR, RELEASED, WorkerTransitions::errorToReleased);
        plain(CANCELLED, RELEASED, WorkerTransitions::cancelledToReleased);
        plain(CANCELLED, MEMORY, WorkerTransitions::cancelledToReleased);
        plain(CANCELLED, ERROR, WorkerTransitions::cancelledToReleased);
        plain(CANCELLED, MISSING, WorkerTransitions::cancelledToReleased);
        plain(CANCELLED, FETCH, WorkerTransitions::cancelledToFetch);
        plain(CANCELLED, WAITING, WorkerTransitions::cancelledToWaiting);
        plain(CANCELLED, LONG_RUNNING, WorkerTransitions::cancelledToLongRunning);
        plain(RESUMED, MEMORY, WorkerTransitions::resumedToMemory);
        plain(RESUMED, ERROR, WorkerTransitions::resumedToError);
        plain(RESUMED, FETCH, WorkerTransitions::resumedToFetch);
        plain(RESUMED, MISSING, WorkerTransitions::resumedToMissing);
        plain(RESUMED, RELEASED, WorkerTransitions::resumedToReleased);
        plain(RESUMED, LONG_RUNNING, WorkerTransitions::cancelledToLongRunning);
    }

    /** Whether the table has an edge from {@code from} to {@code to} (not counting via RELEASED). */
    static boolean hasEdge(WorkerTaskState from, WorkerTaskState to) {
        return TABLE.get(from).containsKey(to);
    }

    /** What to tell the scheduler when a task lands in memory. */
    private enum MemoryReport {
        NONE,
        TASK_FINISHED,
        ADD_KEYS
    }

    private final WorkerModel m;
    private final FetchPlanner fetch;
    private final ComputePlanner compute;

    WorkerTransitions(WorkerModel m, FetchPlanner fetch, ComputePlanner compute) {
        this.m = m;
        this.fetch = fetch;
        this.compute = compute;
    }

    /**
     * Runs the edge from the task's state to the recommended one. Returns false, changing nothing, if the table
     * has no such edge.
     */
    boolean run(WorkerTask ts, Recommendation rec) {
        Edge edge = TABLE.get(ts.state).get(rec.to());
        if (edge == null) return false;
        switch (edge) {
            case Edge.Plain e -> e.apply(this, ts);
            case Edge.IntoError e when rec instanceof ToError failure -> e.apply(this, ts, failure);
            case Edge.IntoFlight e
            when rec instanceof Recommendation.ToFlight flight -> e.apply(this, ts, flight.peer());
            // Unreachable: intoError and intoFlight put edges only where the target is ERROR or FLIGHT, and only
            // ToError and ToFlight recommend those targets.
            default -> throw new IllegalStateException(ts.key + ": " + rec + " does not fit the edge into " + rec.to());
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------
    // Edges

    private void releasedToWaiting(WorkerTask ts) {
        ts.clearWaitingForData();
        for (WorkerTask dep : ts.dependencies) {
            if (dep.state != MEMORY) {
                ts.addWaitingForData(dep);
                dep.addWaiter(ts);
                m.recommend(dep, FETCH);
            }
        }
        if (ts.waitingForData.isEmpty()) m.recommend(ts, READY);
        ts.state = WAITING;
    }

    private void releasedToFetch(WorkerTask ts) {
        genericFetch(ts);
    }

    private void releasedToMissing(WorkerTask ts) {
        genericMissing(ts);
    }

    private void releasedToMemory(WorkerTask ts) {
        // Scatter: the scheduler made this happen and needs no report.
        toMemory(ts, MemoryReport.NONE);
    }

    private void releasedToError(WorkerTask ts, ToError failure) {
        genericError(ts, failure.error());
    }

    private void releasedToForgotten(WorkerTask ts) {
        if (!ts.dependents.isEmpty()) return; // a dependent appeared since: stay RELEASED
        for (WorkerTask dep : ts.dependencies) {
            dep.removeDependent(ts);
            if (dep.state == RELEASED && dep.dependents.isEmpty()) m.recommend(dep, FORGOTTEN);
        }
        purge(ts);
        ts.state = FORGOTTEN;
        m.tasks.remove(ts.key);
    }

    private void waitingToReady(WorkerTask ts) {
        if (!ts.resources.isEmpty()) {
            m.recommend(ts, CONSTRAINED);
            return;
        }
        ts.state = READY;
        m.ready.add(ts);
        compute.ensureComputing();
    }

    private void waitingToConstrained(WorkerTask ts) {
        ts.state = CONSTRAINED;
        m.constrained.add(ts);
        compute.ensureComputing();
    }

    private void waitingToError(WorkerTask ts, ToError failure) {
        for (WorkerTask dep : ts.waitingForData) dep.waiters.remove(ts);
        ts.clearWaitingForData();
        genericError(ts, failure.error());
    }

    private void waitingToReleased(WorkerTask ts) {
        genericReleased(ts);
    }

    private void readyToExecuting(WorkerTask ts) {
        ts.state = EXECUTING;
        m.emit(new Execute(ts.key, ts.runId, m.stimulusId()));
    }

    private void readyToReleased(WorkerTask ts) {
        genericReleased(ts);
    }

    private void constrainedToExecuting(WorkerTask ts) {
        ts.state = EXECUTING;
        m.emit(new Execute(ts.key, ts.runId, m.stimulusId()));
    }

    private void constrainedToReleased(WorkerTask ts) {
        genericReleased(ts);
    }

    /** EXECUTING or LONG_RUNNING -> MEMORY: the task returned. */
    private void executingToMemory(WorkerTask ts) {
        ts.done = false;
        toMemory(ts, MemoryReport.TASK_FINISHED);
    }

    /** EXECUTING or LONG_RUNNING -> ERROR: the task threw. */
    private void executingToError(WorkerTask ts, ToError failure) {
        ts.done = false;
        genericError(ts, failure.error());
    }

    private void executingToLongRunning(WorkerTask ts) {
        ts.state = LONG_RUNNING;
        m.executing.remove(ts);
        m.longRunning.add(ts);
        m.emit(new LongRunningMsg(ts.key, ts.runId, m.stimulusId()));
        compute.ensureComputing();
    }

    /** LONG_RUNNING -> EXECUTING: a rejoining task took a free slot (ComputePlanner moved it between the sets). */
    private void longRunningToExecuting(WorkerTask ts) {
        ts.state = EXECUTING;
        m.emit(new Rejoined(ts.key, m.stimulusId()));
    }

    /**
     * EXECUTING or LONG_RUNNING -> RELEASED: a thread cannot be stopped, so the task is CANCELLED until it
     * returns; its result is then thrown away.
     */
    private void executingToReleased(WorkerTask ts) {
        if (ts.done) {
            ts.done = false;
            genericReleased(ts);
            return;
        }
        ts.previous = ts.state;
        ts.state = CANCELLED;
        ts.freed = false; // already on its way out
    }

    private void fetchToFlight(WorkerTask ts, Peer from) {
        ts.state = FLIGHT;
        ts.done = false;
        ts.comingFrom = from;
        m.inFlightTasks.add(ts);
        m.fetchCount--;
    }

    private void fetchToMissing(WorkerTask ts) {
        m.fetchCount--;
        fetch.dequeue(ts);
        genericMissing(ts);
    }

    private void fetchToReleased(WorkerTask ts) {
        genericReleased(ts); // purge takes it out of the peers' queues while it is still FETCH
        m.fetchCount--;
    }

    private void flightToMemory(WorkerTask ts) {
        ts.done = false;
        toMemory(ts, MemoryReport.ADD_KEYS);
    }

    /** Only once the transfer ended (done): try another holder, or go MISSING. */
    private void flightToFetch(WorkerTask ts) {
        if (!ts.done) return;
        genericFetch(ts);
    }

    private void flightToMissing(WorkerTask ts) {
        genericMissing(ts);
    }

    /**
     * The value arrived broken. The key errs here and so do local tasks waiting for it: they can never run. (The
     * scheduler, told about the dependents, decides what happens next.)
     */
    private void flightToError(WorkerTask ts, ToError failure) {
        ts.done = false;
        for (WorkerTask d : new ArrayList<>(ts.waiters)) {
            if (d.state == WAITING) {
                var cause = new DependencyFetchError(ts.key, failure.peer(), failure.error());
                m.recommend(d, new ToError(cause, null));
            }
        }
        genericError(ts, failure.error());
    }

    /** The transfer cannot be stopped: the task is CANCELLED until it ends, then released. */
    private void flightToReleased(WorkerTask ts) {
        if (ts.done) {
            ts.done = false;
            genericReleased(ts);
            return;
        }
        ts.previous = FLIGHT;
        ts.state = CANCELLED;
        ts.freed = false; // already on its way out
    }

    private void missingToFetch(WorkerTask ts) {
        if (ts.whoHas.isEmpty()) return;
        m.missing.remove(ts);
        genericFetch(ts);
    }

    private void missingToWaiting(WorkerTask ts) {
        m.missing.remove(ts);
        purge(ts);
        releasedToWaiting(ts);
    }

    private void missingToError(WorkerTask ts, ToError failure) {
        m.missing.remove(ts);
        genericError(ts, failure.error());
    }

    private void missingToReleased(WorkerTask ts) {
        m.missing.remove(ts);
        genericReleased(ts);
    }

    private void memoryToReleased(WorkerTask ts) {
        m.nbytesInMemory -= ts.nbytes;
        m.scratch.drops.add(ts.key);
        genericReleased(ts);
        // The scheduler forgets a holder before it sends FreeKeys, so telling it again would be one more message per
        // task that it ignores; every other release (a replica let go, a freed dependency no longer used) is told.
        if (!m.scratch.freedByScheduler.remove(ts.key)) {
            m.emit(new ReleaseWorkerDataMsg(ts.key, m.stimulusId()));
        }
    }

    private void errorToReleased(WorkerTask ts) {
        genericReleased(ts);
    }

    /**
     * CANCELLED -> RELEASED, MEMORY, ERROR or MISSING: nothing happens until the execution or transfer ended
     * (done); then its outcome is thrown away and the task released.
     */
    private void cancelledToReleased(WorkerTask ts) {
        if (!ts.done) return;
        ts.previous = null;
        ts.done = false;
        genericReleased(ts);
    }

    /** Asked to fetch a cancelled task. */
    private void cancelledToFetch(WorkerTask ts) {
        if (ts.previous == FLIGHT) {
            if (ts.done) {
                m.recommend(ts, RELEASED); // the transfer just ended: forget its outcome, start over
            } else {
                ts.state = FLIGHT; // still coming: as if never cancelled
                ts.previous = null;
            }
        } else {
            ts.state = RESUMED; // still executing: take its result, or fetch if it fails
            ts.next = FETCH;
        }
    }

    /** Asked to compute a cancelled task. */
    private void cancelledToWaiting(WorkerTask ts) {
        if (ts.done) {
            ts.previous = null;
            ts.done = false;
            genericReleased(ts);
            m.recommend(ts, WAITING);
            return;
        }
        switch (ts.previous) {
            case EXECUTING -> {
                ts.state = EXECUTING; // still running: as if never cancelled
                ts.previous = null;
            }
            case LONG_RUNNING -> {
                ts.state = LONG_RUNNING;
                ts.previous = null;
                // The scheduler forgot it seceded; tell it again.
                m.emit(new LongRunningMsg(ts.key, ts.runId, m.stimulusId()));
            }
            default -> {
                ts.state = RESUMED; // in flight: take the value, or compute if the transfer fails
                ts.next = WAITING;
            }
        }
    }

    /** CANCELLED or RESUMED -> LONG_RUNNING: a cancelled task seceded; the scheduler is not told. */
    private void cancelledToLongRunning(WorkerTask ts) {
        if (ts.previous != EXECUTING && ts.previous != LONG_RUNNING) return;
        ts.previous = LONG_RUNNING;
        if (m.executing.remove(ts)) m.longRunning.add(ts);
        compute.ensureComputing();
    }

    /**
     * The resumed task's first job succeeded. The scheduler expects the second one: from a finished execution it
     * expected a fetch (AddKeysMsg), from a finished transfer a computation (TaskFinishedMsg).
     */
    private void resumedToMemory(WorkerTask ts) {
        MemoryReport report = ts.previous == FLIGHT ? MemoryReport.TASK_FINISHED : MemoryReport.ADD_KEYS;
        ts.previous = null;
        ts.next = null;
        ts.done = false;
        toMemory(ts, report);
    }

    /** The first job failed: silently start the second one. */
    private void resumedToError(WorkerTask ts) {
        m.recommend(ts, ts.previous == FLIGHT ? WAITING : FETCH);
        ts.state = RELEASED;
        ts.done = false;
        ts.previous = null;
        ts.next = null;
    }

    private void resumedToFetch(WorkerTask ts) {
        if (ts.previous != FLIGHT) return; // executing, and will be fetched if that fails
        if (ts.done) {
            // The transfer ended without the value: compute it as the scheduler asked.
            ts.state = RELEASED;
            ts.done = false;
            ts.previous = null;
            ts.next = null;
            m.recommend(ts, WAITING);
        } else {
            ts.state = FLIGHT; // asked to fetch what is in flight: as if never cancelled
            ts.previous = null;
            ts.next = null;
        }
    }

    private void resumedToMissing(WorkerTask ts) {
        m.recommend(ts, FETCH);
    }

    private void resumedToReleased(WorkerTask ts) {
        if (ts.done) {
            ts.previous = null;
            ts.next = null;
            ts.done = false;
            genericReleased(ts);
            return;
        }
        ts.state = CANCELLED;
        ts.next = null;
        ts.freed = false;
    }

    // ---------------------------------------------------------------------------------------------
    // Shared edge bodies

    private void genericFetch(WorkerTask ts) {
        if (ts.whoHas.isEmpty()) {
            m.recommend(ts, MISSING);
            return;
        }
        if (ts.priority == null) {
            throw new IllegalStateException("task '" + ts.key + "' has no priority; cannot queue it");
        }
        ts.state = FETCH;
        ts.done = false;
        m.fetchCount++;
        fetch.enqueue(ts);
    }

    private void genericMissing(WorkerTask ts) {
        ts.state = MISSING;
        ts.done = false;
        m.missing.add(ts);
        m.scratch.newlyMissing.add(ts);
    }

    private void genericError(WorkerTask ts, Object error) {
        ts.error = error;
        ts.state = ERROR;
        m.emit(new TaskErredMsg(ts.key, ts.runId, error, m.stimulusId()));
    }

    private void genericReleased(WorkerTask ts) {
        purge(ts);
        for (WorkerTask dep : ts.dependencies) {
            if (dep.waiters.isEmpty() && !keepsWhenDependentReleased(dep)) m.recommend(dep, RELEASED);
        }
        ts.state = RELEASED;
        if (ts.dependents.isEmpty()) m.recommend(ts, FORGOTTEN);
    }

    /** A dependency in one of these states has a life of its own when a dependent is released. */
    private static boolean keepsWhenDependentReleased(WorkerTask dep) {
        return switch (dep.state) {
            case WAITING,
                    READY,
                    CONSTRAINED,
                    EXECUTING,
                    LONG_RUNNING,
                    CANCELLED,
                    RESUMED,
                    MEMORY,
                    RELEASED,
                    FORGOTTEN -> true;
            default -> false;
        };
    }

    /** Lands a task in MEMORY: accounts its size, wakes dependents, tells the scheduler. */
    private void toMemory(WorkerTask ts, MemoryReport report) {
        ts.state = MEMORY;
        ts.valueArrived = false; // from now on the value is accounted as MEMORY
        if (ts.nbytes < 0) ts.nbytes = m.defaultNbytes;
        m.nbytesInMemory += ts.nbytes;
        for (WorkerTask d : ts.dependents) {
            if (d.waitingForData.remove(ts)) {
                ts.waiters.remove(d);
                if (d.waitingForData.isEmpty() && d.state == WAITING) m.recommend(d, READY);
            }
        }
        switch (report) {
            case TASK_FINISHED -> m.emit(m.finishedMsg(ts));
            case ADD_KEYS -> m.emit(new AddKeysMsg(List.of(ts.key), m.stimulusId()));
            case NONE -> {}
        }
    }

    /**
     * Resets a task's per-state fields and takes it out of every index, so it can start over from RELEASED.
     * Idempotent. Keeps its links, run spec, priority and last known size.
     */
    private void purge(WorkerTask ts) {
        fetch.dropHolders(ts);
        for (WorkerTask dep : ts.waitingForData) dep.waiters.remove(ts);
        ts.clearWaitingForData();
        ts.previous = null;
        ts.next = null;
        ts.done = false;
        ts.comingFrom = null;
        ts.error = null;
        ts.freed = false;
        m.missing.remove(ts);
        m.ready.remove(ts);
        m.constrained.remove(ts);
        // Only a task picked by ensureComputing but released before it started can be here.
        if (m.executing.remove(ts) | m.longRunning.remove(ts)) compute.releaseResources(ts);
        m.inFlightTasks.remove(ts);
    }
}
