package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The send-holding rule under a fake clock, a fake timer and a fake batch: no threads, no connections. */
class SendHoldTest {
    private static final long MAX = 500_000;

    private final FakeClock clock = new FakeClock();
    private final FakeTimer timer = new FakeTimer();
    private final FakeBatches batches = new FakeBatches();
    private final SendHold hold = new SendHold(clock, MAX, timer, batches);
    private final Predicate<Comm> keepAll = c -> true;

    @Test
    void nothingHeldWhenNoMoreReportsAreComing() {
        hold.open();
        batches.sendsKept = true;
        hold.end(false, keepAll);

        assertThat(batches.log).containsExactly("open", "close(flush all)");
        assertThat(timer.tasks).isEmpty();
        assertThat(hold.isOpen()).isFalse();
    }

    @Test
    void holdKeepsConnectionsAndArmsTheTimerForTheRestOfTheLimit() {
        clock.now = 1_000;
        hold.open();
        clock.now = 101_000;
        batches.sendsKept = true;
        hold.end(true, keepAll);

        assertThat(batches.log).containsExactly("open", "close(keep)");
        assertThat(timer.delays).containsExactly(MAX - 100_000);
    }

    @Test
    void aHoldWithNothingToKeepEndsAtOnceAndTheNextHoldCountsAfresh() {
        clock.now = 1_000;
        hold.open();
        batches.sendsKept = false;
        clock.now = 2_000;
        hold.end(true, keepAll);
        assertThat(timer.tasks).isEmpty();

        clock.now = 900_000;
        hold.open();
        batches.sendsKept = true;
        clock.now = 900_100;
        hold.end(true, keepAll);

        assertThat(timer.delays).containsExactly(MAX - 100);
    }

    @Test
    void theTimerIsArmedOncePerHoldAndTheHoldCountsFromItsFirstBatch() {
        batches.sendsKept = true;
        clock.now = 1_000;
        hold.open();
        hold.end(true, keepAll);
        clock.now = 200_000;
        hold.open();
        clock.now = 300_000;
        hold.end(true, keepAll);

        assertThat(timer.delays).containsExactly(MAX);
    }

    @Test
    void aHoldOlderThanTheLimitFlushesEverything() {
        batches.sendsKept = true;
        clock.now = 1_000;
        hold.open();
        hold.end(true, keepAll);
        clock.now = 1_000 + MAX;
        hold.open();
        hold.end(true, keepAll);

        assertThat(batches.log).containsExactly("open", "close(keep)", "open", "close(flush all)");
    }

    @Test
    void theTimerFlushesWhatIsHeldBetweenRuns() {
        batches.sendsKept = true;
        clock.now = 1_000;
        hold.open();
        hold.end(true, keepAll);
        batches.log.clear();

        timer.fire();

        assertThat(batches.log).containsExactly("open", "close(flush all)");
        // The next hold arms a new timer.
        hold.open();
        hold.end(true, keepAll);
        assertThat(timer.delays).hasSize(2);
    }

    @Test
    void theTimerFlushesARunStillGoingAndItsLaterHoldCountsFromThen() {
        batches.sendsKept = true;
        clock.now = 1_000;
        hold.open();
        hold.end(true, keepAll);
        hold.open();
        batches.log.clear();
        clock.now = 501_000;

        timer.fire();

        assertThat(batches.log).containsExactly("close(flush all)", "open");
        assertThat(hold.isOpen()).isTrue();
        clock.now = 601_000;
        hold.end(true, keepAll);
        assertThat(timer.delays).containsExactly(MAX, MAX - 100_000);
    }

    @Test
    void openWhileOpenIsOneRun() {
        hold.open();
        hold.open();
        hold.end(false, keepAll);
        hold.end(false, keepAll);

        assertThat(batches.log).containsExactly("open", "close(flush all)");
    }

    @Test
    void aRejectedTimerIsNotCountedAsArmed() {
        batches.sendsKept = true;
        timer.accepts = false;
        hold.open();
        hold.end(true, keepAll);
        timer.accepts = true;
        hold.open();
        hold.end(true, keepAll);

        assertThat(timer.tasks).hasSize(1);
    }

    @Test
    void theKeepPredicateIsHandedToTheBatch() {
        Predicate<Comm> none = c -> false;
        hold.open();
        hold.end(true, none);

        assertThat(batches.lastKeep).isSameAs(none);
    }

    @Test
    void rejectsANonPositiveLimit() {
        assertThatThrownBy(() -> new SendHold(clock, 0, timer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }

    private static final class FakeClock implements Clock {
        long now = 1;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public long wallNanos() {
            return now;
        }
    }

    private static final class FakeTimer implements SendHold.Timer {
        final List<Runnable> tasks = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();
        boolean accepts = true;

        @Override
        public boolean schedule(Runnable task, long delayNanos) {
            if (!accepts) {
                return false;
            }
            tasks.add(task);
            delays.add(delayNanos);
            return true;
        }

        void fire() {
            tasks.removeFirst().run();
        }
    }

    /** Records opens and closes; a close keeps connections when the keep predicate is not NONE and sendsKept. */
    private static final class FakeBatches implements SendHold.Batches {
        final List<String> log = new ArrayList<>();
        boolean sendsKept;
        Predicate<Comm> lastKeep;

        @Override
        public void open() {
            log.add("open");
        }

        @Override
        public boolean close(Predicate<Comm> keep) {
            lastKeep = keep;
            boolean keeping = keep.test(null) && sendsKept;
            log.add(keeping ? "close(keep)" : "close(flush all)");
            return keeping;
        }
    }
}
