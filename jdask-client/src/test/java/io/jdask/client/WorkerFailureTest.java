package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Failures survived: a worker process dies mid-task, a task exhausts its worker's heap, a client sends garbage. */
class WorkerFailureTest {
    static LocalClusterImpl cluster;
    static Client client;

    @BeforeAll
    static void start() {
        cluster = (LocalClusterImpl) LocalCluster.builder().workers(2).threadsPerWorker(1).processes(true)
                .memoryLimit("128MB").build();
        client = Client.connect(cluster);
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (cluster != null) cluster.close();
    }

    @Test
    void aTaskRunningOnAKilledWorkerIsRunAgainElsewhere() throws Exception {
        // Two slow tasks occupy both workers; one worker process is then killed. Both results still arrive.
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 2; i++) fs.add(client.submit(Ops::sleepThenInc, 1500, i));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (fs.stream().anyMatch(f -> f.status() != io.jdask.FutureStatus.RUNNING) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        cluster.killWorkerProcess(0);
        assertThat(client.gather(fs)).containsExactly(1, 2);
        // The nanny restarted the dead worker.
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (client.nthreads().size() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(client.nthreads()).hasSize(2);
    }

    @Test
    void aResultLostWithItsWorkerIsRecomputed() throws Exception {
        Future<byte[]> data = client.submit(Ops::bytes, 1 << 20);
        data.result();
        String holder = client.whoHas(List.of(data)).get(data.key()).get(0);
        int index = cluster.workerAddresses().indexOf(holder);
        List<String> before = cluster.workerAddresses();
        // Kill whichever process holds it (addresses are in registration order, processes in start order: try all).
        for (int i = 0; i < before.size(); i++) {
            if (!client.whoHas(List.of(data)).getOrDefault(data.key(), List.of()).contains(holder)) break;
            if (i == index || before.size() == 1) cluster.killWorkerProcess(i);
        }
        Future<Long> len = client.submit((byte[] b) -> (long) b.length, data);
        assertThat(len.result(Duration.ofSeconds(60))).isEqualTo(1L << 20);
    }

    @Test
    void anOutOfMemoryErrorKillsOnlyItsWorkerNeverTheClient() throws Exception {
        Future<Integer> hog = client.submit(Hog::allocateForever, 1);
        try {
            hog.result(Duration.ofSeconds(60));
        } catch (RuntimeException expected) {
            // Either the task errs with OutOfMemoryError or its worker dies (three times) and the task errs.
        }
        assertThat(hog.done()).isTrue();
        // The client and the cluster carry on.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (client.nthreads().size() < 2 && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(client.submit(Ops::inc, 1).result(Duration.ofSeconds(30))).isEqualTo(2);
    }

    @Test
    void garbageOnTheSchedulerPortClosesOnlyThatConnection() throws Exception {
        URI uri = URI.create(cluster.schedulerAddress().replace("tcp://", "http://"));
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
        assertThat(client.submit(Ops::inc, 41).result(Duration.ofSeconds(30))).isEqualTo(42);
    }

    /** A task that eats the heap. */
    public static final class Hog {
        public static int allocateForever(int x) {
            List<long[]> hoard = new ArrayList<>();
            while (true) hoard.add(new long[1 << 20]);
        }
    }
}
