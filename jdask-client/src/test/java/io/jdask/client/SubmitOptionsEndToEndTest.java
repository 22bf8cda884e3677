package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Dask;
import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.LocalCluster;
import io.jdask.TaskRecord;
import io.jdask.worker.WorkerMain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Submit options on worker processes: {@code priority}, {@code workers} (by address and by name),
 * {@code allowOtherWorkers} and {@code resources}, the last with a worker process started the way
 * {@code jdask worker --resources GPU=1} starts one, since a {@link LocalCluster} offers no resources.
 */
class SubmitOptionsEndToEndTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2);
    /** Worker processes this class started itself, next to the cluster's. */
    static final List<Process> extraWorkers = new ArrayList<>();

    /** Stops the workers this class started (before the extension closes the cluster, as they use its scheduler). */
    @AfterAll
    static void stopExtraWorkers() throws Exception {
        for (Process p : extraWorkers) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** A worker process started as the command line does, and the address it registered with. */
    record ExtraWorker(Process process, String address) {}

    static ExtraWorker startWorker(String name, int nthreads, String resources) throws Exception {
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                LocalClusterImpl.workerClassPath(),
                WorkerMain.class.getName(),
                "--scheduler",
                cluster.cluster().schedulerAddress(),
                "--listen",
                "tcp://127.0.0.1:0",
                "--name",
                name,
                "--nthreads",
                Integer.toString(nthreads),
                "--resources",
                resources);
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        extraWorkers.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .get(60, TimeUnit.SECONDS);
        assertThat(line).as("worker %s announced itself", name).startsWith("jdask worker tcp://");
        return new ExtraWorker(p, line.split(" ")[2]);
    }

    /** Occupies its worker thread until the cluster's event {@code name} is set. */
    public static int waitForGate(String name) {
        if (!Dask.client().event(name).await(Duration.ofSeconds(60))) {
            throw new IllegalStateException("the gate " + name + " never opened");
        }
        return 0;
    }

    static void awaitStatus(Future<?> f, FutureStatus status) {
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(f.status()).as("status of %s", f.key()).isEqualTo(status));
    }

    static String workerOf(Future<?> f) {
        List<TaskRecord> runs = Probes.runsOf(cluster.client(), f.key());
        assertThat(runs).as("runs of %s", f.key()).hasSize(1);
        return runs.get(0).worker();
    }

    /** Pids of every worker process of the cluster and of this class. */
    static Set<Long> allWorkerPids() {
        Set<Long> pids = new HashSet<>(cluster.impl().workerPids());
        for (Process p : extraWorkers) pids.add(p.pid());
        return pids;
    }

    @Test
    void queuedTasksOfHigherPriorityRunFirstOnABusyWorker() throws Exception {
        // One thread on worker local-0, held by a task until a gate opens; meanwhile four tasks of priority 0 and then
        // four of priority 10 queue there. (Pinned tasks go to their worker at once and wait in its ready queue.)
        String gate = "priority-gate";
        Client onFirst = cluster.client().with(o -> o.workers("local-0"));
        Future<Integer> blocker = onFirst.submit(SubmitOptionsEndToEndTest::waitForGate, gate);
        awaitStatus(blocker, FutureStatus.RUNNING);
        List<Future<Integer>> low = new ArrayList<>();
        List<Future<Integer>> high = new ArrayList<>();
        for (int i = 0; i < 4; i++) low.add(onFirst.with(o -> o.priority(0)).submit(Ops::sleepThenInc, 20, i));
        for (int i = 0; i < 4; i++) high.add(onFirst.with(o -> o.priority(10)).submit(Ops::sleepThenInc, 20, i));
        cluster.client().nthreads(); // a round trip: the scheduler has sent them all on
        Thread.sleep(300); // and the worker has them before its thread frees up
        assertThat(low).extracting(Future::status).containsOnly(FutureStatus.PENDING);
        cluster.client().event(gate).set();

        assertThat(cluster.client().gather(high)).containsExactlyInAnyOrder(1, 2, 3, 4);
        assertThat(cluster.client().gather(low)).containsExactlyInAnyOrder(1, 2, 3, 4);
        List<Future<Integer>> all = new ArrayList<>(low);
        all.addAll(high);
        List<TaskRecord> runs = new ArrayList<>();
        for (Future<Integer> f : all) runs.addAll(Probes.runsOf(cluster.client(), f.key()));
        assertThat(runs).hasSize(8).extracting(TaskRecord::worker).containsOnly(workerOf(blocker));
        runs.sort(Comparator.comparingLong(TaskRecord::startMicros));
        Set<String> highKeys = new HashSet<>(high.stream().map(Future::key).toList());
        assertThat(runs.subList(0, 4))
                .as("the first four to run")
                .extracting(TaskRecord::key)
                .allMatch(highKeys::contains);
    }

    @Test
    void aTaskPinnedToAWorkerRunsThereAndNowhereElse() {
        List<String> workers = cluster.cluster().workerAddresses();
        assertThat(workers).hasSizeGreaterThanOrEqualTo(2);
        Map<String, Set<Long>> pidsSeen = new java.util.HashMap<>();
        for (String w : workers) {
            List<Future<Long>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++)
                fs.add(cluster.client().with(o -> o.workers(w)).submit(Probes::pid, i));
            pidsSeen.put(w, new HashSet<>(cluster.client().gather(fs)));
            for (Future<Long> f : fs) assertThat(workerOf(f)).isEqualTo(w);
        }
        // One process per address, a different one for each, and all of them ours.
        assertThat(pidsSeen.values()).allSatisfy(pids -> assertThat(pids).hasSize(1));
        Set<Long> distinct = new HashSet<>();
        pidsSeen.values().forEach(distinct::addAll);
        assertThat(distinct).hasSize(workers.size());
        assertThat(allWorkerPids()).containsAll(distinct);
        // By name: the cluster names its workers local-0, local-1... in start order, the order of its processes.
        long second = cluster.client()
                .with(o -> o.workers("local-1"))
                .submit(Probes::pid, 9)
                .result(Duration.ofSeconds(30));
        assertThat(second).isEqualTo(cluster.impl().workerPids().get(1));
    }

    @Test
    void aPreferenceForAnAbsentWorkerRunsElsewhereWhileARestrictionToItWaits() throws Exception {
        String absent = "tcp://127.0.0.1:1";
        Future<Long> strict = cluster.client().with(o -> o.workers(absent)).submit(Probes::pid, 1);
        Future<Long> loose = cluster.client()
                .with(o -> o.workers(absent).allowOtherWorkers(true))
                .submit(Probes::pid, 2);

        assertThat(loose.result(Duration.ofSeconds(30))).isIn(allWorkerPids());
        // It stays pending all along: no other worker runs it.
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(strict.status()).isEqualTo(FutureStatus.PENDING));
        assertThat(Probes.runsOf(cluster.client(), strict.key())).isEmpty();
        // A preference for a worker that is there is honoured.
        String second = cluster.cluster().workerAddresses().get(1);
        Future<Long> preferring = cluster.client()
                .with(o -> o.workers(second).allowOtherWorkers(true))
                .submit(Probes::pid, 3);
        preferring.result(Duration.ofSeconds(30));
        assertThat(workerOf(preferring)).isEqualTo(second);

        strict.cancel();
        awaitStatus(strict, FutureStatus.CANCELLED);
    }

    @Test
    void aTaskNeedingAResourceWaitsForAWorkerOfferingItAndHoldersOfOneUnitRunOneAtATime() throws Exception {
        Client gpu = cluster.client().with(o -> o.resources(Map.of("GPU", 1.0)));
        Future<Long> first = gpu.submit(Probes::pid, 0);
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(first.status())
                        .as("no worker offers GPU yet")
                        .isEqualTo(FutureStatus.PENDING));

        ExtraWorker worker = startWorker("gpu-1", 2, "GPU=1");

        assertThat(first.result(Duration.ofSeconds(60)))
                .isEqualTo(worker.process().pid());
        assertThat(workerOf(first)).isEqualTo(worker.address());
        // The worker has two threads but one GPU: tasks needing it take turns, and only there.
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) fs.add(gpu.submit(Ops::sleepThenInc, 300, i));
        assertThat(cluster.client().gather(fs)).containsExactlyInAnyOrder(1, 2, 3);
        List<TaskRecord> runs = new ArrayList<>();
        for (Future<Integer> f : fs) runs.addAll(Probes.runsOf(cluster.client(), f.key()));
        assertThat(runs).hasSize(3).extracting(TaskRecord::worker).containsOnly(worker.address());
        runs.sort(Comparator.comparingLong(TaskRecord::startMicros));
        for (int i = 1; i < runs.size(); i++) {
            assertThat(runs.get(i).startMicros())
                    .as("run %d starts after run %d stopped", i, i - 1)
                    .isGreaterThanOrEqualTo(runs.get(i - 1).stopMicros());
        }
    }
}
