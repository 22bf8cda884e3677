package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Dask;
import io.jdask.Future;
import io.jdask.WorkerContext;
import io.jdask.WorkerPlugin;
import io.jdask.WorkerRunException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code client.run}, {@code client.register(WorkerPlugin)} and {@code Dask.worker()} on worker processes (issue 16
 * item 2): a function runs once on each worker and its results come back by address; a failure names the worker; a
 * plugin is set up on every worker, also on one added later before it runs a task, and torn down when a worker closes.
 */
class WorkerRunsTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2);

    /** The system property a {@link Marker} plugin sets in its worker's JVM. */
    static final String MARK = "jdask.test.plugin.mark";

    static String whoAmI() {
        WorkerContext w = Dask.worker();
        return w.name() + "|" + w.address() + "|" + w.nthreads() + "|" + w.taskKey();
    }

    @Test
    void runCallsTheFunctionOnceOnEveryWorkerAndReturnsItsResultsByAddress() {
        Map<String, Integer> threads = cluster.client().nthreads();

        Map<String, String> out = cluster.client().run(WorkerRunsTest::whoAmI);

        assertThat(out).containsOnlyKeys(threads.keySet());
        out.forEach((address, who) -> assertThat(who).matches("local-\\d+\\|" + address + "\\|1\\|null"));
        assertThat(out.values().stream().map(v -> v.split("\\|")[0])).doesNotHaveDuplicates();
    }

    static String failOnWorker() {
        throw new IllegalStateException("no cache on " + Dask.worker().name());
    }

    @Test
    void aFunctionThatThrowsOnAWorkerIsRethrownNamingTheWorker() {
        assertThatThrownBy(() -> cluster.client().run(WorkerRunsTest::failOnWorker))
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
        Future<String> f = cluster.client().submit(WorkerRunsTest::whoAmI);
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

            Map<String, String> marks = cluster.client().run(WorkerRunsTest::mark);
            assertThat(marks)
                    .hasSize(2)
                    .allSatisfy((address, m) -> assertThat(m).matches("m1@local-\\d+"));

            // Registering again under the same name replaces it: the old one is torn down first, on each worker.
            cluster.client().register(new Marker("m2", log.toString()));
            assertThat(cluster.client().run(WorkerRunsTest::mark))
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
                    .submit(WorkerRunsTest::markInTask, 5)
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
}
