package io.jdask.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Actor;
import io.jdask.client.ClusterExtension;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Smoke test of {@link ColdBench}: its actor workload checks every call, each case's child code computes right and
 * reports every field the parent summarises, and a whole run (real child JVMs, workers in them as threads, tiny
 * sizes) prints one parseable line per figure. No timing is asserted.
 */
class ColdBenchTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.inJvm(2);

    @Test
    void actorCallsCountOneByOneAndCatchAWrongCount() {
        Actor<ColdBench.Counter> counter =
                cluster.client().submitActor(ColdBench.Counter::new).result();
        long[] nanos = ColdBench.actorCalls(counter, 40);
        assertThat(nanos).hasSize(40);
        assertThat(Arrays.stream(nanos).min().orElseThrow()).isPositive();
        assertThat(counter.call(ColdBench.Counter::increment).result()).isEqualTo(41);
        // The same counter again does not count from 1: the check fails at the first call.
        assertThatThrownBy(() -> ColdBench.actorCalls(counter, 5)).hasMessage("actor call 1 returned 42");
    }

    @Test
    void eachCaseReportsItsFieldsFromAFreshCluster() {
        Map<String, List<String>> fields = Map.of(
                "burst", List.of("start_s", "burst_tasks_per_s"),
                "roundtrip", List.of("start_s", "roundtrip_median_us", "roundtrip_p99_us", "roundtrip_first_us"),
                "actor", List.of("start_s", "actor_create_ms", "actor_median_us", "actor_p99_us", "actor_first_us"),
                "scatter", List.of("start_s", "scatter_first_gb_per_s", "scatter_warm_gb_per_s"),
                "prime", List.of("start_s"));
        for (var e : fields.entrySet()) {
            var o = ColdBench.Options.parse(tiny("--child", e.getKey()));
            String line = ColdBench.child(o).get(0);
            Map<String, Double> v = ColdBench.parseChildLine(List.of("other output", line), e.getKey());
            assertThat(v.keySet()).as(line).containsExactlyElementsOf(e.getValue());
            assertThat(v.values())
                    .as(line)
                    .allSatisfy(x -> assertThat(x).isPositive().isFinite());
        }
    }

    @Test
    void profileReportsTheTimedPartAfterTheResultLine() {
        List<String> out = ColdBench.child(ColdBench.Options.parse(tiny("--child", "burst", "--profile")));
        assertThat(out.get(0)).startsWith(ColdBench.CHILD_PREFIX);
        assertThat(out).anyMatch(l -> l.contains("classes loaded") && l.contains("ms of JIT compilation"));
        assertThat(out).anyMatch(l -> l.startsWith("CPU client+scheduler"));
    }

    @Test
    void aWholeRunStartsOneChildJvmPerCaseAndPrintsEveryFigure() {
        var o = ColdBench.Options.parse(tiny("--reps", "1", "--prime", "0"));
        List<String> lines = new ArrayList<>();
        ColdBench.run(o, lines::add);

        List<String> results =
                lines.stream().filter(l -> l.startsWith("RESULT ")).toList();
        assertThat(results)
                .extracting(l -> field(l, "figure"))
                .containsExactly(
                        "cold_burst",
                        "cold_roundtrip_median",
                        "cold_roundtrip_p99",
                        "cold_roundtrip_first",
                        "cold_actor_create",
                        "cold_actor_median",
                        "cold_actor_p99",
                        "cold_actor_first",
                        "cold_scatter_first",
                        "cold_scatter_warm",
                        "cold_start");
        for (String l : results) {
            assertThat(Double.parseDouble(field(l, "median")))
                    .as(l)
                    .isPositive()
                    .isFinite();
            assertThat(field(l, "reps")).as(l).isEqualTo(l.contains("cold_start") ? "4" : "1");
        }
        assertThat(lines).filteredOn(l -> l.startsWith("# rep 1 ")).hasSize(4);
    }

    @Test
    void optionsChildFlagsAndChildLinesAreChecked() {
        assertThatThrownBy(() -> ColdBench.Options.parse("--only", "burst,warm"))
                .hasMessageContaining("'warm'")
                .hasMessageContaining("burst,roundtrip,actor");
        assertThatThrownBy(() -> ColdBench.Options.parse("--reps", "0")).hasMessageContaining(">= 1");
        // A child gets the sizes and the cluster of its parent.
        var o = ColdBench.Options.parse(
                "--tasks", "7", "--bytes", "1000", "--scatters", "3", "--in-jvm", "--no-dashboard");
        var child = ColdBench.Options.parse(o.childArgs("roundtrip").toArray(String[]::new));
        assertThat(child.child).isEqualTo("roundtrip");
        assertThat(child.tasks).isEqualTo(7);
        assertThat(child.bytes).isEqualTo(1000);
        assertThat(child.scatters).isEqualTo(3);
        assertThat(child.processes).isFalse();
        assertThat(child.dashboard).isFalse();
        // Flags from JAVA_TOOL_OPTIONS and a debugger agent are not passed on; the others are.
        assertThat(ColdBench.childJvmFlags(
                        List.of("-Xmx1g", "-agentlib:jdwp=transport=dt_socket", "-XX:+UnlockDiagnosticVMOptions"),
                        " -XX:+UnlockDiagnosticVMOptions "))
                .containsExactly("-Xmx1g");
        assertThatThrownBy(() -> ColdBench.parseChildLine(List.of("hello"), "burst"))
                .hasMessageContaining("no line starting with 'CHILD '");
        assertThat(ColdBench.parseChildLine(List.of("CHILD a=1.5 b=2"), "x"))
                .containsExactly(Map.entry("a", 1.5), Map.entry("b", 2.0));
    }

    /** Tiny sizes, workers in the child's JVM, no dashboard; then {@code more}. */
    private static String[] tiny(String... more) {
        List<String> a = new ArrayList<>(List.of(
                "--in-jvm",
                "--no-dashboard",
                "--tasks",
                "60",
                "--round-trips",
                "15",
                "--actor-calls",
                "15",
                "--bytes",
                "200000",
                "--scatters",
                "2"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static String field(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) return part.substring(name.length() + 1);
        }
        throw new AssertionError("no " + name + "= in " + line);
    }
}
