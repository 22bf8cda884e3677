package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When the loop asks the state for silent workers: paced by the TTL, never right after a stall. */
class TtlChecksTest {
    private static final long MS = 1_000_000L;

    @Test
    void checksEveryTenthOfTheTtlWithinBounds() {
        assertThat(TtlChecks.interval(2_000 * MS)).isEqualTo(200 * MS);
        assertThat(TtlChecks.interval(30_000 * MS)).isEqualTo(1_000 * MS);
        assertThat(TtlChecks.interval(100 * MS)).isEqualTo(50 * MS);
    }

    @Test
    void firstCheckComesOneIntervalAfterStartThenEveryInterval() {
        var checks = new AtomicInteger();
        var t = new TtlChecks(2_000 * MS, checks::incrementAndGet);
        assertThat(t.nextDeadline()).isEqualTo(Long.MAX_VALUE); // not started
        t.start(0);
        assertThat(t.nextDeadline()).isEqualTo(200 * MS);
        t.expire(200 * MS);
        t.expire(t.nextDeadline() + 5 * MS);
        assertThat(checks.get()).isEqualTo(2);
        assertThat(t.nextDeadline()).isEqualTo(605 * MS);
    }

    @Test
    void aCheckMoreThanAnIntervalLateIsPutOffSoTheLoopReadsWhatArrivedFirst() {
        var checks = new AtomicInteger();
        var t = new TtlChecks(2_000 * MS, checks::incrementAndGet);
        t.start(0);
        t.expire(5_000 * MS); // the loop was held for seconds: heartbeats may wait unread in the sockets
        assertThat(checks.get()).isZero();
        assertThat(t.nextDeadline()).isEqualTo(5_200 * MS);
        t.expire(5_200 * MS);
        assertThat(checks.get()).isOne();
    }

    @Test
    void aZeroTtlNeverChecks() {
        var checks = new AtomicInteger();
        var t = new TtlChecks(0, checks::incrementAndGet);
        t.start(0);
        assertThat(t.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        t.expire(Long.MAX_VALUE / 2);
        assertThat(checks.get()).isZero();
    }
}
