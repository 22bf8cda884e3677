package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.TaskRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code LocalCluster.scale(n)}, {@code client.retireWorkers} and the adaptive loop with worker processes, on one
 * cluster that goes 2 -> 3 -> 2 (retired) -> 3 -> 1 -> 3 (adapt) -> 1 -> closed. Each test first scales to the size it starts from, so one alone also runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterScalingTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2);

    /** The pid of each worker process, asked of the workers themselves. */
    static Map<String, Long> pidsByAddress() {
        Map<String, Long> out = new HashMap<>();
        for (String w : cluster.cluster().workerAddresses()) out.put(w, Probes.pidOf(cluster.client(), w));
        return out;
    }

    @Test
    @Order(1)
    void scalingUpStartsAWorkerProcessThatJoinsAndRunsTasks() {
        cluster.cluster().scale(2);
        List<String> old = cluster.cluster().workerAddresses();
        assertThat(old).hasSize(2);

        cluster.cluster().scale(3);

        List<String> now = cluster.cluster().workerAddresses();
        assertThat(now).hasSize(3).containsAll(old);
        String added = now.stream().filter(w -> !old.contains(w)).findFirst().orElseThrow();
        assertThat(cluster.client().nthreads()).containsEntry(added, 1).hasSize(3);
        // A task pinned to the new worker runs in a new child process of this JVM.
        Future<Long> f = cluster.client().with(o -> o.workers(added)).submit(Probes::pid, 1);
        long pid = f.result(Duration.ofSeconds(30));
        assertThat(Probes.runsOf(cluster.client(), f.key()))
                .extracting(TaskRecord::worker)
                .containsExactly(added);
        assertThat(cluster.impl().workerPids()).hasSize(3).contains(pid);
        assertThat(ProcessHandle.current().children().map(ProcessHandle::pid)).contains(pid);
        assertThat(pidsByAddress().values())
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(cluster.impl().workerPids());
    }

    @Test
    @Order(2)
    void retireWorkersMovesAScatteredValueAndAComputedResultBeforeTheWorkerStops() {
        cluster.cluster().scale(3);
        Map<String, Long> pids = pidsByAddress();
        Future<int[]> scattered = cluster.client().scatter(new int[] {1, 2, 3});
        List<String> holders = cluster.client().whoHas(List.of(scattered)).get(scattered.key());
        assertThat(holders).hasSize(1);
        String b = holders.get(0);
        Future<byte[]> computed = cluster.client().with(o -> o.workers(b)).submit(Probes::slowBytes, 1 << 16, 10);
        assertThat(computed.result(Duration.ofSeconds(30))).hasSize(1 << 16);

        cluster.client().retireWorkers(List.of(b));

        assertThat(cluster.cluster().workerAddresses()).hasSize(2).doesNotContain(b);
        long bPid = pids.get(b);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> ProcessHandle.of(bPid).map(p -> !p.isAlive()).orElse(true));
        // Its nanny left it stopped: two worker processes, neither of them b's.
        assertThat(cluster.impl().workerPids()).hasSize(2).doesNotContain(bPid);
        // Both values are on a worker that stays, and were never lost: no recomputation, nothing LOST.
        assertThat(scattered.status()).isEqualTo(FutureStatus.FINISHED);
        assertThat(computed.status()).isEqualTo(FutureStatus.FINISHED);
        assertThat(cluster.client().whoHas(List.of(scattered)).get(scattered.key()))
                .hasSize(1)
                .doesNotContain(b);
        assertThat(scattered.result(Duration.ofSeconds(30))).containsExactly(1, 2, 3);
        assertThat(computed.result(Duration.ofSeconds(30))[(1 << 16) - 1]).isEqualTo((byte) 42);
        assertThat(Probes.runsOf(cluster.client(), computed.key()))
                .extracting(TaskRecord::worker)
                .containsExactly(b);
    }

    @Test
    @Order(3)
    void scalingDownRetiresWorkersSoAResultOnlyTheyHeldStays() {
        cluster.cluster().scale(3);
        Map<String, Long> pids = pidsByAddress();
        // scale(1) keeps the worker started first; put a result on one of the others.
        long firstPid = cluster.impl().workerPids().get(0);
        String doomed = pids.entrySet().stream()
                .filter(e -> e.getValue() != firstPid)
                .findFirst()
                .orElseThrow()
                .getKey();
        Future<byte[]> data = cluster.client().with(o -> o.workers(doomed)).submit(Probes::slowBytes, 1 << 20, 10);
        assertThat(data.result(Duration.ofSeconds(30))).hasSize(1 << 20);
        assertThat(cluster.client().whoHas(List.of(data))).containsEntry(data.key(), List.of(doomed));

        cluster.cluster().scale(1);

        assertThat(cluster.cluster().workerAddresses()).hasSize(1).doesNotContain(doomed);
        for (var e : pids.entrySet()) {
            boolean kept = e.getValue() == firstPid;
            assertThat(ProcessHandle.of(e.getValue())
                            .map(ProcessHandle::isAlive)
                            .orElse(false))
                    .as("worker %s (pid %d) alive", e.getKey(), e.getValue())
                    .isEqualTo(kept);
        }
        String survivor = cluster.cluster().workerAddresses().get(0);
        assertThat(data.status()).isEqualTo(FutureStatus.FINISHED);
        assertThat(cluster.client().whoHas(List.of(data))).containsEntry(data.key(), List.of(survivor));
        assertThat(data.result(Duration.ofSeconds(30))[(1 << 20) - 1]).isEqualTo((byte) 42);
        assertThat(Probes.runsOf(cluster.client(), data.key()))
                .extracting(TaskRecord::worker)
                .containsExactly(doomed);
    }

    @Test
    @Order(4)
    void retiringTheOnlyHolderWithNowhereToGoFailsAndTheWorkerStays() {
        cluster.cluster().scale(1);
        String only = cluster.cluster().workerAddresses().get(0);
        Future<String> value = cluster.client().scatter("keep me");

        assertThatThrownBy(() -> cluster.client().retireWorkers(List.of("tcp://127.0.0.1:1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no worker is connected at tcp://127.0.0.1:1")
                .hasMessageContaining(only);
        assertThatThrownBy(() -> cluster.client().retireWorkers(List.of(only)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no other worker can take its data");

        assertThat(cluster.cluster().workerAddresses()).containsExactly(only);
        assertThat(value.result(Duration.ofSeconds(30))).isEqualTo("keep me");
        assertThat(cluster.client().submit(Probes::pid, 1).result(Duration.ofSeconds(30)))
                .isIn(cluster.impl().workerPids());
    }

    public static int slowDouble(int i) throws InterruptedException {
        Thread.sleep(100);
        return 2 * i;
    }

    @Test
    @Order(5)
    void adaptGrowsUnderABacklogAndShrinksBackWhenIdleWithoutLosingResults() {
        cluster.cluster().scale(1);
        // The loop as cluster.adapt(1, 3) starts it, looking every 250 ms for a 1 s target (not 1 s and 5 s) so that
        // the test is short: 80 tasks of 100 ms are 8 s of work, which calls for the maximum at once.
        Adaptive.start(cluster.cluster(), 1, 3, Duration.ofMillis(250), Duration.ofSeconds(1));
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 80; i++) futures.add(cluster.client().submit(ClusterScalingTest::slowDouble, i));

            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> cluster.cluster().workerAddresses().size() == 3);
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).result(Duration.ofSeconds(60))).isEqualTo(2 * i);
            }

            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.cluster().workerAddresses().size() == 1);
            assertThat(cluster.impl().workerPids()).hasSize(1);
            // The results on the retired workers moved before they stopped: none was lost or is being recomputed.
            assertThat(futures).extracting(Future::status).containsOnly(FutureStatus.FINISHED);
            List<Integer> values = cluster.client().gather(futures);
            for (int i = 0; i < values.size(); i++) assertThat(values.get(i)).isEqualTo(2 * i);
        } finally {
            cluster.cluster().scale(1); // ends the adaptive loop
        }
    }

    @Test
    @Order(6)
    void closingTheClusterLeavesNoWorkerProcessBehind() {
        cluster.cluster().scale(1);
        cluster.cluster().scale(2);
        List<Long> workers = new ArrayList<>(cluster.impl().workerPids());
        assertThat(workers).hasSize(2);
        assertThat(ProcessHandle.current().descendants().map(ProcessHandle::pid))
                .containsAll(workers);

        cluster.client().close();
        cluster.cluster().close();

        for (long pid : workers) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("pid %d alive", pid)
                    .isFalse();
        }
        assertThat(cluster.leftoverProcesses())
                .as("processes of this cluster still running")
                .isEmpty();
    }
}
