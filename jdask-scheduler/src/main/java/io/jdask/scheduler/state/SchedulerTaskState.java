package io.jdask.scheduler.state;

/**
 * The state of a task as the scheduler sees it, in Dask's words so that Dask's
 * {@code scheduling-state} documentation maps one-to-one.
 *
 * <ul>
 *   <li>{@link #RELEASED}: known, not wanted in memory right now (no data anywhere, not running).
 *   <li>{@link #WAITING}: wanted, waiting for at least one dependency to reach memory.
 *   <li>{@link #NO_WORKER}: ready, but no connected worker satisfies its restrictions (or its resources
 *       are all in use); re-examined when a worker joins or resources free up.
 *   <li>{@link #QUEUED}: a root-ish task that is ready but held back because every worker is saturated.
 *   <li>{@link #PROCESSING}: assigned to exactly one worker.
 *   <li>{@link #MEMORY}: its result sits on at least one worker.
 *   <li>{@link #ERRED}: it (or a dependency, see the blame) raised an error.
 *   <li>{@link #FORGOTTEN}: removed from the scheduler; a view of a forgotten task is stale.
 * </ul>
 */
public enum SchedulerTaskState {
    RELEASED,
    WAITING,
    NO_WORKER,
    QUEUED,
    PROCESSING,
    MEMORY,
    ERRED,
    FORGOTTEN
}
