package io.jdask.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Smoke test of {@link NotebookBench}: one notebook at tiny sizes, in this JVM's JShell, on a LocalCluster of worker
 * processes that must fetch the cells' classes. Every cell checks its own result (a wrong value throws), so a run
 * that completes computed every case right. No timing is asserted.
 */
class NotebookBenchTest {

    @Test
    void aTinyNotebookComputesEveryCaseAndReportsEveryFigure() {
        NotebookBench.Options o = NotebookBench.Options.parse(
                "--sleep-ms",
                "50",
                "--half-ms",
                "50",
                "--tiny",
                "20",
                "--trips",
                "5",
                "--rounds",
                "2",
                "--actor-calls",
                "5");
        List<NotebookBench.Figure> figures = new ArrayList<>();

        NotebookBench.runNotebook(o, figures::add);

        assertThat(figures)
                .extracting(NotebookBench.Figure::name)
                .containsExactly(
                        "kernel_start",
                        "cluster_start",
                        "inc_add",
                        "inc_add_cell",
                        "four_half",
                        "four_half_cell",
                        "tiny",
                        "tiny_cell",
                        "roundtrip_single_1",
                        "roundtrip_single_1_cell",
                        "roundtrip_call_1",
                        "roundtrip_median_1",
                        "roundtrip_single_2",
                        "roundtrip_single_2_cell",
                        "roundtrip_call_2",
                        "roundtrip_median_2",
                        "roundtrip_median_jar",
                        "actor_create_cell",
                        "actor_single",
                        "actor_single_cell",
                        "actor_call",
                        "actor_median");
        assertThat(figures).allSatisfy(f -> assertThat(f.value()).isPositive());
        // A whole cell includes the work timed inside it.
        assertThat(value(figures, "inc_add_cell")).isGreaterThanOrEqualTo(value(figures, "inc_add"));
    }

    @Test
    void aCellThatFailsStopsTheRun() {
        try (NotebookSession nb = NotebookSession.start()) {
            assertThat(nb.cell("int a = 20;\na * 2 + 2\n").text()).isEqualTo("42");
            assertThatThrownBy(() -> nb.cell("int b = undefinedName;\n")).hasMessageContaining("cell rejected");
            assertThatThrownBy(() -> nb.cell("if (a == 20) throw new IllegalStateException(\"boom\");\n"))
                    .hasMessageContaining("cell failed");
        }
    }

    private static double value(List<NotebookBench.Figure> figures, String name) {
        return figures.stream()
                .filter(f -> f.name().equals(name))
                .findFirst()
                .orElseThrow()
                .value();
    }
}
