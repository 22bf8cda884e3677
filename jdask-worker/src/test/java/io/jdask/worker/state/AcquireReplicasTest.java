package io.jdask.worker.state;

import static io.jdask.worker.state.Events.freeKeys;
import static io.jdask.worker.state.Events.gathered;
import static io.jdask.worker.state.Events.whoHas;
import static io.jdask.worker.state.WorkerTaskState.FLIGHT;
import static io.jdask.worker.state.WorkerTaskState.FORGOTTEN;
import static io.jdask.worker.state.WorkerTaskState.MEMORY;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.worker.state.WorkerEvent.AcquireReplicas;
import io.jdask.worker.state.WorkerInstruction.AddKeysMsg;
import io.jdask.worker.state.WorkerInstruction.GatherDep;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Copies the scheduler asks for (a retiring worker's data): fetched, kept without a task, reported, freed on request. */
class AcquireReplicasTest {
    static final String ME = "tcp://127.0.0.1:1";
    static final String P1 = "tcp://127.0.0.1:2";
    static final long B = Events.DEP_BYTES;

    final WorkerStates ws = WorkerStates.forTest(ME);

    @Test
    void keysAreFetchedKeptAndReported() {
        var out = ws.handle(
                new AcquireReplicas(whoHas("a", List.of(P1), "b", List.of(P1)), Map.of("a", B, "b", B), "s1", 0));
        assertThat(out).containsExactly(new GatherDep(P1, Set.of("a", "b"), 2 * B, "s1"));
        assertThat(ws.stateOf("a")).isEqualTo(FLIGHT);

        assertThat(ws.handle(gathered(P1, "s2", "a", "b")))
                .containsExactlyInAnyOrder(new AddKeysMsg(List.of("a"), "s2"), new AddKeysMsg(List.of("b"), "s2"));
        // No task needs them here, yet they stay: the scheduler counts on these copies.
        assertThat(ws.stateOf("a")).isEqualTo(MEMORY);
        assertThat(ws.stateOf("b")).isEqualTo(MEMORY);
        assertThat(ws.state().nbytesInMemory()).isEqualTo(2 * B);

        ws.handle(freeKeys("s3", "a"));
        assertThat(ws.stateOf("a")).isEqualTo(FORGOTTEN);
        assertThat(ws.stateOf("b")).isEqualTo(MEMORY);
    }

    @Test
    void aKeyAlreadyHereIsNotFetchedAgain() {
        ws.handle(new AcquireReplicas(whoHas("a", List.of(P1)), Map.of("a", B), "s1", 0));
        ws.handle(gathered(P1, "s2", "a"));
        var out = ws.handle(new AcquireReplicas(whoHas("a", List.of(P1)), Map.of("a", B), "s3", 0));
        assertThat(out).isEmpty();
        assertThat(ws.stateOf("a")).isEqualTo(MEMORY);
    }
}
