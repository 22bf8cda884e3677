package io.jdask.worker.state;

import static io.jdask.worker.state.Events.compute;
import static io.jdask.worker.state.Events.success;
import static io.jdask.worker.state.Events.whoHas;
import static io.jdask.worker.state.WorkerTaskState.EXECUTING;
import static io.jdask.worker.state.WorkerTaskState.FETCH;
import static io.jdask.worker.state.WorkerTaskState.FLIGHT;
import static io.jdask.worker.state.WorkerTaskState.READY;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.worker.state.WorkerEvent.Pause;
import io.jdask.worker.state.WorkerEvent.Rejoin;
import io.jdask.worker.state.WorkerEvent.Secede;
import io.jdask.worker.state.WorkerEvent.Unpause;
import io.jdask.worker.state.WorkerInstruction.Execute;
import io.jdask.worker.state.WorkerInstruction.GatherDep;
import io.jdask.worker.state.WorkerInstruction.Rejoined;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A paused worker (memory above the pause fraction) starts no task and fetches nothing until unpaused. */
class PauseTest {
    private static final String ME = "tcp://10.0.0.1:1";
    private static final String P1 = "tcp://10.0.0.2:1";

    @Test
    void aPausedWorkerStartsNoTaskAndResumesOnUnpause() {
        var ws = WorkerStates.forTest(ME, b -> b.nthreads(1).executeAhead(0));
        ws.handle(compute("running", "s1"));
        assertThat(ws.handle(new Pause("pause", 0))).isEmpty();
        assertThat(ws.state().isPaused()).isTrue();

        assertThat(ws.handle(compute("next", "s2"))).isEmpty();
        // the running task finishes; its thread is free, but the worker is paused
        var out = ws.handle(success("running", "s3"));
        assertThat(out).noneMatch(i -> i instanceof Execute);
        assertThat(ws.stateOf("next")).isEqualTo(READY);

        assertThat(ws.handle(new Unpause("unpause", 0))).containsExactly(new Execute("next", "unpause"));
        assertThat(ws.stateOf("next")).isEqualTo(EXECUTING);
        assertThat(ws.state().isPaused()).isFalse();
    }

    @Test
    void aPausedWorkerFetchesNothingUntilUnpaused() {
        var ws = WorkerStates.forTest(ME);
        ws.handle(new Pause("pause", 0));
        assertThat(ws.handle(compute("z", whoHas("a", List.of(P1)), "s1"))).isEmpty();
        assertThat(ws.stateOf("a")).isEqualTo(FETCH);

        assertThat(ws.handle(new Unpause("unpause", 0)))
                .containsExactly(new GatherDep(P1, Set.of("a"), Events.DEP_BYTES, "unpause"));
        assertThat(ws.stateOf("a")).isEqualTo(FLIGHT);
    }

    @Test
    void aSecededTaskMayRejoinWhilePaused() {
        var ws = WorkerStates.forTest(ME, b -> b.nthreads(1).executeAhead(0));
        ws.handle(compute("long", "s1"), new Secede("long", "s2", 0));
        ws.handle(new Pause("pause", 0));
        assertThat(ws.handle(new Rejoin("long", "s3", 0))).contains(new Rejoined("long", "s3"));
    }
}
