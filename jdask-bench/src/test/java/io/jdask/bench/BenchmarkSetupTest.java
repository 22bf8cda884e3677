package io.jdask.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Delayed;
import io.jdask.Scheduler;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Smoke test of the benchmarks: each one builds the graph it claims to (the right number of nodes, so the
 * per-task figures divide by the right count) and that graph computes the right value, so a benchmark never
 * times a wrong or partial computation. No timings here.
 */
class BenchmarkSetupTest {

    @ParameterizedTest
    @ValueSource(strings = {"THREADS", "SYNC"})
    void everyComputeBenchmarkSetsUpACheckedGraph(String scheduler) {
        // setUp() computes the graph once and throws if the value is wrong.
        var expected = Map.of(
                DelayedBenchmark.Shape.FANOUT, Graphs.triangle(Graphs.N),
                DelayedBenchmark.Shape.CHAIN, (long) Graphs.N,
                DelayedBenchmark.Shape.TREE, Graphs.triangle(Graphs.N));
        for (DelayedBenchmark.Shape shape : DelayedBenchmark.Shape.values()) {
            var built = new DelayedBenchmark.Built();
            built.shape = shape;
            built.schedulerName = scheduler;
            built.setUp();
            var calls = new DelayedBenchmark.Calls();
            assertThat(new DelayedBenchmark().compute(built, calls))
                    .as("%s on %s", shape, scheduler)
                    .isEqualTo(expected.get(shape));
            assertThat(calls.calls).as("tasks counted for %s", shape).isEqualTo(shape.calls);
        }
    }

    @Test
    void buildBenchmarksMakeAsManyTasksAsTheyCount() {
        // N leaves + all(list) + sum: the all node is the one node not counted as a call.
        var nodes = Map.of(
                DelayedBenchmark.Shape.FANOUT, Graphs.FAN_OUT_CALLS + 1,
                DelayedBenchmark.Shape.CHAIN, Graphs.CHAIN_CALLS,
                DelayedBenchmark.Shape.TREE, Graphs.TREE_CALLS);
        for (DelayedBenchmark.Shape shape : DelayedBenchmark.Shape.values()) {
            var shaped = new DelayedBenchmark.Shaped();
            shaped.shape = shape;
            var calls = new DelayedBenchmark.Calls();
            assertThat(new DelayedBenchmark().build(shaped, calls).graph().size())
                    .as("nodes of %s", shape)
                    .isEqualTo(nodes.get(shape));
            assertThat(calls.calls).as("tasks counted for %s", shape).isEqualTo(shape.calls);
        }
    }

    @Test
    void treeCarriesOddLevelsUpAndAddsEveryLeafOnce() {
        // Sizes with odd levels at every depth (3, 5, 7, 9...) and powers of two; both schedulers must agree.
        for (int n = 1; n <= 70; n++) {
            Delayed<Long> t = Graphs.tree(n);
            assertThat(t.graph().size()).as("nodes of tree(%d)", n).isEqualTo(2 * n - 1);
            assertThat(t.compute(Scheduler.SYNC)).as("tree(%d) on SYNC", n).isEqualTo(Graphs.triangle(n));
            assertThat(t.compute(Scheduler.THREADS))
                    .as("tree(%d) on THREADS", n)
                    .isEqualTo(Graphs.triangle(n));
        }
    }

    @Test
    void chainRunsEveryLinkInOrder() {
        for (int n : new int[] {1, 2, 17}) {
            Delayed<Long> c = Graphs.chain(n);
            assertThat(c.graph().size()).isEqualTo(n);
            assertThat(c.compute(Scheduler.THREADS)).isEqualTo(n);
        }
    }

    @Test
    void unknownSchedulerNameIsRejectedWithTheChoices() {
        assertThatThrownBy(() -> Graphs.scheduler("threads"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'threads'")
                .hasMessageContaining("THREADS or SYNC");
    }
}
