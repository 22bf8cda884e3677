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
 * With {@code -Djdask.worker.forwardOutput=false} (passed on to the LocalCluster's worker processes), what a task
 * prints is not forwarded: it goes to the worker's own output, which the cluster passes to the client's stderr as is.
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

    static int printErr(int x) {
        System.err.println("unforwarded " + x);
        return x;
    }

    @Test
    void aTasksLineGoesToTheWorkersOwnOutputUnprefixed() {
        assertThat(cluster.client().submit(TaskOutputOffTest::printErr, 7).result())
                .isEqualTo(7);

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> console.err().contains("unforwarded 7"));
        assertThat(console.err()).noneMatch(l -> l.startsWith("(") && l.endsWith("unforwarded 7"));
    }
}
