package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.SchedulerMsg.TaskStreamEntry;
import io.jdask.scheduler.ClusterSnapshot.PrefixTotals;
import org.junit.jupiter.api.Test;

class TaskTotalsTest {
    @Test
    void countsAndComputeTimeAddUpPerPrefixAndTransfersPerValue() {
        TaskTotals t = new TaskTotals();
        t.task(new TaskStreamEntry("inc-1", "w", 0, 100, 350, false));
        t.task(new TaskStreamEntry("inc-2", "w", 0, 400, 500, true));
        t.task(new TaskStreamEntry("load-x-3", "w", 0, 10, 5, false)); // a clock step back counts as zero
        t.transferred(1000);
        t.transferred(-1); // size unknown: counted, not sized
        assertThat(t.prefixes())
                .containsExactlyInAnyOrder(new PrefixTotals("inc", 1, 1, 350), new PrefixTotals("load-x", 1, 0, 0));
        assertThat(t.transfers()).isEqualTo(2);
        assertThat(t.transferBytes()).isEqualTo(1000);
    }

    @Test
    void namesBeyondTheCapCountAsOther() {
        TaskTotals t = new TaskTotals();
        for (int i = 0; i < TaskTotals.MAX_PREFIXES + 5; i++) {
            t.task(new TaskStreamEntry("f" + i + "-k", "w", 0, 0, 1, false));
        }
        t.task(new TaskStreamEntry("f0-k2", "w", 0, 0, 1, false)); // an early name still counts under itself
        assertThat(t.prefixes()).hasSize(TaskTotals.MAX_PREFIXES + 1);
        assertThat(t.prefixes()).contains(new PrefixTotals(TaskTotals.OTHER, 5, 0, 5), new PrefixTotals("f0", 2, 0, 2));
    }
}
