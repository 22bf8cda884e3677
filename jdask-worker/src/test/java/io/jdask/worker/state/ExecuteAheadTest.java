package io.jdask.worker.state;

import static io.jdask.worker.state.Events.compute;
import static io.jdask.worker.state.Events.computeNeeding;
import static io.jdask.worker.state.Events.failure;
import static io.jdask.worker.state.Events.finished;
import static io.jdask.worker.state.Events.freeKeys;
import static io.jdask.worker.state.Events.success;
import static io.jdask.worker.state.WorkerTaskState.CANCELLED;
import static io.jdask.worker.state.WorkerTaskState.CONSTRAINED;
import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.READY;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.state.Priority;
import io.jdask.worker.state.WorkerEvent.ExecuteSuccess;
import io.jdask.worker.state.WorkerInstruction.Execute;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Short tasks handed to the task threads beyond nthreads ({@code WorkerStateBuilder.executeAhead}). */
class ExecuteAheadTest {
    static final String ME = "tcp://127.0.0.1:1";

    final WorkerStates ws =
            WorkerStates.forTest(ME, b -> b.nthreads(1).executeAhead(2).shortTaskNanos(100_000));

    /** A success that ran for {@code nanos}. */
    static ExecuteSuccess ranFor(String key, long nanos, String stim) {
        return new ExecuteSuccess(key, Events.RESULT_BYTES, Events.TYPE, 1_000, 1_000 + nanos, stim, 0);
    }

    @Test
    void onceAPrefixIsKnownShortItsTasksRunAheadInPriorityOrder() {
        assertThat(ws.handle(compute("f-1", Priority.of(0), "s1"))).containsExactly(new Execute("f-1", "s1"));
        // Nothing is known of f's run time yet: the others wait for the thread, as without executeAhead.
        assertThat(ws.handle(
                        compute("f-2", Priority.of(4), "s2"),
                        compute("f-3", Priority.of(2), "s3"),
                        compute("f-4", Priority.of(3), "s4"),
                        compute("f-5", Priority.of(1), "s5")))
                .isEmpty();
        assertThat(ws.state().executingCount()).isEqualTo(1);

        // f-1 took 1 ns: the next one runs and two more are handed over behind it, in priority order.
        assertThat(ws.handle(success("f-1", "s6")))
                .containsExactly(
                        finished("f-1", "s6"),
                        new Execute("f-5", "s6"),
                        new Execute("f-3", "s6"),
                        new Execute("f-4", "s6"));
        assertThat(ws.state().executingCount()).isEqualTo(3);
        assertThat(ws.stateOf("f-4")).isEqualTo(EXECUTING);
        assertThat(ws.stateOf("f-2")).isEqualTo(READY);

        assertThat(ws.handle(success("f-5", "s7"))).containsExactly(finished("f-5", "s7"), new Execute("f-2", "s7"));
        assertThat(ws.state().executingCount()).isEqualTo(3);
    }

    @Test
    void tasksOfALongPrefixWaitForAFreeThread() {
        ws.handle(
                compute("slow-1", Priority.of(1), "s1"),
                compute("slow-2", Priority.of(2), "s2"),
                compute("slow-3", Priority.of(3), "s3"));
        assertThat(ws.handle(ranFor("slow-1", 1_000_000, "s4")))
                .containsExactly(
                        new WorkerInstruction.TaskFinishedMsg(
                                "slow-1", Events.RESULT_BYTES, Events.TYPE, 1_000, 1_001_000, "s4"),
                        new Execute("slow-2", "s4"));
        assertThat(ws.state().executingCount()).isEqualTo(1);
        assertThat(ws.stateOf("slow-3")).isEqualTo(READY);
    }

    @Test
    void theAverageDecidesSoAPrefixThatTurnsLongStopsRunningAhead() {
        for (int i = 1; i <= 6; i++) ws.handle(compute("g-" + i, Priority.of(i), "s" + i));
        ws.handle(ranFor("g-1", 10_000, "s7")); // short: g-2 runs, g-3 and g-4 wait in line
        assertThat(ws.state().executingCount()).isEqualTo(3);
        // g-2 took 1 ms: the average is now about 0.5 ms, so g-5 is not handed over when g-2's thread frees.
        ws.handle(ranFor("g-2", 1_000_000, "s8"));
        assertThat(ws.state().executingCount()).isEqualTo(2);
        assertThat(ws.stateOf("g-5")).isEqualTo(READY);
    }

    @Test
    void withoutExecuteAheadOnlyNthreadsTasksAreHandedOver() {
        var plain = WorkerStates.forTest(ME, b -> b.nthreads(1));
        plain.handle(
                compute("f-1", Priority.of(1), "s1"),
                compute("f-2", Priority.of(2), "s2"),
                compute("f-3", Priority.of(3), "s3"));
        assertThat(plain.handle(success("f-1", "s4"))).containsExactly(finished("f-1", "s4"), new Execute("f-2", "s4"));
        assertThat(plain.state().executingCount()).isEqualTo(1);
    }

    @Test
    void aHigherPriorityConstrainedTaskIsNotPassedByTasksRunningAhead() {
        var gpu = WorkerStates.forTest(ME, b -> b.nthreads(1).executeAhead(4).resources(Map.of("GPU", 1.0)));
        gpu.handle(computeNeeding("h-0", Map.of("GPU", 1.0), "s0"));
        gpu.handle(success("h-0", "s1")); // h is known short; GPU free again
        gpu.handle(computeNeeding("h-1", Map.of("GPU", 1.0), "s2")); // runs, holds the GPU
        gpu.handle(computeNeeding("h-2", Map.of("GPU", 2.0), "s3")); // can never run here, but ranks first
        gpu.handle(compute("h-3", Priority.of(5), "s4"), compute("h-4", Priority.of(6), "s5"));
        assertThat(gpu.stateOf("h-2")).isEqualTo(CONSTRAINED);
        assertThat(gpu.stateOf("h-3")).isEqualTo(READY);
        assertThat(gpu.state().executingCount()).isEqualTo(1);
    }

    @Test
    void aTaskCancelledWhileInLineEndsWhenItsThreadReportsIt() {
        ws.handle(
                compute("f-1", Priority.of(1), "s1"),
                compute("f-2", Priority.of(2), "s2"),
                compute("f-3", Priority.of(3), "s3"));
        ws.handle(success("f-1", "s4"));
        assertThat(ws.stateOf("f-3")).isEqualTo(EXECUTING); // in line behind f-2
        ws.handle(freeKeys("s5", "f-3"));
        assertThat(ws.stateOf("f-3")).isEqualTo(CANCELLED);
        // The worker's task thread skips it and reports that it ended without a value.
        assertThat(ws.handle(failure("f-3", "cancelled before it started", "s6")))
                .isEmpty();
        assertThat(ws.task("f-3")).isNull();
        assertThat(ws.state().executingCount()).isEqualTo(1);
    }
}
