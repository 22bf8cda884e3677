package io.jdask.scheduler;

import io.jdask.protocol.Comm;
import io.jdask.protocol.SendBatch;
import java.util.function.Predicate;

/*
 * Design note. The scheduler's one send-holding policy, gathered here so that it can be swapped for the policy the
 * worker shares once there is one. A client's task reports (KeyInMemory, KeyRunning) may stay queued past the turn
 * that made them, for at most HOLD_REPORTS_NANOS, while tasks are still active: more reports are coming, and they then
 * share a write and a frame (under a stream of short tasks one carries tens of them). Nothing else is held: a
 * connection that was sent anything urgent in the turn flushes when it ends, and so does every report once no task
 * is active, so a round trip (the client waits for its one key) never waits. Dask's BatchedSend instead holds
 * everything for 2-10 ms.
 */
/** When the scheduler holds client task reports past a turn; loop-confined. */
final class ReportHold {
    /** How long a client's task reports may be held back while tasks are active. */
    static final long HOLD_REPORTS_NANOS = 500_000L;

    /** Since when reports are held past a turn (the loop's clock), or 0 when none are. */
    private long holdingSince;

    /**
     * Closes a turn's send batch: every connection flushes except those {@code mayHold} accepts, which are kept while
     * {@code tasksActive} and the hold is younger than HOLD_REPORTS_NANOS.
     *
     * @return in how many nanoseconds a turn must run to end the hold (at least 1), or -1 if nothing is held
     */
    long close(SendBatch sends, long nowNanos, boolean tasksActive, Predicate<Comm> mayHold) {
        if (tasksActive && holdingSince == 0) {
            holdingSince = nowNanos;
        }
        boolean young = tasksActive && nowNanos - holdingSince < HOLD_REPORTS_NANOS;
        sends.close(comm -> young && mayHold.test(comm));
        if (!sends.keepsConnections()) {
            holdingSince = 0;
            return -1;
        }
        return Math.max(1, holdingSince + HOLD_REPORTS_NANOS - nowNanos);
    }
}
