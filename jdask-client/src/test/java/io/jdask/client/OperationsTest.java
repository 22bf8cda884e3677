package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Dask;
import io.jdask.Future;
import io.jdask.Futures;
import io.jdask.WorkerContext;
import io.jdask.WorkerPlugin;
import io.jdask.WorkerRunException;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operations of issue 16 on worker processes, one cluster for all (API.md, "Operations"):
 *
 * <ul>
 *   <li>item 1: what tasks print and log reaches the client that submitted them, line by line with the worker's name:
 *       System.out, System.err, SLF4J (logback's console appender, as the worker's logging is set up in these tests)
 *       and java.util.logging, in order, while the task still runs, and printed before its result returns; a thread
 *       the task starts writes to the worker's own error output, which the LocalCluster passes to the client's;
 *   <li>item 2: {@code client.run} runs a function once on each worker and its results come back by address, a
 *       failure names the worker; a plugin is set up on every worker, also on one added later before it runs a task,
 *       and torn down when a worker closes; {@code Dask.worker()} says where a task runs;
 *   <li>item 7: {@code mapRefs} maps over futures without their values going through the client.
 * </ul>
 */
class OperationsTest {
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
                cluster.client().submit(OperationsTest::printThree, part).result();

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
        Future<String> f = cluster.client().submit(OperationsTest::printThenWait, part);

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
        org.slf4j.LoggerFactory.getLogger(OperationsTest.class).info("slf4j line {}", part);
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
                cluster.client().submit(OperationsTest::errAndLogs, part).result();
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

    /** The system property a {@link Marker} plugin sets in its worker's JVM. */
    static final String MARK = "jdask.test.plugin.mark";

    static String whoAmI() {
        WorkerContext w = Dask.worker();
        return w.name() + "|" + w.address() + "|" + w.nthreads() + "|" + w.taskKey();
    }

    @Test
    void runCallsTheFunctionOnceOnEveryWorkerAndReturnsItsResultsByAddress() {
        Map<String, Integer> threads = cluster.client().nthreads();

        Map<String, String> out = cluster.client().run(OperationsTest::whoAmI);

        assertThat(out).containsOnlyKeys(threads.keySet());
        out.forEach((address, who) -> assertThat(who).matches("local-\\d+\\|" + address + "\\|1\\|null"));
        assertThat(out.values().stream().map(v -> v.split("\\|")[0])).doesNotHaveDuplicates();
    }

    static String failOnWorker() {
        throw new IllegalStateException("no cache on " + Dask.worker().name());
    }

    @Test
    void aFunctionThatThrowsOnAWorkerIsRethrownNamingTheWorker() {
        assertThatThrownBy(() -> cluster.client().run(OperationsTest::failOnWorker))
                .isInstanceOf(WorkerRunException.class)
                .hasMessageContaining("client.run failed on worker tcp://")
                .satisfies(e -> assertThat(cluster.client().nthreads()).containsKey(((WorkerRunException) e).worker()))
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("no cache on local-");
        assertThat(cluster.client().submit(Ops::inc, 1).result()).isEqualTo(2); // the workers go on
    }

    @Test
    void insideATaskDaskWorkerTellsWhereAndWhichTaskAndOutsideItSaysWhy() {
        Future<String> f = cluster.client().submit(OperationsTest::whoAmI);
        String[] who = f.result().split("\\|");

        assertThat(who[3]).isEqualTo(f.key());
        assertThat(cluster.client().whoHas(List.of(f)).get(f.key())).containsExactly(who[1]);
        assertThatThrownBy(Dask::worker)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only inside a task")
                .hasMessageContaining(Thread.currentThread().getName());
    }

    /** Sets {@link #MARK} in its worker's JVM; writes its worker's name to {@code teardownLog} when torn down. */
    record Marker(String mark, String teardownLog) implements WorkerPlugin {
        @Override
        public void setup(WorkerContext worker) {
            System.setProperty(MARK, mark + "@" + worker.name());
        }

        @Override
        public void teardown() throws IOException {
            Files.writeString(
                    Path.of(teardownLog),
                    System.getProperty(MARK) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            System.clearProperty(MARK);
        }
    }

    static String mark() {
        return System.getProperty(MARK, "none");
    }

    static String markInTask(int x) {
        return System.getProperty(MARK, "none") + "#" + x;
    }

    @Test
    void aPluginIsSetUpOnEveryWorkerAlsoOneAddedLaterBeforeItsFirstTaskAndTornDownWhenAWorkerCloses()
            throws IOException {
        cluster.cluster().scale(2);
        Path log = Files.createTempFile("jdask-plugin-teardown", ".log");
        try {
            cluster.client().register(new Marker("m1", log.toString()));

            Map<String, String> marks = cluster.client().run(OperationsTest::mark);
            assertThat(marks)
                    .hasSize(2)
                    .allSatisfy((address, m) -> assertThat(m).matches("m1@local-\\d+"));

            // Registering again under the same name replaces it: the old one is torn down first, on each worker.
            cluster.client().register(new Marker("m2", log.toString()));
            assertThat(cluster.client().run(OperationsTest::mark))
                    .allSatisfy((a, m) -> assertThat(m).startsWith("m2@"));
            assertThat(Files.readAllLines(log)).hasSize(2).allMatch(l -> l.startsWith("m1@"));

            List<String> before = cluster.cluster().workerAddresses();
            cluster.cluster().scale(3);
            String added = cluster.cluster().workerAddresses().stream()
                    .filter(w -> !before.contains(w))
                    .findFirst()
                    .orElseThrow();
            // Its first task, pinned to it, finds the plugin set up: the worker waits for the setup before tasks.
            String seen = cluster.client()
                    .with(o -> o.workers(added))
                    .submit(OperationsTest::markInTask, 5)
                    .result(Duration.ofSeconds(60));
            assertThat(seen).matches("m2@local-\\d+#5");
            String addedName = seen.substring(3, seen.indexOf('#'));

            cluster.cluster().scale(2); // stops the newest worker, which tears its plugin down as it closes
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> Files.readAllLines(log).contains("m2@" + addedName));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** A plugin whose setup fails. */
    record Broken() implements WorkerPlugin {
        @Override
        public void setup(WorkerContext worker) {
            throw new UnsupportedOperationException("cannot load libfoo on " + worker.name());
        }

        @Override
        public String name() {
            return "broken";
        }
    }

    @Test
    void aSetupThatThrowsFailsRegisterNamingTheWorkerAndTheWorkersGoOn() {
        assertThatThrownBy(() -> cluster.client().register(new Broken()))
                .isInstanceOf(WorkerRunException.class)
                .hasMessageContaining("setup of plugin broken failed on worker tcp://")
                .cause()
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("cannot load libfoo on local-");
        assertThat(cluster.client().submit(Ops::inc, 2).result()).isEqualTo(3);
    }

    /**
     * A value that counts its deserializations in this JVM: the client's (the scheduler here never opens values, and
     * the workers are other processes). Big enough not to travel inline with the scheduler's reports.
     */
    static final class Counted implements Serializable {
        static final AtomicInteger OPENED_HERE = new AtomicInteger();
        private int n;
        private byte[] padding;

        Counted(int n, byte[] padding) {
            this.n = n;
            this.padding = padding;
        }

        int n() {
            return n;
        }

        @java.io.Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            OPENED_HERE.incrementAndGet();
        }
    }

    static Counted heldInput(String gate, int n) throws Exception {
        if (!Dask.client().event(gate).await(Duration.ofSeconds(60))) throw new IllegalStateException("no gate");
        return new Counted(n, new byte[256 * 1024]);
    }

    static int times10(Counted c) {
        return c.n() * 10;
    }

    static int addCounted(Counted a, Counted b) {
        return a.n() + b.n();
    }

    @Test
    void mapRefsMapsOverFuturesWithoutWaitingForThemOrMovingTheirValuesThroughTheClient() {
        String gate = "inputs-" + PARTS.incrementAndGet();
        List<Future<Counted>> inputs =
                cluster.client().map(OperationsTest::heldInput, List.of(gate, gate, gate), List.of(1, 2, 3));
        int openedBefore = Counted.OPENED_HERE.get();

        // Returns at once: the inputs wait for the gate, so nothing could have been gathered.
        List<Future<Integer>> tens = cluster.client().mapRefs(OperationsTest::times10, inputs);
        List<Future<Integer>> sums = cluster.client().mapRefs(OperationsTest::addCounted, inputs, inputs.reversed());
        assertThat(inputs).noneMatch(Future::done);

        cluster.client().event(gate).set();
        assertThat(cluster.client().gather(tens)).containsExactly(10, 20, 30);
        assertThat(cluster.client().gather(sums)).containsExactly(4, 4, 4);
        assertThat(Counted.OPENED_HERE.get())
                .as("no input value was opened in the client")
                .isEqualTo(openedBefore);

        // The counter works: fetching an input opens it here.
        assertThat(inputs.get(0).result().n()).isEqualTo(1);
        assertThat(Counted.OPENED_HERE.get()).isEqualTo(openedBefore + 1);
    }

    static String printAfterGate(String gate) throws Exception {
        Dask.client().event(gate).await(Duration.ofSeconds(60));
        System.out.println("orphan line of " + gate);
        return gate;
    }

    @Test
    void outputOfATaskWhoseClientLeftGoesToTheWorkersLog() {
        String gate = "orphan-" + PARTS.incrementAndGet();
        try (Client other = Client.connect(cluster.cluster())) {
            Futures.fireAndForget(other.submit(OperationsTest::printAfterGate, gate));
        }
        cluster.client().event(gate).set();

        // The worker's log is its error output, which the cluster passes to this JVM's stderr.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> console.err().stream()
                        .anyMatch(l -> l.contains("client gone") && l.endsWith("orphan line of " + gate)));
        assertThat(linesOf(console.out(), "orphan line of " + gate)).isEmpty();
    }

    private static List<String> linesOf(List<String> lines, String containing) {
        return lines.stream().filter(l -> l.contains(containing)).toList();
    }
}
