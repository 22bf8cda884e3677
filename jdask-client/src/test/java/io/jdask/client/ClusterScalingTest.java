package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

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
 * {@code LocalCluster.scale(n)} with worker processes, on one cluster that goes 2 -> 3 -> 1 -> closed. Each test
 * first scales to the size it starts from, so one alone also runs.
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
    void scalingDownStopsWorkerProcessesAndAResultOnlyTheyHeldIsComputedAgain() {
        cluster.cluster().scale(3);
        Map<String, Long> pids = pidsByAddress();
        // scale(1) keeps the worker started first; put a result on one of the others (preferred, not required: the
        // recomputation must be free to run on the worker that stays).
        long firstPid = cluster.impl().workerPids().get(0);
        String doomed = pids.entrySet().stream()
                .filter(e -> e.getValue() != firstPid)
                .findFirst()
                .orElseThrow()
                .getKey();
        Future<byte[]> data = cluster.client()
                .with(o -> o.workers(doomed).allowOtherWorkers(true))
                .submit(Probes::slowBytes, 1 << 20, 1000);
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
        // Documented: a lost result that can be computed again is (only scattered data is LOST). Until then the future
        // is not done (this client's scheduler is in this JVM: it was told before scale returned).
        assertThat(data.status()).isIn(FutureStatus.PENDING, FutureStatus.RUNNING);
        byte[] again = data.result(Duration.ofSeconds(60));
        assertThat(again).hasSize(1 << 20);
        assertThat(again[(1 << 20) - 1]).isEqualTo((byte) 42);
        assertThat(data.status()).isEqualTo(FutureStatus.FINISHED);
        String survivor = cluster.cluster().workerAddresses().get(0);
        assertThat(Probes.runsOf(cluster.client(), data.key()))
                .extracting(TaskRecord::worker)
                .containsExactly(doomed, survivor);
        assertThat(cluster.client().whoHas(List.of(data))).containsEntry(data.key(), List.of(survivor));
    }

    @Test
    @Order(3)
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
