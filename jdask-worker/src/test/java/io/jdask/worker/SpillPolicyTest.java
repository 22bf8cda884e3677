package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpillPolicyTest {
    private static final long LIMIT = 1000;
    private final SpillPolicy policy = new SpillPolicy(LIMIT, MemoryFractions.DEFAULT);

    @Test
    void managedBytesAboveTheTargetAreTheExcess() {
        assertThat(policy.targetBytes()).isEqualTo(600);
        assertThat(policy.managedExcess(600)).isZero();
        assertThat(policy.managedExcess(601)).isEqualTo(1);
        assertThat(policy.managedExcess(1500)).isEqualTo(900);
    }

    @Test
    void processMemorySpillsOnlyAboveTheSpillFractionAndBackToTheTarget() {
        assertThat(policy.processExcess(700, 500)).isZero();
        // 750 after a collection: back to 600, so 150 bytes go
        assertThat(policy.processExcess(750, 500)).isEqualTo(150);
        // never more than what is in memory
        assertThat(policy.processExcess(990, 100)).isEqualTo(100);
    }

    @Test
    void statusFollowsPauseAndTerminate() {
        assertThat(policy.status(800)).isEqualTo(SpillPolicy.Status.RUNNING);
        assertThat(policy.status(801)).isEqualTo(SpillPolicy.Status.PAUSED);
        assertThat(policy.status(950)).isEqualTo(SpillPolicy.Status.PAUSED);
        assertThat(policy.status(951)).isEqualTo(SpillPolicy.Status.TERMINATE);
    }

    @Test
    void aCollectionIsWorthItOnlyAboveTheLowestProcessFraction() {
        assertThat(policy.worthCollecting(700)).isFalse();
        assertThat(policy.worthCollecting(701)).isTrue();
        SpillPolicy pauseOnly = new SpillPolicy(LIMIT, new MemoryFractions(0.6, 0, 0.8, 0));
        assertThat(pauseOnly.worthCollecting(790)).isFalse();
        assertThat(pauseOnly.worthCollecting(801)).isTrue();
    }

    @Test
    void zeroTurnsEachThresholdOff() {
        SpillPolicy off = new SpillPolicy(LIMIT, new MemoryFractions(0, 0, 0, 0));
        assertThat(off.spills()).isFalse();
        assertThat(off.managedExcess(5000)).isZero();
        assertThat(off.processExcess(5000, 5000)).isZero();
        assertThat(off.status(5000)).isEqualTo(SpillPolicy.Status.RUNNING);
        assertThat(off.worthCollecting(5000)).isFalse();

        SpillPolicy noLimit = new SpillPolicy(0, MemoryFractions.DEFAULT);
        assertThat(noLimit.spills()).isFalse();
        assertThat(noLimit.managedExcess(Long.MAX_VALUE - 1)).isZero();
        assertThat(noLimit.status(Long.MAX_VALUE)).isEqualTo(SpillPolicy.Status.RUNNING);
    }

    @Test
    void withoutATargetProcessSpillingGoesBackToTheSpillFraction() {
        SpillPolicy noTarget = new SpillPolicy(LIMIT, new MemoryFractions(0, 0.7, 0.8, 0.95));
        assertThat(noTarget.spills()).isTrue();
        assertThat(noTarget.processExcess(750, 1000)).isEqualTo(50);
    }

    @Test
    void fractionsOutsideZeroToOneAreRefusedByName() {
        assertThatThrownBy(() -> new MemoryFractions(0.6, 1.5, 0.8, 0.95))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spill fraction")
                .hasMessageContaining("1.5");
        assertThatThrownBy(() -> MemoryFractions.DEFAULT.withPause(Double.NaN)).hasMessageContaining("pause");
    }

    @Test
    void systemPropertiesReplaceTheDefaults() {
        System.setProperty("jdask.worker.memory.pause", "0.5");
        try {
            assertThat(MemoryFractions.fromSettings()).isEqualTo(MemoryFractions.DEFAULT.withPause(0.5));
            System.setProperty("jdask.worker.memory.pause", "half");
            assertThatThrownBy(MemoryFractions::fromSettings)
                    .hasMessageContaining("jdask.worker.memory.pause")
                    .hasMessageContaining("half");
        } finally {
            System.clearProperty("jdask.worker.memory.pause");
        }
    }
}
