package io.jdask.client;

import static io.jdask.Dask.all;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chaos (issue 14): while a 3,000-task map and its two-level reduction run, a random worker process is killed with
 * SIGKILL every 150-400 ms; the nanny restarts it, the scheduler reruns what it was running and recomputes what only it
 * held. The answer must always be right. As Dask's chaos tests do, tasks may survive many worker deaths
 * ({@code allowedFailures(100)}): here a death says nothing about the task. Three seeds pick the victims and the
 * pauses; at most {@link #KILLS_PER_SEED} kills each, so the nanny's limit of restarts a minute is never reached.
 * Its own cluster: killing workers is the point.
 */
class ChaosTest {
    private static final int TASKS = 3_000;
    private static final int GROUP = 100;
    private static final int KILLS_PER_SEED = 3;

    private static LocalCluster cluster;
    private static Client client;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.builder()
                .workers(3)
                .memoryLimit("128MB")
                .allowedFailures(100)
                .dashboardPort(-1)
                .build();
        client = Client.connect(cluster);
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (cluster != null) cluster.close();
    }

    /** One map task. */
    static int work(int i) {
        return i + 1;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {14, 1_402, 140_214})
    void aMapAndReductionUnderRandomKillsGetsTheRightAnswer(long seed) throws Exception {
        LocalClusterImpl impl = (LocalClusterImpl) cluster;
        await().atMost(Duration.ofSeconds(60))
                .until(() -> cluster.workerAddresses().size() == 3);
        Random random = new Random(seed);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger kills = new AtomicInteger();
        Thread killer = new Thread(
                () -> {
                    try {
                        while (!done.get() && kills.get() < KILLS_PER_SEED) {
                            Thread.sleep(150 + random.nextInt(250));
                            List<Long> pids = impl.workerPids();
                            // Never the last worker standing: restarts take seconds on a loaded machine.
                            if (done.get()
                                    || pids.isEmpty()
                                    || cluster.workerAddresses().size() < 2) continue;
                            long pid = pids.get(random.nextInt(pids.size()));
                            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
                            kills.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "chaos-killer-" + seed);
        killer.setDaemon(true);
        long t0 = System.nanoTime();
        killer.start();
        int total;
        try {
            List<Future<Integer>> mapped = client.map(
                    ChaosTest::work, IntStream.range(0, TASKS).boxed().toList());
            List<Future<Integer>> partial = new ArrayList<>();
            for (int from = 0; from < TASKS; from += GROUP) {
                partial.add(client.submit(Ops::sum, all(mapped.subList(from, from + GROUP))));
            }
            total = client.submit(Ops::sum, all(partial)).result(Duration.ofSeconds(60));
        } finally {
            done.set(true);
            killer.interrupt();
            killer.join(5_000);
        }
        System.out.printf("seed %d: %d kills, answer in %.1f s%n", seed, kills.get(), (System.nanoTime() - t0) / 1e9);
        assertThat(total).isEqualTo(TASKS * (TASKS + 1) / 2);
        assertThat(kills.get()).as("the chaos happened during the computation").isPositive();
    }
}
