package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Future;
import io.jdask.scheduler.ClusterSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Memory management on a worker process with a small heap: spill to disk and read back. */
class MemoryManagementTest {
    private static final int PART = 32 << 20;
    private static final int PARTS = 20; // 640 MiB: 2.5 times the worker's 256 MB limit

    @RegisterExtension
    static final ClusterExtension cluster =
            ClusterExtension.processes(1).memoryLimit("256MB").threadsPerWorker(2);

    static byte[] filled(int n, int fill) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) fill);
        return a;
    }

    static long sum(byte[] a) {
        long s = 0;
        for (byte b : a) s += b;
        return s;
    }

    @Test
    void valuesOfTwiceTheLimitSpillToDiskAndComeBackForTasksAndTheClient() throws Exception {
        List<Future<byte[]>> parts = new ArrayList<>();
        for (int i = 0; i < PARTS; i++) parts.add(cluster.client().submit(MemoryManagementTest::filled, PART, i + 1));
        List<Future<Long>> sums = new ArrayList<>();
        for (Future<byte[]> p : parts) sums.add(cluster.client().submit(MemoryManagementTest::sum, p));

        List<Long> got = cluster.client().gather(sums);
        for (int i = 0; i < PARTS; i++) assertThat(got.get(i)).isEqualTo((long) PART * (i + 1));

        // The worker keeps at most the target (60 %) of its limit in memory and says how much is on disk.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            ClusterSnapshot.WorkerSnapshot w =
                    cluster.impl().snapshot().workers().get(0);
            assertThat(w.spilledBytes()).isGreaterThanOrEqualTo((long) PART * (PARTS - 5));
            assertThat(w.managedBytes()).isBetween(0L, (long) (0.6 * (256L << 20)));
            // every part is counted once, in memory or on disk (serialized: the array plus a few bytes of header)
            assertThat(w.managedBytes() + w.spilledBytes()).isBetween((long) PART * PARTS, (PART + 64L) * PARTS);
        });

        // The oldest part went to disk first; the client gets it back whole.
        byte[] first = parts.get(0).result(Duration.ofSeconds(60));
        assertThat(first).hasSize(PART);
        assertThat(first[0]).isEqualTo((byte) 1);
        assertThat(first[PART - 1]).isEqualTo((byte) 1);
    }

    /** Keeps allocating until its worker runs out of memory. */
    static int hog(int x) {
        List<long[]> hoard = new ArrayList<>();
        while (true) hoard.add(new long[1 << 18]);
    }

    @Test
    void aTaskThatKillsItsWorkersFailsSayingTheyRanOutOfMemoryAndTheWorkerComesBack() {
        Future<Integer> hog = cluster.client().submit(MemoryManagementTest::hog, 1);
        // Three worker processes die under it (exit status 3: the JVM's ExitOnOutOfMemoryError, or the worker's own
        // check of the terminate fraction); the nanny's account reaches the error.
        assertThatThrownBy(() -> hog.result(Duration.ofSeconds(120)))
                .isInstanceOfSatisfying(
                        io.jdask.KilledWorkerException.class,
                        e -> assertThat(e.key()).isEqualTo(hog.key()))
                .hasMessageContaining("3 workers that died")
                .hasMessageContaining("exit code 3, out of memory");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> cluster.client().nthreads().size() == 1);
        assertThat(cluster.client()
                        .submit(MemoryManagementTest::sum, new byte[] {1, 2, 3})
                        .result(Duration.ofSeconds(30)))
                .isEqualTo(6L);
    }
}
