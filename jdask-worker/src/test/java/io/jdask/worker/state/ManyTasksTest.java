package io.jdask.worker.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.state.Priority;
import io.jdask.worker.state.WorkerEvent.ComputeTask;
import io.jdask.worker.state.WorkerEvent.ExecuteSuccess;
import io.jdask.worker.state.WorkerEvent.FreeKeys;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pushes many independent tasks through compute -> finish -> free and checks the end state. It
 * prints the rate for information only (no timing assertion: machines differ); the JMH benchmark
 * belongs in the benchmarks module.
 */
class ManyTasksTest {
    @Test
    void manyTasksFlowThroughAndAreForgotten() {
        WorkerState ws = WorkerState.builder("tcp://127.0.0.1:1").nthreads(4).build();
        // Many tasks through one state, so leaks in its indexes show; speed is measured in jdask-bench.
        int n = 50_000;
        long instructions = run(ws, n, "main");

        ws.validate();
        assertThat(ws.taskCount()).isZero();
        assertThat(ws.executingCount()).isZero();
        assertThat(ws.nbytesInMemory()).isZero();
        // Per task: Execute, TaskFinishedMsg, DropData (no ReleaseWorkerDataMsg: the release is the scheduler's own).
        assertThat(instructions).isEqualTo(3L * n);
    }

    private static long run(WorkerState ws, int n, String prefix) {
        var priority = Priority.of(0);
        long instructions = 0;
        for (int i = 0; i < n; i++) {
            String key = prefix + i;
            instructions += ws.handle(new ComputeTask(key, null, priority, Map.of(), Map.of(), Map.of(), "c" + i, i))
                    .size();
            instructions +=
                    ws.handle(new ExecuteSuccess(key, 8, "I", i, i, "d" + i, i)).size();
            instructions += ws.handle(new FreeKeys(List.of(key), "f" + i, i)).size();
        }
        return instructions;
    }
}
