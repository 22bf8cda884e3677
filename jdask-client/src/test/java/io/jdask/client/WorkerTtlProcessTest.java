package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.LocalCluster;
import io.jdask.scheduler.ClusterSnapshot;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 2 on real processes: a worker process stopped with SIGSTOP keeps its TCP connection open (the kernel
 * still acknowledges), so only its silence gives it away. With a worker time-to-live of 3 s the scheduler removes it,
 * its tasks finish on the other worker, and after SIGCONT the same process registers again as a new worker. Its own
 * cluster: the TTL is short, and the test stops one of its workers.
 */
class WorkerTtlProcessTest {
    private static final Duration TTL = Duration.ofSeconds(3);

    private static LocalCluster cluster;
    private static Client client;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.builder()
                .workers(2)
                .memoryLimit("192MB")
                .workerTtl(TTL)
                .dashboardPort(-1)
                .build();
        client = Client.connect(cluster);
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (cluster != null) cluster.close();
    }

    static int slowSquare(int x) throws InterruptedException {
        Thread.sleep(100);
        return x * x;
    }

    private static ClusterSnapshot snapshot() throws Exception {
        return ((LocalClusterImpl) cluster).snapshot();
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .inheritIO()
                .start()
                .waitFor();
        assertThat(exit).as("kill -" + signal + " " + pid).isZero();
    }

    @Test
    void aStoppedWorkersTasksFinishElsewhereWithinTheTtlAndItRejoinsAsNewWhenContinued() throws Exception {
        List<Long> pids = ((LocalClusterImpl) cluster).workerPids();
        assertThat(pids).hasSize(2);
        Set<String> before = new HashSet<>(cluster.workerAddresses());
        List<Future<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) futures.add(client.submit(WorkerTtlProcessTest::slowSquare, i));
        // Both workers have work before one of them freezes.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> snapshot().workers().stream().allMatch(w -> w.processing() > 0));

        long stopped = pids.get(0);
        signal("STOP", stopped);
        try {
            long t0 = System.nanoTime();
            // TTL + a few seconds: 20 tasks of 100 ms take 2 s on the one worker left, plus the check's pacing.
            await().atMost(TTL.plusSeconds(12))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> futures.stream().allMatch(f -> f.status() == FutureStatus.FINISHED));
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) expected.add(i * i);
            assertThat(client.gather(futures)).containsExactlyElementsOf(expected);
            assertThat(cluster.workerAddresses())
                    .as("the stopped worker was removed")
                    .hasSize(1);
            System.out.printf("all 20 results %.2f s after SIGSTOP (TTL %s)%n", seconds, TTL);
        } finally {
            signal("CONT", stopped);
        }

        // The same process (not a restart by the nanny) registers again, with a new address.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> cluster.workerAddresses().size() == 2);
        Set<String> after = new HashSet<>(cluster.workerAddresses());
        assertThat(after).as("one worker is new").hasSize(2).isNotEqualTo(before);
        assertThat(((LocalClusterImpl) cluster).workerPids()).containsExactlyInAnyOrderElementsOf(pids);
        assertThat(ProcessHandle.of(stopped).map(ProcessHandle::isAlive)).contains(true);

        // It gets fresh work: enough 100 ms tasks that both workers run some.
        List<Future<Integer>> more = new ArrayList<>();
        for (int i = 0; i < 8; i++) more.add(client.submit(WorkerTtlProcessTest::slowSquare, 100 + i));
        assertThat(client.gather(more)).hasSize(8);
        Set<String> holders = new HashSet<>();
        for (var e : client.whoHas(more).values()) holders.addAll(e);
        assertThat(holders).containsExactlyInAnyOrderElementsOf(after);
    }
}
