package io.jdask.worker.state;

import static io.jdask.worker.state.Events.compute;
import static io.jdask.worker.state.Events.computeNeeding;
import static io.jdask.worker.state.Events.whoHas;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.state.Priority;
import io.jdask.worker.state.WorkerEvent.ComputeTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The worker shell hands the state a frame's ComputeTasks in one {@code handle} call (WorkerServer.toLoop): that must
 * say exactly what one call per event would have said, and leave the same state.
 */
class ComputeBatchTest {
    static final String P1 = "tcp://127.0.0.1:2";

    /** Ready tasks of mixed priorities, tasks with dependencies on a peer, tasks that need a resource. */
    private static List<ComputeTask> events() {
        var out = new ArrayList<ComputeTask>();
        for (int i = 0; i < 12; i++) {
            out.add(compute("t" + i, Priority.of(i % 3 - 1, i / 4, 12 - i), "s" + i));
        }
        out.add(compute("dep-user", whoHas("a", List.of(P1), "b", List.of(P1)), "s-dep"));
        out.add(computeNeeding("gpu-task", Map.of("GPU", 1.0), "s-gpu"));
        out.add(compute("last", Priority.of(5), "s-last"));
        return out;
    }

    private static WorkerStates fresh() {
        return WorkerStates.forTest("tcp://127.0.0.1:1", b -> b.nthreads(3).resources(Map.of("GPU", 1.0)));
    }

    @Test
    void aBatchOfComputeTasksGivesTheSameInstructionsAsOneCallEach() {
        WorkerStates separate = fresh();
        var one = new ArrayList<WorkerInstruction>();
        for (ComputeTask e : events()) {
            one.addAll(separate.handle(e));
        }
        WorkerStates batched = fresh();
        var all = batched.handle(events().toArray(new WorkerEvent[0]));

        assertThat(all).isEqualTo(one);
        assertThat(all)
                .as("something ran, something waits for its data")
                .hasAtLeastOneElementOfType(WorkerInstruction.Execute.class)
                .hasAtLeastOneElementOfType(WorkerInstruction.GatherDep.class);
        for (ComputeTask e : events()) {
            assertThat(batched.stateOf(e.key())).as(e.key()).isEqualTo(separate.stateOf(e.key()));
        }
        assertThat(batched.state().executingCount()).isEqualTo(separate.state().executingCount());
    }
}
