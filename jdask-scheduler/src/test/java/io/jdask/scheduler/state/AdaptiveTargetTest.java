package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.Sched.spec;
import static io.jdask.scheduler.state.SchedulerStateTest.A;
import static io.jdask.scheduler.state.SchedulerStateTest.B;
import static io.jdask.scheduler.state.SchedulerStateTest.C;
import static io.jdask.scheduler.state.SchedulerStateTest.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Dask's adaptive_target as arithmetic: workers for the known work within a target duration, and who could go. */
class AdaptiveTargetTest {
    static final long FIVE_SECONDS = 5_000_000_000L;

    static TaskSpec[] tasks(String prefix, int n) {
        List<TaskSpec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(spec(prefix + "-" + i));
        return out.toArray(new TaskSpec[0]);
    }

    @Test
    void anIdleEmptyClusterWantsNoWorkers() {
        var s = cluster();
        assertThat(s.state.adaptiveTarget(FIVE_SECONDS)).isEqualTo(new AdaptiveTarget(0, List.of()));
    }

    @Test
    void aBacklogAsksForEnoughWorkersToFinishWithinTheTarget() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", tasks("inc", 40)));
        // 40 tasks of unknown duration (0.5 s by default) are 20 s of work: 4 single-thread workers for 5 s.
        assertThat(s.state.adaptiveTarget(FIVE_SECONDS).workers()).isEqualTo(4);
        assertThat(s.state.adaptiveTarget(FIVE_SECONDS).toClose()).isEmpty();
        assertThat(s.state.adaptiveTarget(20 * FIVE_SECONDS).workers()).isEqualTo(1);
    }

    @Test
    void learnedDurationsReplaceTheDefault() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", tasks("inc", 81)));
        String first = s.state.task("inc-0").processingOn() != null ? "inc-0" : null;
        assertThat(first).isNotNull();
        s.handle(s.finishTook(A, "inc-0", 100_000_000L)); // 0.1 s each from now on
        // 80 left, of which the ones already assigned keep their 0.5 s estimate: 2 * 0.5 + 78 * 0.1 = 8.8 s -> 2.
        assertThat(s.state.adaptiveTarget(FIVE_SECONDS).workers()).isEqualTo(2);
    }

    @Test
    void aFewLongTasksDoNotAskForMoreWorkersThanTasks() {
        var s = cluster(A, B, C);
        s.handle(s.submitAll("c1", spec("slow-1")));
        s.handle(s.finishTook(s.state.task("slow-1").processingOn(), "slow-1", 3_600_000_000_000L));
        s.handle(s.submitAll("c1", spec("slow-2")));
        // One hour of work, but one task: one worker.
        AdaptiveTarget t = s.state.adaptiveTarget(FIVE_SECONDS);
        assertThat(t.workers()).isEqualTo(1);
        // The two idle workers may go (slow-1's result moves when its holder retires); the busy one stays.
        assertThat(t.toClose()).hasSize(2).doesNotContain(s.state.task("slow-2").processingOn());
    }

    @Test
    void idleWorkersHoldingLeastAreClosedFirstAndOneStaysForTheData() {
        var s = cluster(A, B, C);
        s.handle(s.scatter("c1", "data", 100, A));
        AdaptiveTarget t = s.state.adaptiveTarget(FIVE_SECONDS);
        assertThat(t.workers()).isEqualTo(1);
        assertThat(t.toClose()).containsExactly(B, C);
    }

    @Test
    void aBusyWorkerIsNotClosed() {
        var s = cluster(A, B);
        s.handle(s.submitAll("c1", spec("x")));
        String busy = s.state.task("x").processingOn();
        AdaptiveTarget t = s.state.adaptiveTarget(FIVE_SECONDS);
        assertThat(t.workers()).isEqualTo(1);
        assertThat(t.toClose()).containsExactly(busy.equals(A) ? B : A);
    }

    @Test
    void workersAreKeptWhileTheOthersCouldNotHoldTwiceTheData() {
        var s = cluster(A, B, C); // 1 GiB each
        s.handle(s.scatter("c1", "big", 900L << 20, A));
        // 0.9 GiB held: closing one leaves 2 GiB >= 1.8 GiB; closing two would leave 1 GiB.
        AdaptiveTarget t = s.state.adaptiveTarget(FIVE_SECONDS);
        assertThat(t.toClose()).containsExactly(B);
        assertThat(t.workers()).isEqualTo(2);
    }

    @Test
    void memoryPastSixtyPercentOfTheLimitsDoublesTheWorkers() {
        var s = cluster(A); // 1 GiB
        s.handle(s.scatter("c1", "big", 700L << 20, A));
        assertThat(s.state.adaptiveTarget(FIVE_SECONDS).workers()).isEqualTo(2);
    }

    @Test
    void tasksWithNoWorkerAskForOne() {
        var s = cluster();
        s.handle(s.submitAll("c1", spec("x")));
        assertThat(s.state.adaptiveTarget(FIVE_SECONDS).workers()).isEqualTo(1);
    }

    @Test
    void aNonPositiveTargetDurationIsRefused() {
        var s = cluster(A);
        assertThatThrownBy(() -> s.state.adaptiveTarget(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target duration");
    }
}
