package io.jdask.worker.state;

import static io.jdask.worker.state.Events.compute;
import static io.jdask.worker.state.Events.gathered;
import static io.jdask.worker.state.Events.spec;
import static io.jdask.worker.state.Events.success;
import static io.jdask.worker.state.Events.whoHas;
import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.FORGOTTEN;
import static io.jdask.worker.state.WorkerTaskState.LONG_RUNNING;
import static io.jdask.worker.state.WorkerTaskState.MEMORY;
import static io.jdask.worker.state.WorkerTaskState.READY;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.state.Priority;
import io.jdask.worker.state.WorkerEvent.ComputeTask;
import io.jdask.worker.state.WorkerEvent.Secede;
import io.jdask.worker.state.WorkerEvent.StealRequest;
import io.jdask.worker.state.WorkerInstruction.Execute;
import io.jdask.worker.state.WorkerInstruction.StealResponseMsg;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The worker's half of work stealing: a run that has not started is given up and the answer says so; one that
 * started, finished or belongs to another run stays, and its result is reported as usual.
 */
class WorkerStealTest {
    static final String ME = "tcp://127.0.0.1:1";
    static final String PEER = "tcp://127.0.0.1:2";

    /** One thread: "a" runs, "b" waits for the thread. */
    final WorkerStates ws = WorkerStates.forTest(ME);

    static ComputeTask run(String key, long runId, int priority, String stim) {
        return new ComputeTask(key, runId, spec(key), Priority.of(priority), Map.of(), Map.of(), Map.of(), stim, 0);
    }

    @Test
    void aReadyTaskIsGivenUp() {
        ws.handle(run("a", 1, 0, "s1"), run("b", 2, 1, "s2"));
        assertThat(ws.stateOf("b")).isEqualTo(READY);
        assertThat(ws.handle(new StealRequest("b", 2, "s3", 0)))
                .containsExactly(new StealResponseMsg("b", 2, true, "READY", "s3"));
        assertThat(ws.stateOf("b")).isEqualTo(FORGOTTEN);
        // The freed turn is not taken by b: when a ends, nothing else starts.
        assertThat(ws.handle(success("a", "s4"))).noneMatch(i -> i instanceof Execute);
    }

    @Test
    void anExecutingTaskStaysAndItsResultIsReported() {
        ws.handle(compute("a", "s1"));
        assertThat(ws.handle(new StealRequest("a", 0, "s2", 0)))
                .containsExactly(new StealResponseMsg("a", 0, false, "EXECUTING", "s2"));
        assertThat(ws.stateOf("a")).isEqualTo(EXECUTING);
        assertThat(ws.handle(success("a", "s3"))).contains(Events.finished("a", "s3"));
    }

    @Test
    void aTaskWaitingForItsInputsIsGivenUpAndTheFetchedInputDropped() {
        var out = ws.handle(compute("y", whoHas("x", List.of(PEER)), "s1"));
        assertThat(out).anyMatch(i -> i instanceof WorkerInstruction.GatherDep);
        assertThat(ws.handle(new StealRequest("y", 0, "s2", 0)))
                .containsExactly(new StealResponseMsg("y", 0, true, "WAITING", "s2"));
        assertThat(ws.stateOf("y")).isEqualTo(FORGOTTEN);
        // The transfer under way still lands; nobody needs x here any more, so its value goes.
        assertThat(ws.handle(gathered(PEER, "s3", "x"))).contains(new WorkerInstruction.DropData(List.of("x"), "s3"));
        assertThat(ws.stateOf("x")).isEqualTo(FORGOTTEN);
    }

    @Test
    void aFinishedTaskStays() {
        ws.handle(run("a", 1, 0, "s1"));
        ws.handle(success("a", "s2"));
        assertThat(ws.handle(new StealRequest("a", 1, "s3", 0)))
                .containsExactly(new StealResponseMsg("a", 1, false, "MEMORY", "s3"));
        assertThat(ws.stateOf("a")).isEqualTo(MEMORY);
    }

    @Test
    void aSecededTaskStays() {
        ws.handle(run("a", 1, 0, "s1"));
        ws.handle(new Secede("a", "s2", 0));
        assertThat(ws.stateOf("a")).isEqualTo(LONG_RUNNING);
        assertThat(ws.handle(new StealRequest("a", 1, "s3", 0)))
                .containsExactly(new StealResponseMsg("a", 1, false, "LONG_RUNNING", "s3"));
    }

    @Test
    void aRequestAboutAnotherRunMovesNothing() {
        ws.handle(run("a", 1, 0, "s1"), run("b", 5, 1, "s2"));
        assertThat(ws.handle(new StealRequest("b", 4, "s3", 0)))
                .containsExactly(new StealResponseMsg("b", 4, false, "READY", "s3"));
        assertThat(ws.stateOf("b")).isEqualTo(READY);
    }

    @Test
    void anUnknownKeyIsAnsweredAsReleased() {
        assertThat(ws.handle(new StealRequest("nope", 3, "s1", 0)))
                .containsExactly(new StealResponseMsg("nope", 3, true, "unknown", "s1"));
    }

    @Test
    void aTaskGivenUpCanBeAssignedHereAgain() {
        ws.handle(run("a", 1, 0, "s1"), run("b", 2, 1, "s2"));
        ws.handle(new StealRequest("b", 2, "s3", 0));
        ws.handle(run("b", 7, 1, "s4"));
        assertThat(ws.handle(success("a", "s5"))).contains(new Execute("b", 7, "s5"));
    }
}
