package io.jdask.scheduler;

/**
 * Something of the scheduler loop that has deadlines: the loop keeps one timer armed for the earliest
 * {@link #nextDeadline()} of all its {@code LoopTimer}s (or an idle tick) and, in each turn, calls {@link #expire}
 * on those whose deadline has come. A new timed concern (a heartbeat check, a time-to-live) implements this and is
 * added to the loop's list; nothing else in the loop changes.
 *
 * <p>Loop-confined: both methods run on the loop thread, must be cheap and must not block. Times are
 * {@link io.jdask.protocol.Clock#nanoTime()} readings of the loop's clock.
 */
interface LoopTimer {
    /** The earliest deadline this timer waits for, or {@link Long#MAX_VALUE} for none. */
    long nextDeadline();

    /** Does what is due at {@code nowNanos}; called when {@code nextDeadline() - nowNanos <= 0}. */
    void expire(long nowNanos);
}
