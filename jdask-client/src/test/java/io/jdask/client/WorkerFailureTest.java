package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.DataLostException;
import io.jdask.Future;
import io.jdask.FutureStatus;
import io.jdask.Futures;
import io.jdask.TaskRecord;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Failures survived: a worker process dies mid-task, a task exhausts its worker's heap, a client sends garbage. */
class WorkerFailureTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2).memoryLimit("128MB");

    @Test
    void aTaskRunningOnAKilledWorkerIsRunAgainElsewhere() throws Exception {
        // Two slow tasks occupy both workers; one worker process is then killed. Both results still arrive.
        // Both workers first: a test before this one may have killed one, and its restart may still be under way
        // (with one worker the tasks would run one after the other, and the kill would hit no running task).
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cluster.client().nthreads().size() == 2);
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 2; i++) fs.add(cluster.client().submit(Ops::sleepThenInc, 1500, i));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> fs.stream().allMatch(f -> f.status() == FutureStatus.RUNNING));
        cluster.impl().killWorkerProcess(0);
        assertThat(cluster.client().gather(fs)).containsExactly(1, 2);
        // The nanny restarted the dead worker.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(cluster.client().nthreads()).hasSize(2));
    }

    @Test
    void aResultLostWithItsWorkerIsRecomputed() throws Exception {
        Future<byte[]> data = cluster.client().submit(Probes::slowBytes, 1 << 20, 200);
        assertThat(data.result(Duration.ofSeconds(30))).hasSize(1 << 20);
        String holder = Probes.onlyHolder(cluster.client(), data);

        killWorkerAt(holder);

        // The future gets its value again, from a run elsewhere, and tasks using it run. (Asked at once: this client
        // may find the holder gone before the scheduler does.)
        byte[] again = data.result(Duration.ofSeconds(60));
        assertThat(again).hasSize(1 << 20);
        assertThat(again[(1 << 20) - 1]).isEqualTo((byte) 42);
        Future<Long> len = cluster.client().submit((byte[] b) -> (long) b.length, data);
        assertThat(len.result(Duration.ofSeconds(60))).isEqualTo(1L << 20);
        List<TaskRecord> runs = Probes.runsOf(cluster.client(), data.key());
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).worker()).isEqualTo(holder);
        assertThat(runs.get(1).worker()).isNotEqualTo(holder);
        assertThat(cluster.client().whoHas(List.of(data)).get(data.key())).doesNotContain(holder);
        assertThat(cluster.client().nthreads()).doesNotContainKey(holder);
    }

    @Test
    void gatherSkippingErrorsSkipsAResultWhoseRecomputationFails() throws Exception {
        String once = Flaky.newPath("once");
        Future<byte[]> fragile = cluster.client().submit(Flaky::bytesOnceThenFail, once, 1 << 10);
        Future<Integer> fine = cluster.client().submit(Ops::inc, 1);
        // Waited for, not fetched: a value the client already has is answered from its copy.
        Futures.waitAll(List.of(fragile, fine));
        assertThat(fragile.status()).isEqualTo(FutureStatus.FINISHED);

        killWorkerAt(Probes.onlyHolder(cluster.client(), fragile));

        // The lost value is computed again, and that run fails: SKIP leaves it out (asked at once, so the fetch may
        // be what finds the holder gone), RAISE throws the failure of the new run.
        List<Object> got = cluster.client().gather(List.of(fragile, fine), io.jdask.Errors.SKIP);
        assertThat(got).containsExactly(2);
        assertThat(fragile.status()).isEqualTo(FutureStatus.ERROR);
        assertThatThrownBy(() -> cluster.client().gather(List.of(fragile, fine)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("second run of " + once);
    }

    @Test
    void scatterRightAfterAWorkerDiedStoresOnAWorkerThatIsAlive() throws Exception {
        Future<Integer> probe = cluster.client().submit(Ops::inc, 1);
        assertThat(probe.result(Duration.ofSeconds(30))).isEqualTo(2);
        String victim = Probes.onlyHolder(cluster.client(), probe);
        killWorkerAt(victim); // the scheduler may still list it for a moment

        for (int i = 0; i < 4; i++) { // the scatter turn visits every listed worker
            Future<int[]> one = cluster.client().scatter(new int[] {i});
            assertThat(cluster.client().whoHas(List.of(one)).get(one.key()))
                    .isNotEmpty()
                    .doesNotContain(victim);
            assertThat(cluster.client().submit((int[] a) -> a[0], one).result(Duration.ofSeconds(30)))
                    .isEqualTo(i);
        }
        Future<String> everywhere = cluster.client().scatter("everywhere", true);
        assertThat(cluster.client().whoHas(List.of(everywhere)).get(everywhere.key()))
                .isNotEmpty()
                .doesNotContain(victim);
        List<Future<Integer>> each = cluster.client().scatterEach(List.of(10, 20, 30));
        assertThat(cluster.client().gather(each)).containsExactly(10, 20, 30);
    }

    @Test
    void aScatteredValueWhoseOnlyHolderDiesIsLostAndSaysSo() throws Exception {
        Future<int[]> scattered = cluster.client().scatter(new int[] {1, 2, 3});
        assertThat(scattered.status()).isEqualTo(FutureStatus.FINISHED);
        String holder = Probes.onlyHolder(cluster.client(), scattered);

        killWorkerAt(holder);

        // Nothing can compute it again: the scheduler reports it LOST, and result() says so even though this client
        // still has the value it scattered.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(scattered.status()).isEqualTo(FutureStatus.LOST));
        assertThat(scattered.done()).isTrue();
        assertThatThrownBy(scattered::result)
                .isInstanceOfSatisfying(
                        DataLostException.class, e -> assertThat(e.key()).isEqualTo(scattered.key()))
                .hasMessageContaining("the data of " + scattered.key() + " was lost")
                .hasMessageContaining("cannot be recomputed");
        assertThat(scattered.exception()).isInstanceOf(DataLostException.class);
        assertThat(cluster.client().whoHas(List.of(scattered))).containsEntry(scattered.key(), List.of());
        // A task given the lost value fails naming it instead of waiting for it forever.
        Future<Integer> sum = cluster.client().submit((int[] a) -> a.length, scattered);
        assertThatThrownBy(() -> sum.result(Duration.ofSeconds(30))).hasMessageContaining(scattered.key());
        assertThat(sum.status()).isEqualTo(FutureStatus.ERROR);
    }

    /**
     * Kills the worker process at {@code address} (found by asking that worker its pid) and returns once it has
     * exited, whether or not the scheduler has noticed yet.
     */
    private static void killWorkerAt(String address) throws Exception {
        long pid = Probes.pidOf(cluster.client(), address);
        int index = cluster.impl().workerPids().indexOf(pid);
        assertThat(index)
                .as(
                        "pid %d of %s among the cluster's worker processes %s",
                        pid, address, cluster.impl().workerPids())
                .isNotNegative();
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        cluster.impl().killWorkerProcess(index);
        process.onExit().get(30, TimeUnit.SECONDS);
        assertThat(process.isAlive()).isFalse();
    }

    @Test
    void anOutOfMemoryErrorKillsOnlyItsWorkerNeverTheClient() throws Exception {
        Future<Integer> hog = cluster.client().submit(Hog::allocateForever, 1);
        try {
            hog.result(Duration.ofSeconds(60));
        } catch (RuntimeException expected) {
            // Either the task errs with OutOfMemoryError or its worker dies (three times) and the task errs.
        }
        assertThat(hog.done()).isTrue();
        // The client and the cluster carry on.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cluster.client().nthreads().size() == 2);
        assertThat(cluster.client().submit(Ops::inc, 1).result(Duration.ofSeconds(30)))
                .isEqualTo(2);
    }

    @Test
    void garbageOnTheSchedulerPortClosesOnlyThatConnection() throws Exception {
        URI uri = URI.create(cluster.cluster().schedulerAddress().replace("tcp://", "http://"));
        try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            out.write(new byte[] {0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3});
            out.flush();
            s.setSoTimeout(5000);
            // The scheduler's own handshake may come first; then it must close the connection (a timeout fails).
            try {
                s.getInputStream().readAllBytes();
            } catch (java.net.SocketException reset) {
                // Closed with our bytes still unread on its side: the kernel answers with a reset. Closed all the same.
                assertThat(reset).hasMessageContaining("reset");
            }
        }
        assertThat(cluster.client().submit(Ops::inc, 41).result(Duration.ofSeconds(30)))
                .isEqualTo(42);
    }

    /** A task that eats the heap. */
    public static final class Hog {
        public static int allocateForever(int x) {
            List<long[]> hoard = new ArrayList<>();
            while (true) hoard.add(new long[1 << 20]);
        }
    }
}
