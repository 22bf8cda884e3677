package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.Sched.spec;
import static io.jdask.scheduler.state.SchedulerStateTest.A;
import static io.jdask.scheduler.state.SchedulerStateTest.B;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.scheduler.state.SchedulerInstruction.WorkersPaused;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule for a cluster whose every worker stays paused by memory while tasks wait: warn every client once. */
class PausedClusterTest {
    private static final long GRACE = 10_000_000_000L; // the default

    private static Sched cluster(String... workers) {
        var s = SchedulerStateTest.cluster(workers);
        s.handle(s.client("c2"));
        return s;
    }

    @Test
    void everyClientIsWarnedOnceAfterTheGraceWithEachWorkersFigures() {
        var s = cluster(A, B);
        s.handle(s.submitAll("c1", spec("t-0"), spec("t-1"), spec("t-2"), spec("t-3"), spec("t-4")));
        s.handle(s.memory(A, true));
        assertThat(s.state.pausedWarningDeadline()).isEqualTo(Long.MAX_VALUE); // B still works
        s.handle(s.memory(B, true));
        long deadline = s.state.pausedWarningDeadline();
        assertThat(deadline).isNotEqualTo(Long.MAX_VALUE);

        assertThat(s.run(s.later(GRACE / 2))).isEmpty();
        List<SchedulerInstruction> out = s.handle(s.later(GRACE / 2));
        assertThat(out).hasSize(1);
        var w = (WorkersPaused) out.getFirst();
        assertThat(w.clients()).containsExactly("c1", "c2");
        assertThat(w.message())
                .contains("every worker (2) has been paused by memory for 10 s while 5 tasks wait")
                .contains(A + ": heap 0 MB, managed 0 MB, spilled 0 MB, limit 1024 MB")
                .contains(B + ": heap")
                .contains("tasks assigned 2")
                .contains("terminate fraction");
        assertThat(s.state.pausedWarningDeadline()).isEqualTo(Long.MAX_VALUE);

        // Once per stall: time passing and more reports change nothing.
        assertThat(s.run(s.later(GRACE * 5), s.memory(A, true))).isEmpty();
    }

    @Test
    void aStallThatEndsBeforeTheGraceWarnsNobodyAndALaterOneStartsItsClockAfresh() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("t-0"), spec("t-1"), spec("t-2")));
        s.handle(s.memory(A, true));
        s.handle(s.later(GRACE - 1));
        assertThat(s.run(s.memory(A, false))).isEmpty(); // its two slots are still taken
        assertThat(s.state.pausedWarningDeadline()).isEqualTo(Long.MAX_VALUE);

        s.handle(s.memory(A, true));
        assertThat(s.run(s.later(GRACE - 1))).isEmpty();
        assertThat(s.run(s.later(1))).containsExactly("paused-warning>[c1, c2]");

        // Unpaused and paused again: a new stall, a new warning after its own grace.
        s.handle(s.memory(A, false), s.memory(A, true));
        assertThat(s.run(s.later(GRACE))).containsExactly("paused-warning>[c1, c2]");
    }

    @Test
    void aPausedClusterWithNothingWaitingIsNoStall() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("t-0")));
        s.handle(s.finish(A, "t-0"), s.memory(A, true)); // t-0 in memory, kept for c1: nothing waits
        assertThat(s.state.pausedWarningDeadline()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.run(s.later(GRACE * 2))).isEmpty();
    }

    @Test
    void aWorkerJoiningOrTheLastPausedOneLeavingEndsTheStall() {
        var s = cluster(A);
        s.handle(s.submitAll("c1", spec("t-0"), spec("t-1"), spec("t-2")));
        s.handle(s.memory(A, true));
        assertThat(s.state.pausedWarningDeadline()).isNotEqualTo(Long.MAX_VALUE);
        s.handle(s.worker(B, 1));
        assertThat(s.state.pausedWarningDeadline()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.run(s.later(GRACE))).isEmpty();

        s.handle(s.memory(B, true));
        s.handle(s.removeWorker(B)); // A alone, still paused: the stall goes on
        assertThat(s.state.pausedWarningDeadline()).isNotEqualTo(Long.MAX_VALUE);
        s.handle(s.removeWorker(A)); // no worker: tasks wait for one, which is not this rule's case
        assertThat(s.state.pausedWarningDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void zeroGraceNeverWarns() {
        var s = Sched.create(SchedulerConfig.builder()
                .shortTaskLatencyNanos(0)
                .pausedClusterWarningNanos(0)
                .build());
        s.handle(s.client("c1"), s.worker(A, 1));
        s.handle(s.submitAll("c1", spec("t-0")), s.memory(A, true));
        assertThat(s.state.pausedWarningDeadline()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.run(s.later(GRACE * 10))).isEmpty();
    }
}
