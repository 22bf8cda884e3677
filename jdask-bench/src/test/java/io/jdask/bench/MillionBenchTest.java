package io.jdask.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Delayed;
import io.jdask.Scheduler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Smoke test of {@link MillionBench} at a tiny size: the graph has the task count the rates divide by and computes
 * the checked value, and a whole run on an in-JVM cluster (real scheduler, in-JVM workers) prints every figure as a
 * parseable line. No timing or memory figure is asserted beyond being a number.
 */
class MillionBenchTest {

    @Test
    void graphHasTheCountedTasksAndSumsEveryLeafOnce() {
        // Even and uneven slices, one leaf per partial, one partial for everything.
        int[][] sizes = {{10, 3}, {12, 4}, {7, 7}, {5, 1}, {1000, 13}};
        for (int[] s : sizes) {
            Delayed<Long> total = MillionBench.build(s[0], s[1]);
            assertThat((long) total.graph().size())
                    .as("nodes of n=%d partials=%d", s[0], s[1])
                    .isEqualTo(MillionBench.tasks(s[0], s[1]));
            assertThat(total.compute(Scheduler.SYNC))
                    .as("value of n=%d partials=%d", s[0], s[1])
                    .isEqualTo(MillionBench.expected(s[0]));
        }
        assertThat(MillionBench.expected(1_000_000)).isEqualTo(499_999_500_000L);
        assertThatThrownBy(() -> MillionBench.check(41, 10)).hasMessageContaining("expected 45");
    }

    @Test
    void aWholeRunOnAClusterPrintsEveryFigureAndChecksTheTotal() {
        var o = MillionBench.Options.parse("--in-jvm", "--n", "3000", "--partials", "7", "--reps", "2");
        List<String> lines = new ArrayList<>();
        MillionBench.run(o, lines::add);

        List<String> results =
                lines.stream().filter(l -> l.startsWith("RESULT ")).toList();
        assertThat(results)
                .extracting(l -> field(l, "figure"))
                .containsExactly("build", "send", "submit", "wall", "rate", "client_bytes", "scheduler_bytes");
        for (String l : results) {
            assertThat(field(l, "tasks")).as(l).isEqualTo("3016");
            assertThat(Double.parseDouble(field(l, "median"))).as(l).isFinite();
        }
        for (String l : results.subList(0, 5)) {
            assertThat(Double.parseDouble(field(l, "median"))).as(l).isPositive();
            assertThat(field(l, "reps")).as(l).isEqualTo("2");
            assertThat(Double.parseDouble(field(l, "first"))).as(l).isPositive();
        }
        // The held graph, computed once the workers came back, was checked too.
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("value checked"));
    }

    @Test
    void optionsNeedALeafPerPartialAndKnownNames() {
        assertThatThrownBy(() -> MillionBench.Options.parse("--n", "5", "--partials", "6"))
                .hasMessageContaining("--partials (6) must be at most --n (5)");
        assertThatThrownBy(() -> MillionBench.Options.parse("--size", "5")).hasMessageContaining("unknown option");
        assertThatThrownBy(() -> MillionBench.Options.parse("--reps", "0")).hasMessageContaining(">= 1");
        var o = MillionBench.Options.parse();
        assertThat(o.n).isEqualTo(1_000_000);
        assertThat(o.partials).isEqualTo(1_000);
    }

    private static String field(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) return part.substring(name.length() + 1);
        }
        throw new AssertionError("no " + name + "= in " + line);
    }
}
