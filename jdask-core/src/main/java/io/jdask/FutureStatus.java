package io.jdask;

/** Where a {@link Future}'s task stands, in Dask's words. */
public enum FutureStatus {
    /**
     * Submitted; waiting for inputs or a free worker thread. Also a finished task's state again while it is computed
     * anew because every copy of its result was lost with its workers.
     */
    PENDING,
    /** A worker thread is running it now (Dask itself only says pending here). */
    RUNNING,
    /** The result is in memory on the cluster. */
    FINISHED,
    /** The task, or one it depends on, raised an exception. */
    ERROR,
    /** Cancelled by the client before it finished. */
    CANCELLED,
    /** Its data was lost with a worker and cannot be recomputed (for example scattered data). */
    LOST;

    /** Whether the status is final: {@link #FINISHED}, {@link #ERROR}, {@link #CANCELLED} or {@link #LOST}. */
    public boolean isDone() {
        return this != PENDING && this != RUNNING;
    }
}
