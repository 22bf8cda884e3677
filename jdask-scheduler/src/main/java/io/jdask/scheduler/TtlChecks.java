package io.jdask.scheduler;

/*
 * Design note. Paces the worker time-to-live checks (Dask's check_worker_ttl). The decision is the state's
 * (SchedulerEvent.CheckWorkerTtl: which worker is silent, what happens to its tasks); this timer only says when to
 * ask: every tenth of the TTL, between 50 ms and 1 s, so that a silent worker is removed at most that much past its
 * TTL.
 *
 * A late check is skipped. The loop runs on the scheduler's I/O thread: while a long turn (a huge graph, a long
 * pause of the JVM) holds it, heartbeats pile up unread in the sockets, and a check made right after would take
 * every worker for silent. A check that comes more than one interval late is therefore put off by one interval,
 * in which the loop reads what arrived. A scheduler so loaded that every check is late removes nobody, which is
 * the better mistake. Loop-confined.
 */
/** When the scheduler loop looks for workers silent past the time-to-live. */
final class TtlChecks implements LoopTimer {
    static final long MIN_INTERVAL_NANOS = 50_000_000L;
    static final long MAX_INTERVAL_NANOS = 1_000_000_000L;

    private final long intervalNanos;
    private final Runnable check;
    /** The next check's deadline (loop clock), or MAX_VALUE when the TTL is off or before {@link #start}. */
    private long next = Long.MAX_VALUE;

    /**
     * @param ttlNanos the worker time-to-live; 0 turns the checks off
     * @param check queues a check for the state (a {@code CheckWorkerTtl} event)
     */
    TtlChecks(long ttlNanos, Runnable check) {
        this.intervalNanos = ttlNanos <= 0 ? 0 : interval(ttlNanos);
        this.check = check;
    }

    /** The loop started at {@code nowNanos}: the first check comes one interval later. */
    void start(long nowNanos) {
        if (intervalNanos > 0) {
            next = nowNanos + intervalNanos;
        }
    }

    /** A tenth of the TTL, between {@link #MIN_INTERVAL_NANOS} and {@link #MAX_INTERVAL_NANOS}. */
    static long interval(long ttlNanos) {
        return Math.max(MIN_INTERVAL_NANOS, Math.min(MAX_INTERVAL_NANOS, ttlNanos / 10));
    }

    long intervalNanos() {
        return intervalNanos;
    }

    @Override
    public long nextDeadline() {
        return next;
    }

    @Override
    public void expire(long nowNanos) {
        if (next == Long.MAX_VALUE) {
            return;
        }
        boolean late = nowNanos - next > intervalNanos;
        next = nowNanos + intervalNanos;
        if (!late) {
            check.run();
        }
    }
}
