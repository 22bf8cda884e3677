package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import io.jdask.scheduler.ClusterSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A worker process whose heap passes its pause fraction starts no new task and the scheduler places work elsewhere;
 * once the memory is free it takes work again. Its own cluster: the pause fraction is lowered to 0.5 so that a task
 * holding 110 MB pauses a 256 MB worker (whose old generation, what the worker measures against, is about 171 MB)
 * without reaching the terminate fraction.
 */
class PauseProcessTest {
    private static LocalCluster cluster;
    private static Client client;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.builder()
                .workers(2)
                .memoryLimit("256MB")
                .memoryPause(0.5)
                .dashboardPort(-1)
                .build();
        client = Client.connect(cluster);
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (cluster != null) cluster.close();
    }

    /** Holds {@code mb} megabytes of live arrays for {@code ms} milliseconds. */
    static int hold(int mb, int ms) throws InterruptedException {
        List<long[]> held = new ArrayList<>();
        for (int i = 0; i < mb; i++) held.add(new long[1 << 17]);
        Thread.sleep(ms);
        return held.size();
    }

    static int inc(int x) {
        return x + 1;
    }

    private static ClusterSnapshot snapshot() throws Exception {
        return ((LocalClusterImpl) cluster).snapshot();
    }

    @Test
    void aWorkerPastItsPauseFractionGetsNoNewTasksUntilItsMemoryIsFree() throws Exception {
        Future<Integer> holder = client.submit(PauseProcessTest::hold, 110, 12_000);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> snapshot().workers().stream().anyMatch(ClusterSnapshot.WorkerSnapshot::paused));
        String paused = snapshot().workers().stream()
                .filter(ClusterSnapshot.WorkerSnapshot::paused)
                .findFirst()
                .orElseThrow()
                .address();

        List<Future<Integer>> quick = new ArrayList<>();
        for (int i = 0; i < 6; i++) quick.add(client.submit(PauseProcessTest::inc, i));
        assertThat(client.gather(quick)).containsExactly(1, 2, 3, 4, 5, 6);
        for (Future<Integer> f : quick) {
            assertThat(client.whoHas(List.of(f)).get(f.key())).doesNotContain(paused);
        }

        assertThat(holder.result(Duration.ofSeconds(60))).isEqualTo(110);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> snapshot().workers().stream().noneMatch(ClusterSnapshot.WorkerSnapshot::paused));
        assertThat(snapshot().workers()).hasSize(2); // paused, never terminated
    }
}
