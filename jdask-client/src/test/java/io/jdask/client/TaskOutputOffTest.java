package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.worker.WorkerServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code -Djdask.worker.forward-output=false} (passed on to the LocalCluster's worker processes), what a task
 * prints is not forwarded: it goes to the worker's own output and error output, both of which the cluster passes to
 * the client's stderr as they are and writes to the worker's log file.
 */
class TaskOutputOffTest {
    static final ConsoleCapture console;

    static {
        console = ConsoleCapture.install();
        System.setProperty(WorkerServer.FORWARD_OUTPUT_PROPERTY, "false"); // read when the workers are started
    }

    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(1);

    @BeforeAll
    static void clearSetting() {
        System.clearProperty(WorkerServer.FORWARD_OUTPUT_PROPERTY); // the workers have it; later clusters must not
    }

    @AfterAll
    static void restoreConsole() {
        console.close();
    }

    static int print(int x) {
        System.err.println("unforwarded " + x);
        System.out.println("unforwarded out " + x);
        return x;
    }

    @Test
    void aTasksLinesGoToTheWorkersOwnOutputsWhichReachTheClientsStderrUnprefixed() throws java.io.IOException {
        assertThat(cluster.client().submit(TaskOutputOffTest::print, 7).result())
                .isEqualTo(7);

        // Both of the worker's outputs reach this JVM's stderr (its System.out is no longer discarded).
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> console.err().containsAll(java.util.List.of("unforwarded 7", "unforwarded out 7")));
        assertThat(console.err()).noneMatch(l -> l.startsWith("(") && l.contains("unforwarded"));
        assertThat(console.out()).noneMatch(l -> l.contains("unforwarded"));
        assertThat(console.err())
                .as("the worker's announcement that it registered is not passed on")
                .noneMatch(io.jdask.worker.WorkerMain::isRegistrationLine);

        // The worker's log file has all of it, its announcement too.
        java.nio.file.Path log = cluster.impl().logDirectory().resolve("local-0.log");
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> java.nio.file.Files.readAllLines(log)
                        .containsAll(java.util.List.of("unforwarded 7", "unforwarded out 7")));
        assertThat(java.nio.file.Files.readAllLines(log)).anyMatch(io.jdask.worker.WorkerMain::isRegistrationLine);
    }
}
