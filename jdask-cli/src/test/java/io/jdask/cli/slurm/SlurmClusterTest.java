package io.jdask.cli.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.deploy.SlurmCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SlurmCluster} against a real single-machine SLURM (Debian's slurm-wlm: munged, slurmctld, slurmd), which
 * {@code .ci/slurm start} sets up and {@code .ci/run} starts before the tests and stops after. Without it the test
 * fails saying so; it never skips.
 */
class SlurmClusterTest {
    static Path shared;

    public static int square(int x) {
        return x * x;
    }

    @BeforeAll
    static void requireSlurm() throws IOException {
        String states;
        try {
            states = run("sinfo", "--noheader", "--format", "%T");
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    "the SLURM tests need a running SLURM (sinfo failed: " + e.getMessage() + "). Start the"
                            + " single-machine one with `.ci/slurm start` as root (.ci/run does). Not skipped.");
        }
        if (states.lines().noneMatch(s -> s.matches("idle|mixed|allocated"))) {
            throw new IllegalStateException("SLURM runs but has no usable node (sinfo says '" + states.trim()
                    + "'); restart it with `.ci/slurm stop; .ci/slurm start`. Not skipped.");
        }
        shared = Files.createTempDirectory("jdask-slurm-");
    }

    @AfterAll
    static void removeShared() throws IOException {
        if (shared == null) return;
        try (Stream<Path> files = Files.walk(shared)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }

    @Test
    void scaleSubmitsJobsWhoseWorkersRunTasksAndCloseCancelsThem() throws IOException {
        SlurmCluster cluster = SlurmCluster.builder()
                .cores(1)
                .memory("300MB")
                .walltime("00:10:00")
                .jobName("jdask-test")
                .schedulerHost("127.0.0.1")
                .dashboardPort(-1)
                .sharedDirectory(shared)
                .javaOptions("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .build();
        List<String> jobs;
        try (Client client = Client.connect(cluster)) {
            assertThat(cluster.jobScript()).contains("worker " + cluster.schedulerAddress());
            assertThat(shared.resolve("cluster.jdask")).exists();

            cluster.scale(2);
            jobs = cluster.jobIds();
            assertThat(jobs).hasSize(2);
            await("two SLURM jobs' workers join")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.workerAddresses().size() == 2);
            assertThat(cluster.jobStates()).containsOnlyKeys(jobs).containsValues("RUNNING");

            List<Future<Integer>> squares = client.map(
                    SlurmClusterTest::square, IntStream.range(0, 20).boxed().toList());
            assertThat(client.gather(squares))
                    .isEqualTo(IntStream.range(0, 20).map(x -> x * x).boxed().toList());

            cluster.scale(1);
            assertThat(cluster.jobIds()).containsExactly(jobs.get(0));
            await("the cancelled job's worker leaves")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> cluster.workerAddresses().size() == 1);
            assertThat(client.submit(SlurmClusterTest::square, 9).result()).isEqualTo(81);
        } finally {
            cluster.close();
        }
        assertThat(shared.resolve("cluster.jdask")).as("credentials removed").doesNotExist();
        await("SLURM no longer runs the jobs")
                .atMost(Duration.ofSeconds(60))
                .until(() ->
                        run("squeue", "--noheader", "--format", "%i").lines().noneMatch(jobs::contains));
        await("no worker process is left")
                .atMost(Duration.ofSeconds(30))
                .until(() -> processesMentioning(shared.toString()).isEmpty());
        assertThat(Files.readString(shared.resolve("jdask-test-" + jobs.get(0) + ".out")))
                .as("the job's output")
                .contains("registered with " + cluster.schedulerAddress());
    }

    private static List<Long> processesMentioning(String text) {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(h -> {
                        try {
                            return Files.readString(Path.of("/proc", Long.toString(h.pid()), "cmdline"))
                                    .contains(text);
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .map(ProcessHandle::pid)
                    .toList();
        }
    }

    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out.trim());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
