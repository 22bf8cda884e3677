package io.jdask.worker.state;

/**
 * The state of one task on a worker, in Dask's words (see Dask's {@code worker-state.rst}).
 *
 * <ul>
 *   <li>{@link #RELEASED}: known but nothing is being done about it (transient, or kept because
 *       a dependent still refers to it).
 *   <li>{@link #WAITING}: to be computed here; waiting for dependencies to arrive.
 *   <li>{@link #READY}: all dependencies in memory, queued for a thread by priority.
 *   <li>{@link #CONSTRAINED}: like READY but needs abstract resources (e.g. GPU) to run.
 *   <li>{@link #EXECUTING}: running on a worker thread.
 *   <li>{@link #LONG_RUNNING}: running, but the task seceded from the thread pool and no longer
 *       counts against {@code nthreads}.
 *   <li>{@link #FETCH}: to be copied from a peer; queued for a transfer.
 *   <li>{@link #FLIGHT}: a transfer from a peer is under way.
 *   <li>{@link #MISSING}: to be fetched but no known peer holds it; the scheduler was asked.
 *   <li>{@link #MEMORY}: the value is in the shell's data store.
 *   <li>{@link #ERROR}: computing or fetching it failed; the scheduler was told.
 *   <li>{@link #CANCELLED}: the scheduler released it while it was executing or in flight; we wait
 *       for the thread or transfer to finish and then forget the outcome.
 *   <li>{@link #RESUMED}: cancelled, then asked for again in the other role (computed here while
 *       it was in flight, or fetched while it was executing).
 *   <li>{@link #FORGOTTEN}: removed from the state; only seen on stale references and in logs.
 * </ul>
 */
public enum WorkerTaskState {
    RELEASED,
    WAITING,
    FETCH,
    FLIGHT,
    MISSING,
    READY,
    CONSTRAINED,
    EXECUTING,
    LONG_RUNNING,
    MEMORY,
    ERROR,
    CANCELLED,
    RESUMED,
    FORGOTTEN
}
