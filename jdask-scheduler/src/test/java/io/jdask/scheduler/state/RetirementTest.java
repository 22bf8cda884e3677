package io.jdask.scheduler.state;

import static io.jdask.scheduler.state.Sched.spec;
import static io.jdask.scheduler.state.SchedulerStateTest.A;
import static io.jdask.scheduler.state.SchedulerStateTest.B;
import static io.jdask.scheduler.state.SchedulerStateTest.C;
import static io.jdask.scheduler.state.SchedulerStateTest.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.scheduler.state.SchedulerInstruction.RetirementFailed;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Graceful retirement's decisions: a retiring worker gets no new tasks, its running tasks finish, every key only it
 * holds is copied to a worker that stays, and only then is it told to close; with nowhere to copy to, it stops.
 */
class RetirementTest {

    @Test
    void uniqueDataIsCopiedBeforeTheWorkerIsToldToClose() {
        var s = cluster(A, B);
        s.handle(s.submitAll("c1", spec("x")));
        String on = s.state.task("x").processingOn();
        String other = on.equals(A) ? B : A;
        s.handle(s.finish(on, "x"));
        s.handle(s.scatter("c1", "data", 100, on));

        assertThat(s.run(s.retire(on))).containsExactly("acquire {x=[" + on + "], data=[" + on + "]}@" + other);
        assertThat(s.state.worker(on).retiring()).isTrue();
        assertThat(s.run(s.addKeys(other, "x"))).isEmpty(); // "data" is still only there
        assertThat(s.run(s.addKeys(other, "data"))).containsExactly("retire @" + on);

        // Its removal then loses nothing: no recomputation, no lost key.
        assertThat(s.run(s.removeWorker(on))).isEmpty();
        assertThat(s.state.task("x").whoHas()).containsExactly(other);
        assertThat(s.state.task("data").whoHas()).containsExactly(other);
        assertThat(s.state.task("x").state()).isEqualTo(SchedulerTaskState.MEMORY);
    }

    @Test
    void aRetiringWorkerGetsNoNewTasks() {
        var s = cluster(A, B);
        assertThat(s.run(s.retire(A))).containsExactly("retire @" + A); // holds nothing, runs nothing
        assertThat(s.run(s.submitAll("c1", spec("x"), spec("y")))).containsExactly("compute x@" + B, "compute y@" + B);
    }

    @Test
    void aRunningTaskFinishesFirstAndItsResultMoves() {
        var s = cluster(A, B);
        s.handle(s.submitAll("c1", spec("x")));
        String on = s.state.task("x").processingOn();
        String other = on.equals(A) ? B : A;
        assertThat(s.run(s.retire(on))).isEmpty(); // x still runs there: no cancel, no close
        assertThat(s.state.task("x").processingOn()).isEqualTo(on);

        assertThat(s.run(s.finish(on, "x"))).contains("acquire {x=[" + on + "]}@" + other);
        assertThat(s.run(s.addKeys(other, "x"))).containsExactly("retire @" + on);
    }

    @Test
    void dataAlreadyOnAnotherWorkerIsNotCopied() {
        var s = cluster(A, B);
        s.handle(s.scatter("c1", "data", 100, A, B));
        assertThat(s.run(s.retire(A))).containsExactly("retire @" + A);
    }

    @Test
    void withNoOtherWorkerTheRetirementStopsAndTheWorkerTakesTasksAgain() {
        var s = cluster(A);
        s.handle(s.scatter("c1", "data", 100, A));
        List<SchedulerInstruction> out = s.handle(s.retire(A));
        assertThat(Sched.render(out)).containsExactly("retire-failed " + A);
        assertThat(((RetirementFailed) out.getFirst()).reason()).contains("no other worker can take its data");
        assertThat(s.state.worker(A).retiring()).isFalse();
        assertThat(s.run(s.submitAll("c1", spec("x")))).containsExactly("compute x@" + A);
    }

    @Test
    void retiringEveryWorkerHoldingDataFails() {
        var s = cluster(A, B);
        s.handle(s.scatter("c1", "data", 100, A));
        assertThat(s.run(s.retire(A, B))).containsExactlyInAnyOrder("retire @" + B, "retire-failed " + A);
    }

    @Test
    void aWorkerWithoutRoomUnderItsMemoryLimitIsNoTarget() {
        var s = cluster(A, B); // each with a limit of 1 GiB
        s.handle(s.scatter("c1", "big", 2L << 30, A));
        assertThat(s.run(s.retire(A))).containsExactly("retire-failed " + A);
    }

    @Test
    void aTargetThatLeavesIsReplaced() {
        var s = cluster(A, B, C);
        s.handle(s.scatter("c1", "data", 100, A));
        assertThat(s.run(s.retire(A))).containsExactly("acquire {data=[" + A + "]}@" + B);
        assertThat(s.run(s.removeWorker(B))).containsExactly("acquire {data=[" + A + "]}@" + C);
        assertThat(s.run(s.addKeys(C, "data"))).containsExactly("retire @" + A);
    }

    @Test
    void anUnknownWorkerIsRefused() {
        var s = cluster(A);
        assertThat(s.run(s.retire("tcp://nobody:1"))).containsExactly("retire-failed tcp://nobody:1");
    }
}
