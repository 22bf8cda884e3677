package io.jdask.protocol;

import java.util.function.Predicate;

/**
 * The one rule by which an event loop holds its sends a little past the end of a run of work, so that reports that
 * are about to follow share a write.
 *
 * <h2>Why</h2>
 * A {@link SendBatch} makes everything one loop run sends leave as one write per connection. Under a stream of short
 * tasks that is still one write per outcome: each outcome is its own run. When more reports are known to be coming
 * soon (a worker has tasks running; the scheduler has active tasks), holding the sends to the connections that only
 * receive such reports for a bounded time lets tens of them share a write. A loop with nothing in progress sends at
 * once: a round trip or a chain of dependent tasks, which waits for each message, is never held.
 *
 * <h2>The rule</h2>
 * The owner {@link #open() opens} a batch when a run of work starts and {@link #end ends} it when the run is over,
 * saying whether more reports are coming ({@code hold}) and which connections may be held ({@code keep}). While
 * {@code hold} is true, the connections {@code keep} accepts stay held, for at most {@code maxHoldNanos} counted from
 * the opening of the batch that began the hold; after that, or as soon as {@code hold} is false, everything leaves. A
 * timer, armed once per hold, ends a hold that nothing else ends: it flushes whatever is held (and, if a batch is
 * open at that moment, what it has gathered so far) and starts the next hold afresh.
 *
 * <p>The worker holds sends to the scheduler while one of its tasks runs ({@code WorkerServer}); the scheduler holds
 * sends to client connections that were sent only task reports while it has active tasks.
 *
 * <h2>Concurrency</h2>
 * Loop-confined: every method, and the timer task, must run on the one thread that owns the loop (the batches are
 * that thread's {@link SendBatch}). The timer hook must therefore run its task on the loop.
 */
public final class SendHold {

    /** Runs a task on the loop after a delay. */
    @FunctionalInterface
    public interface Timer {
        /**
         * Runs {@code task} on the loop thread about {@code delayNanos} from now.
         *
         * @return false if the loop is shutting down and will not run it (closing connections flush them anyway)
         */
        boolean schedule(Runnable task, long delayNanos);
    }

    /** The loop thread's send batches; a seam so the rule is tested without connections. */
    interface Batches {
        void open();

        /**
         * Closes the open batch, keeping held the connections {@code keep} accepts.
         *
         * @return whether any connection stays held
         */
        boolean close(Predicate<Comm> keep);
    }

    private static final Predicate<Comm> NONE = c -> false;

    private final Clock clock;
    private final long maxHoldNanos;
    private final Timer timer;
    private final Batches batches;

    /** Whether a batch is open (between {@link #open()} and {@link #end}). */
    private boolean open;
    /** When the open batch opened ({@link Clock#nanoTime()}). */
    private long openedAt;
    /** When the current hold began, or 0 when nothing is held. */
    private long holdingSince;
    /** Whether the timer that ends the current hold is armed. */
    private boolean timerArmed;

    /**
     * @param maxHoldNanos the longest a send is held; a bound on the latency holding adds
     * @param timer runs the end of a hold on the loop
     */
    public SendHold(Clock clock, long maxHoldNanos, Timer timer) {
        this(clock, maxHoldNanos, timer, new SendBatches());
    }

    SendHold(Clock clock, long maxHoldNanos, Timer timer, Batches batches) {
        if (maxHoldNanos <= 0) {
            throw new IllegalArgumentException("maxHoldNanos must be > 0, got " + maxHoldNanos);
        }
        this.clock = clock;
        this.maxHoldNanos = maxHoldNanos;
        this.timer = timer;
        this.batches = batches;
    }

    /** Opens a batch for a run of work, unless one is open already (a run may span several loop tasks). */
    public void open() {
        if (open) {
            return;
        }
        batches.open();
        open = true;
        openedAt = clock.nanoTime();
    }

    /** Whether a batch is open. */
    public boolean isOpen() {
        return open;
    }

    /**
     * Ends the run of work: closes the open batch (if any). While {@code hold} is true and the hold is younger than
     * the limit, the connections {@code keep} accepts stay held and the timer is armed to end the hold in time;
     * otherwise every connection is flushed.
     */
    public void end(boolean hold, Predicate<Comm> keep) {
        if (!open) {
            return;
        }
        open = false;
        if (hold) {
            if (holdingSince == 0) {
                holdingSince = openedAt;
            }
            long age = clock.nanoTime() - holdingSince;
            if (age < maxHoldNanos) {
                if (batches.close(keep)) {
                    armTimer(maxHoldNanos - age);
                    return;
                }
            } else {
                batches.close(NONE);
            }
        } else {
            batches.close(NONE);
        }
        holdingSince = 0;
    }

    private void armTimer(long delayNanos) {
        if (timerArmed) {
            return;
        }
        timerArmed = timer.schedule(this::expire, delayNanos);
    }

    /** The timer: whatever is held, or gathered by a batch still open, leaves now. */
    private void expire() {
        timerArmed = false;
        holdingSince = 0;
        if (open) {
            // The run of work goes on in a fresh batch; a later hold counts from now.
            batches.close(NONE);
            batches.open();
            openedAt = clock.nanoTime();
        } else {
            // Nothing open: an empty batch's close hands the held connections to their I/O threads.
            batches.open();
            batches.close(NONE);
        }
    }

    /** The calling thread's {@link SendBatch}. */
    private static final class SendBatches implements Batches {
        private SendBatch batch;

        @Override
        public void open() {
            batch = SendBatch.open();
        }

        @Override
        public boolean close(Predicate<Comm> keep) {
            batch.close(keep);
            return batch.keepsConnections();
        }
    }
}
