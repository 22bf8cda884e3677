package io.jdask.worker.state;

import static io.jdask.worker.state.Events.compute;
import static io.jdask.worker.state.Events.failure;
import static io.jdask.worker.state.Events.freeKeys;
import static io.jdask.worker.state.Events.spec;
import static io.jdask.worker.state.Events.success;
import static io.jdask.worker.state.Events.whoHas;
import static io.jdask.worker.state.WorkerTaskState.CANCELLED;
import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.FORGOTTEN;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.state.Priority;
import io.jdask.worker.state.WorkerEvent.CancelCompute;
import io.jdask.worker.state.WorkerEvent.ComputeTask;
import io.jdask.worker.state.WorkerEvent.ExecuteSkipped;
import io.jdask.worker.state.WorkerEvent.GatherDepSuccess;
import io.jdask.worker.state.WorkerEvent.Secede;
import io.jdask.worker.state.WorkerEvent.StillRunning;
import io.jdask.worker.state.WorkerInstruction.CancelExecution;
import io.jdask.worker.state.WorkerInstruction.Execute;
import io.jdask.worker.state.WorkerInstruction.GatherDep;
import io.jdask.worker.state.WorkerInstruction.LongRunningMsg;
import io.jdask.worker.state.WorkerInstruction.MissingDataMsg;
import io.jdask.worker.state.WorkerInstruction.RequestRefreshWhoHasMsg;
import io.jdask.worker.state.WorkerInstruction.TaskErredMsg;
import io.jdask.worker.state.WorkerInstruction.TaskFinishedMsg;
import io.jdask.worker.state.WorkerInstruction.TaskStartedMsg;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the worker shell used to decide by peeking into the state, decided by the state (STYLE section 12): run ids on
 * the answers, start reports, missing-data reports, stopping runs the scheduler no longer wants. Event in, exact
 * instructions out.
 */
class ShellDecisionsTest {
    static final String ME = "tcp://127.0.0.1:1";
    static final String P1 = "tcp://127.0.0.1:2";

    final WorkerStates ws = WorkerStates.forTest(ME);

    static ComputeTask computeRun(String key, long runId, String stim) {
        return new ComputeTask(key, runId, spec(key), Priority.of(0), Map.of(), Map.of(), Map.of(), stim, 0);
    }

    @Test
    void theRunIdOfTheComputeTaskIsEchoedOnExecuteAndTaskFinished() {
        assertThat(ws.handle(computeRun("x", 7, "s1"))).containsExactly(new Execute("x", 7, "s1"));
        assertThat(ws.task("x").runId()).isEqualTo(7);
        assertThat(ws.handle(success("x", "s2")))
                .containsExactly(new TaskFinishedMsg("x", 7, Events.RESULT_BYTES, Events.TYPE, 1, 2, "s2"));
    }

    @Test
    void theRunIdIsEchoedOnTaskErredAndLongRunning() {
        ws.handle(computeRun("x", 3, "s1"));
        assertThat(ws.handle(new Secede("x", "s2", 0))).containsExactly(new LongRunningMsg("x", 3, "s2"));
        var boom = new IllegalStateException("boom");
        assertThat(ws.handle(failure("x", boom, "s3"))).containsExactly(new TaskErredMsg("x", 3, boom, "s3"));
    }

    @Test
    void aLaterAssignmentOfTheSameKeyIsTheOneAnswered() {
        ws.handle(computeRun("x", 1, "s1"));
        assertThat(ws.handle(computeRun("x", 2, "s2")))
                .as("a duplicate while it runs")
                .isEmpty();
        assertThat(ws.handle(success("x", "s3")))
                .containsExactly(new TaskFinishedMsg("x", 2, Events.RESULT_BYTES, Events.TYPE, 1, 2, "s3"));
        // Held in memory already: the answer echoes the new request at once.
        assertThat(ws.handle(computeRun("x", 5, "s4")))
                .containsExactly(new TaskFinishedMsg("x", 5, Events.RESULT_BYTES, Events.TYPE, 1, 2, "s4"));
    }

    @Test
    void theRunIdGoesWithTheForgottenKey() {
        ws.handle(computeRun("x", 9, "s1"));
        ws.handle(success("x", "s2"));
        ws.handle(freeKeys("s3", "x"));
        assertThat(ws.stateOf("x")).isEqualTo(FORGOTTEN);
        assertThat(ws.state().taskCount()).isZero();
    }

    @Test
    void aPeerThatLackedKeysIsReportedAsMissingTheirData() {
        ws.handle(compute("y", whoHas("x", List.of(P1)), "s1"));
        assertThat(ws.handle(new GatherDepSuccess(P1, Map.of(), List.of("x"), "s2", 0)))
                .containsExactly(new MissingDataMsg("x", P1, "s2"), new RequestRefreshWhoHasMsg(List.of("x"), "s2"));
    }

    @Test
    void aCompleteReplyReportsNothingMissing() {
        ws.handle(compute("y", whoHas("x", List.of(P1)), "s1"));
        assertThat(ws.handle(new GatherDepSuccess(P1, Map.of("x", Events.DEP_BYTES), List.of(), "s2", 0)))
                .containsExactly(new WorkerInstruction.AddKeysMsg(List.of("x"), "s2"), new Execute("y", "s2"));
    }

    @Test
    void startsAreReportedForTasksThatStillRun() {
        ws.handle(compute("a", "s1"));
        var gather = ws.handle(compute("b", whoHas("x", List.of(P1)), "s2"));
        assertThat(gather).containsExactly(new GatherDep(P1, Set.of("x"), Events.DEP_BYTES, "s2"));
        assertThat(ws.handle(new StillRunning(List.of("a", "b", "unknown"), "s3", 0)))
                .as("only a runs: b waits for data, unknown is not here")
                .containsExactly(new TaskStartedMsg("a", "s3"));
    }

    @Test
    void aFinishedTaskIsNotReportedAsStarted() {
        ws.handle(compute("a", "s1"));
        ws.handle(success("a", "s2"));
        assertThat(ws.handle(new StillRunning(List.of("a"), "s3", 0))).isEmpty();
    }

    @Test
    void freeKeysStopsARunningTaskButNotOneALocalDependentNeeds() {
        var two = WorkerStates.forTest(ME, b -> b.nthreads(2));
        two.handle(compute("a", "s1"), compute("b", "s2"));
        assertThat(two.handle(freeKeys("s3", "a"))).containsExactly(new CancelExecution("a", "s3"));
        assertThat(two.stateOf("a")).isEqualTo(CANCELLED);
        // Freed again while cancelled: asked to stop again (the shell stops a run at most once).
        assertThat(two.handle(freeKeys("s4", "a"))).containsExactly(new CancelExecution("a", "s4"));
        assertThat(two.handle(freeKeys("s5", "unknown"))).isEmpty();
    }

    @Test
    void freeKeysOfATaskNotRunningStopsNothing() {
        ws.handle(compute("a", "s1"));
        ws.handle(success("a", "s2"));
        assertThat(ws.handle(freeKeys("s3", "a"))).containsExactly(new WorkerInstruction.DropData(List.of("a"), "s3"));
    }

    @Test
    void cancelComputeStopsOnlyRunningTasks() {
        ws.handle(compute("a", Priority.of(0), "s1"), compute("b", Priority.of(1), "s2"));
        assertThat(ws.handle(new CancelCompute("b", "s3", 0)))
                .as("b waits: released")
                .isEmpty();
        assertThat(ws.handle(new CancelCompute("a", "s4", 0))).containsExactly(new CancelExecution("a", "s4"));
        assertThat(ws.stateOf("a")).isEqualTo(EXECUTING);
        assertThat(ws.handle(new CancelCompute("gone", "s5", 0))).isEmpty();
    }

    @Test
    void aSkippedRunOfACancelledTaskEndsIt() {
        ws.handle(compute("a", "s1"));
        ws.handle(freeKeys("s2", "a"));
        var why = "cancelled before it started";
        assertThat(ws.handle(new ExecuteSkipped("a", why, "s3", 0))).isEmpty();
        assertThat(ws.stateOf("a")).isEqualTo(FORGOTTEN);
        assertThat(ws.state().executingCount()).isZero();
    }

    @Test
    void aSkippedRunOfATaskAskedForAgainGoesBackInLine() {
        ws.handle(computeRun("a", 1, "s1"));
        ws.handle(freeKeys("s2", "a"));
        assertThat(ws.handle(computeRun("a", 2, "s3")))
                .as("resumed: still running")
                .isEmpty();
        assertThat(ws.stateOf("a")).isEqualTo(EXECUTING);
        assertThat(ws.handle(new ExecuteSkipped("a", "skipped", "s4", 0))).containsExactly(new Execute("a", 2, "s4"));
        assertThat(ws.stateOf("a")).isEqualTo(EXECUTING);
    }

    @Test
    void aSkippedRunOfATaskCancelComputeLeftRunningGoesBackInLine() {
        // CancelCompute leaves a handed-over task EXECUTING: a cancel that caught it in line only delays it.
        ws.handle(compute("a", "s1"));
        ws.handle(new CancelCompute("a", "s2", 0));
        assertThat(ws.handle(new ExecuteSkipped("a", "skipped", "s3", 0))).containsExactly(new Execute("a", "s3"));
        assertThat(ws.stateOf("a")).isEqualTo(EXECUTING);
    }
}
