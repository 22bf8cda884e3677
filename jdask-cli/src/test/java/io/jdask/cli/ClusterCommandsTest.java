package io.jdask.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Future;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** `jdask scheduler` and `jdask worker` as real processes, joined by a client over TCP. */
class ClusterCommandsTest {
    private final List<Process> processes = new ArrayList<>();

    public static int triple(int x) {
        return 3 * x;
    }

    private Process jdask(String... args) throws Exception {
        return jdask(ProcessBuilder.Redirect.DISCARD, args);
    }

    private Process jdask(ProcessBuilder.Redirect errors, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx128m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(errors).start();
        processes.add(p);
        return p;
    }

    private static String firstLine(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        assertThat(line).as("the process printed its address").isNotNull();
        return line;
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    @Test
    void aClientJoinsASchedulerAndWorkerStartedFromTheCommandLine() throws Exception {
        Process scheduler = jdask("scheduler", "--host", "127.0.0.1", "--port", "0");
        String line = firstLine(scheduler);
        assertThat(line).startsWith("jdask scheduler listening at tcp://127.0.0.1:");
        String address = line.substring(line.indexOf("tcp://"));
        Process worker = jdask("worker", address, "--nthreads", "2", "--host", "127.0.0.1", "--name", "cli-worker");
        assertThat(firstLine(worker))
                .startsWith("jdask worker tcp://127.0.0.1:")
                .endsWith("registered with " + address);
        try (Client client = Client.connect(address)) {
            assertThat(client.nthreads().values()).containsExactly(2);
            Future<Integer> f = client.submit(ClusterCommandsTest::triple, 14);
            assertThat(f.result()).isEqualTo(42);
        }
        // A worker whose scheduler goes away exits by itself.
        scheduler.destroy();
        assertThat(worker.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aWorkerNannyRestartsAKilledWorkerAndRestartedOnesAndLeavesNothingWhenStopped() throws Exception {
        Path schedulerLog = Files.createTempFile("jdask-scheduler-", ".log");
        Process scheduler = jdask(
                ProcessBuilder.Redirect.to(schedulerLog.toFile()), "scheduler", "--host", "127.0.0.1", "--port", "0");
        String line = firstLine(scheduler);
        String address = line.substring(line.indexOf("tcp://"));
        Process nanny = jdask("worker", address, "--nworkers", "2", "--host", "127.0.0.1", "--memory-limit", "256MB");
        // Each worker process prints its registration on the nanny's output, which it shares.
        BufferedReader out = new BufferedReader(new InputStreamReader(nanny.getInputStream(), StandardCharsets.UTF_8));
        for (int i = 0; i < 2; i++) assertThat(out.readLine()).contains("registered with " + address);
        try (Client client = Client.connect(address, Duration.ofSeconds(60))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> client.nthreads().size() == 2);
            List<ProcessHandle> children = nanny.children().toList();
            assertThat(children).hasSize(2);
            assertThat(client.submit(ClusterCommandsTest::triple, 14).result()).isEqualTo(42);

            // kill -9 one worker: its nanny starts another, which joins.
            ProcessHandle killed = children.get(0);
            killed.destroyForcibly();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> !killed.isAlive()
                            && nanny.children().filter(ProcessHandle::isAlive).count() == 2
                            && client.nthreads().size() == 2
                            && nanny.children().noneMatch(c -> c.pid() == killed.pid()));
            // The nanny told the scheduler why that worker died.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Files.readString(schedulerLog).contains("worker process " + killed.pid() + " died"));

            // client.restart() asks every worker to close; the nanny brings both back.
            List<Long> before = nanny.children().map(ProcessHandle::pid).toList();
            client.restart();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> client.nthreads().size() == 2
                            && nanny.children().filter(ProcessHandle::isAlive).count() == 2
                            && nanny.children().noneMatch(c -> before.contains(c.pid())));
            assertThat(client.submit(ClusterCommandsTest::triple, 5).result()).isEqualTo(15);
        }

        // SIGTERM to the nanny stops its workers first: no process is left.
        List<ProcessHandle> last = nanny.children().toList();
        nanny.destroy();
        assertThat(nanny.waitFor(30, TimeUnit.SECONDS)).isTrue();
        for (ProcessHandle c : last) {
            assertThat(c.isAlive()).as("worker process %d alive", c.pid()).isFalse();
        }
        Files.deleteIfExists(schedulerLog);
    }

    @Test
    void noNannyRefusesSeveralWorkers() throws Exception {
        Process p = jdask("worker", "tcp://127.0.0.1:1", "--no-nanny", "--nworkers", "2");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
    }
}
