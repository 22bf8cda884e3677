package io.jdask.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.protocol.WorkerMsg;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The worker as a real child process, and its command line. */
class WorkerMainTest {

    @Test
    void aWorkerProcessRegistersAndExitsWhenTheSchedulerGoesAway() throws Exception {
        FakeScheduler scheduler = new FakeScheduler();
        Process child = null;
        try {
            String java = ProcessHandle.current()
                    .info()
                    .command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                            .toString());
            List<String> cmd = List.of(
                    java,
                    "-Xmx128m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    WorkerMain.class.getName(),
                    "--scheduler",
                    scheduler.address(),
                    "--nthreads",
                    "3",
                    "--name",
                    "child-1",
                    "--memory-limit",
                    "100000000",
                    "--listen",
                    "tcp://127.0.0.1:0",
                    "--resources",
                    "GPU=2");
            child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            List<String> lines = new CopyOnWriteArrayList<>();
            Process p = child;
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader r =
                                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line; (line = r.readLine()) != null; ) lines.add(line);
                        } catch (java.io.IOException ignored) {
                            // the process ended
                        }
                    },
                    "child-output");
            reader.setDaemon(true);
            reader.start();

            WorkerMsg.RegisterWorker reg = scheduler.await(
                    null, WorkerMsg.RegisterWorker.class, r -> r.name().equals("child-1"));
            assertThat(reg.pid()).isEqualTo(child.pid());
            assertThat(reg.nthreads()).isEqualTo(3);
            assertThat(reg.memoryLimit()).isEqualTo(100_000_000L);
            assertThat(reg.resources()).isEqualTo(Map.of("GPU", 2.0));
            String expected = "jdask worker " + reg.address() + " registered with " + scheduler.address();
            await().atMost(Duration.ofSeconds(30)).until(() -> lines.contains(expected));
            assertThat(lines).as("output of the worker process").contains(expected);

            scheduler.close();
            assertThat(child.waitFor(30, TimeUnit.SECONDS))
                    .as("the worker exits by itself")
                    .isTrue();
            // Its own status for a lost scheduler: a nanny restarts it only if the scheduler is still there.
            assertThat(child.exitValue()).isEqualTo(WorkerServer.EXIT_SCHEDULER_LOST);
        } finally {
            scheduler.close();
            if (child != null) {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void parsesTheCommandLine() {
        WorkerConfig c = WorkerOptions.parse(List.of(
                "--scheduler",
                "tcp://h:1",
                "--nthreads",
                "4",
                "--name",
                "w",
                "--memory-limit",
                "2_000",
                "--listen",
                "tcp://0.0.0.0:0",
                "--resources",
                "GPU=1, FPGA=0.5"));
        assertThat(c.schedulerAddress()).isEqualTo("tcp://h:1");
        assertThat(c.nthreads()).isEqualTo(4);
        assertThat(c.name()).isEqualTo("w");
        assertThat(c.memoryLimit()).isEqualTo(2000);
        assertThat(c.listenAddress()).isEqualTo("tcp://0.0.0.0:0");
        assertThat(c.resources()).isEqualTo(Map.of("GPU", 1.0, "FPGA", 0.5));
    }

    @Test
    void aWorkerStartedWhileTheJvmShutsDownIsClosedInsteadOfFailing() {
        // The JDK refuses new shutdown hooks once the JVM is exiting: what a worker meets when its cluster is closed
        // (and its process told to stop) while it was still starting. Seen as an uncaught exception before.
        List<String> closed = new ArrayList<>();
        Thread hook = new Thread(() -> {});
        boolean added = WorkerMain.addShutdownHook(hook, () -> closed.add("closed"), h -> {
            throw new IllegalStateException("Shutdown in progress");
        });
        assertThat(added).isFalse();
        assertThat(closed).containsExactly("closed");

        List<Thread> registered = new ArrayList<>();
        assertThat(WorkerMain.addShutdownHook(hook, () -> closed.add("again"), registered::add))
                .isTrue();
        assertThat(registered).containsExactly(hook);
        assertThat(closed).containsExactly("closed");
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertThatThrownBy(() -> WorkerOptions.parse(List.of("--nthreads", "2")))
                .hasMessageContaining("--scheduler");
        assertThatThrownBy(() -> WorkerOptions.parse(List.of("--scheduler", "tcp://h:1", "--nthreads", "two")))
                .hasMessageContaining("--nthreads")
                .hasMessageContaining("two");
        assertThatThrownBy(() -> WorkerOptions.parse(List.of("--scheduler", "tcp://h:1", "--threads", "2")))
                .hasMessageContaining("unknown option --threads");
        assertThatThrownBy(() -> WorkerOptions.parse(List.of("--scheduler"))).hasMessageContaining("missing value");
        assertThatThrownBy(() -> WorkerOptions.parse(List.of("--scheduler", "http://h:1")))
                .hasMessageContaining("tcp://host:port");
    }

    @Test
    void aWildcardListenAddressIsAdvertisedAsTheInterfaceFacingTheScheduler() {
        assertThat(Transports.advertisedAddress("tcp://0.0.0.0:4000", "tcp://10.1.2.3:55555"))
                .isEqualTo("tcp://10.1.2.3:4000");
        assertThat(Transports.advertisedAddress("tcp://127.0.0.1:4000", "tcp://10.1.2.3:55555"))
                .isEqualTo("tcp://127.0.0.1:4000");
        assertThat(Transports.advertisedAddress("inproc://worker-3", "tcp://10.1.2.3:55555"))
                .isEqualTo("inproc://worker-3");
    }
}
