package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Dask;
import io.jdask.Future;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What tasks print and log on worker processes reaches the client that submitted them, line by line with the worker's
 * name (issue 16 item 1): System.out, System.err, SLF4J (logback's console appender, as the worker's logging is set up
 * in these tests) and java.util.logging, in order, while the task still runs, and printed before its result returns;
 * a thread the task starts writes to the worker's own error output, which the LocalCluster passes to the client's.
 */
class TaskOutputTest {
    /** Installed before the cluster starts, so the workers' own error output (echoed by the cluster) is seen too. */
    static final ConsoleCapture console = ConsoleCapture.install();

    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2);

    /** Distinct numbers per test, so no test reads another's lines. */
    private static final AtomicInteger PARTS = new AtomicInteger(100);

    @AfterAll
    static void restoreConsole() {
        console.close();
    }

    static String printThree(int part) {
        System.out.println("loading part " + part);
        System.out.println("parsing part " + part);
        System.out.print("done part " + part); // no line end: passed on when the task returns
        return Dask.worker().name();
    }

    @Test
    void threeLinesReachTheClientInOrderWithTheWorkersNameBeforeTheResult() {
        int part = PARTS.incrementAndGet();
        String worker =
                cluster.client().submit(TaskOutputTest::printThree, part).result();

        assertThat(worker).matches("local-\\d+");
        assertThat(linesOf(console.out(), " part " + part))
                .containsExactly(
                        "(" + worker + ") loading part " + part,
                        "(" + worker + ") parsing part " + part,
                        "(" + worker + ") done part " + part);
    }

    static String printThenWait(int part) throws Exception {
        System.out.println("waiting for go " + part);
        boolean go = Dask.client().event("go-" + part).await(Duration.ofSeconds(30));
        System.out.println("went " + go + " " + part);
        return Dask.worker().name();
    }

    @Test
    void aLineArrivesWhileItsTaskStillRuns() {
        int part = PARTS.incrementAndGet();
        Future<String> f = cluster.client().submit(TaskOutputTest::printThenWait, part);

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> !linesOf(console.out(), "waiting for go " + part).isEmpty());
        assertThat(f.done())
                .as("the task waits for the event, so its line came while it ran")
                .isFalse();

        cluster.client().event("go-" + part).set();
        String worker = f.result();
        assertThat(linesOf(console.out(), " " + part))
                .containsExactly("(" + worker + ") waiting for go " + part, "(" + worker + ") went true " + part);
    }

    static String errAndLogs(int part) throws InterruptedException {
        System.err.println("err line " + part);
        org.slf4j.LoggerFactory.getLogger(TaskOutputTest.class).info("slf4j line {}", part);
        java.util.logging.Logger.getLogger("jdask.test.jul").info("jul line " + part);
        java.util.logging.Logger.getLogger("jdask.test.jul").fine("fine jul line " + part); // below INFO: nowhere
        // A thread of the task's own is not captured: its line goes to the worker's error output, which the cluster
        // echoes to the client's stderr unprefixed. It follows the lines above there if they went that way too.
        Thread t = new Thread(() -> System.err.println("own thread " + part));
        t.start();
        t.join();
        return Dask.worker().name();
    }

    @Test
    void errorOutputSlf4jAndJulLogsReachTheClientsStderrOnceAndWithTheWorkersName() {
        int part = PARTS.incrementAndGet();
        String worker =
                cluster.client().submit(TaskOutputTest::errAndLogs, part).result();
        String prefix = "(" + worker + ") ";

        List<String> err = console.err();
        assertThat(linesOf(err, "err line " + part)).containsExactly(prefix + "err line " + part);
        assertThat(linesOf(err, "slf4j line " + part))
                .singleElement()
                .satisfies(l -> assertThat(l).startsWith(prefix).contains("INFO"));
        assertThat(linesOf(err, "jul line " + part))
                .singleElement()
                .satisfies(l -> assertThat(l).startsWith(prefix).contains("jul line " + part));
        assertThat(linesOf(console.out(), "line " + part)).isEmpty();

        // The worker's own output reaches the client's stderr; by the time its line is there, a duplicate of the
        // lines above that went the same way would be there too.
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> console.err().contains("own thread " + part));
        assertThat(linesOf(console.err(), "line " + part))
                .allSatisfy(l -> assertThat(l).startsWith(prefix))
                .hasSize(3);
    }

    private static List<String> linesOf(List<String> lines, String containing) {
        return lines.stream().filter(l -> l.contains(containing)).toList();
    }
}
