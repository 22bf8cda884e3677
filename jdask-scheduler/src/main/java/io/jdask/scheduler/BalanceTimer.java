package io.jdask.scheduler;

import io.jdask.scheduler.state.SchedulerEvent;
import io.jdask.scheduler.state.SchedulerState;

/**
 * Work stealing's clock: while the state says a balance could move work ({@link SchedulerState#balanceWanted()}: a
 * worker with a free thread and another with tasks waiting for one), a {@link SchedulerEvent.Balance} every
 * {@link #INTERVAL_NANOS}, as Dask's stealing extension runs every 100 ms. The first comes at once when an imbalance
 * appears after a quiet spell, so the common case (many tasks placed on one worker in one burst) is evened out in the
 * turn after the burst. With no imbalance it has no deadline and costs one pass over the workers per turn.
 */
final class BalanceTimer implements LoopTimer {
    static final long INTERVAL_NANOS = 100_000_000L;

    private final Turn turn;
    private final Stimuli stimuli;
    private long lastBalance;
    private boolean balancedOnce;

    BalanceTimer(Turn turn, Stimuli stimuli) {
        this.turn = turn;
        this.stimuli = stimuli;
    }

    @Override
    public long nextDeadline() {
        SchedulerState state = turn.state();
        if (state == null || !state.balanceWanted()) {
            return Long.MAX_VALUE;
        }
        return balancedOnce ? lastBalance + INTERVAL_NANOS : turn.now();
    }

    @Override
    public void expire(long nowNanos) {
        lastBalance = nowNanos;
        balancedOnce = true;
        turn.event(new SchedulerEvent.Balance(stimuli.next("balance"), nowNanos));
        turn.flush();
    }
}
