package io.jdask.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batch script of a SlurmCluster job, from its builder; checked by bash itself where it matters. */
class JobScriptTest {

    static SlurmCluster.Builder builder() {
        return SlurmCluster.builder()
                .sharedDirectory(Path.of("/shared/me/jdask"))
                .javaCommand("/opt/jdk/bin/java")
                .classPath("/opt/jdask/jdask.jar");
    }

    static String render(SlurmCluster.Builder b) {
        return JobScript.render(b, "tls://login1:40123", "/shared/me/jdask/cluster.jdask");
    }

    @Test
    void directivesComeFromTheBuilder() {
        String script = render(builder()
                .queue("gpu")
                .cores(8)
                .memory("16GB")
                .walltime("02:00:00")
                .jobName("analysis")
                .extraDirectives("--account=proj42", "--constraint=skylake"));
        assertThat(script).startsWith("#!/usr/bin/env bash\n");
        assertThat(script.lines().filter(l -> l.startsWith("#SBATCH")))
                .containsExactly(
                        "#SBATCH --job-name=analysis",
                        "#SBATCH --partition=gpu",
                        "#SBATCH --nodes=1",
                        "#SBATCH --ntasks=1",
                        "#SBATCH --cpus-per-task=8",
                        "#SBATCH --mem=15258M",
                        "#SBATCH --time=02:00:00",
                        "#SBATCH --output=/shared/me/jdask/%x-%j.out",
                        "#SBATCH --account=proj42",
                        "#SBATCH --constraint=skylake");
    }

    @Test
    void withoutAQueueSlurmPicksItsDefaultPartition() {
        assertThat(render(builder())).doesNotContain("--partition").contains("#SBATCH --time=00:30:00");
    }

    @Test
    void oneWorkerPerProcessSharingTheJobsCoresAndMemory() {
        String script = render(builder().cores(8).memory("8GiB").processes(2).prologue("module load java/21"));
        List<String> workers =
                script.lines().filter(l -> l.startsWith("/opt/jdk/bin/java")).toList();
        assertThat(workers).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(workers.get(i))
                    .contains("-Xmx3481m")
                    .contains("-cp /opt/jdask/jdask.jar io.jdask.cli.Main worker tls://login1:40123")
                    .contains("--security /shared/me/jdask/cluster.jdask --nthreads 4")
                    .contains("--memory-limit " + (3481L << 20))
                    .endsWith("--name jdask-worker-\"${SLURM_JOB_ID}\"-" + i + " &");
        }
        assertThat(script.indexOf("module load java/21")).isLessThan(script.indexOf("/opt/jdk/bin/java"));
        assertThat(script).endsWith("wait\n");
    }

    @Test
    void theScriptIsValidBashAndExpandsOnlyWhatItShould() {
        String script =
                render(builder().processes(2).localDirectory("$TMPDIR/jdask").classPath("/path with spaces/it's.jar"));
        Shell.run(List.of("bash", "-n"), script, Duration.ofSeconds(10));
        // Replace java by a command that prints its arguments one per line, then run the lines as the job would.
        String echoing = script.replace("/opt/jdk/bin/java", "printf '%s\\n'").replace("wait\n", "wait\n");
        String out = Shell.run(
                List.of("env", "SLURM_JOB_ID=77", "TMPDIR=/scratch/77", "bash"), echoing, Duration.ofSeconds(10));
        assertThat(out.lines())
                .contains("/path with spaces/it's.jar", "/scratch/77/jdask", "jdask-worker-77-0", "jdask-worker-77-1");
    }

    @Test
    void badValuesAreRefusedWithWhatToGive() {
        assertThatThrownBy(() -> builder().walltime("two hours"))
                .hasMessageContaining("walltime 'two hours'")
                .hasMessageContaining("01:30:00");
        assertThatThrownBy(() -> builder().memory("10MB")).hasMessageContaining("below 64MB");
        assertThatThrownBy(() -> builder().memory("lots")).hasMessageContaining("not a memory size");
        assertThatThrownBy(() -> builder().queue("a b")).hasMessageContaining("queue must be one word");
        assertThatThrownBy(() -> builder().cores(0)).hasMessageContaining("cores must be at least 1");
        assertThatThrownBy(() -> builder().extraDirectives("--a\n--b")).hasMessageContaining("one line");
    }
}
