package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Work stealing on worker processes (issue 14 item 1): tasks the scheduler piled onto the worker holding their input,
 * because it expected them to be short, spread to the idle worker once they turn out long.
 */
class WorkStealingProcessTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.processes(2).threadsPerWorker(1);

    /** An input of {@code n} bytes: at the scheduler's assumed 100 MB/s, 32 MB cost 320 ms to move. */
    public static byte[] input(int n) {
        return new byte[n];
    }

    /** Sleeps, then says which worker process ran it. */
    public static long sleepThenPid(byte[] input, long millis) throws InterruptedException {
        Thread.sleep(millis);
        return ProcessHandle.current().pid();
    }

    @Test
    void tasksPiledOnTheHolderOfTheirInputSpreadToTheIdleWorker() {
        Client client = cluster.client();
        // Teach the scheduler that sleepThenPid is quick (tens of microseconds), on an input of its own, so that the
        // other worker never fetches the big one.
        Future<byte[]> tiny = client.submit(WorkStealingProcessTest::input, 1);
        var quick = new ArrayList<Future<Long>>();
        for (int i = 0; i < 10; i++) {
            quick.add(client.submit(WorkStealingProcessTest::sleepThenPid, tiny, 0L));
            quick.getLast().result(Duration.ofSeconds(60));
        }
        Future<byte[]> big = client.submit(WorkStealingProcessTest::input, 32 << 20);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(10))
                .until(big::done);
        long holder = Probes.pidOf(client, Probes.onlyHolder(client, big));

        // 40 tasks of 100 ms expected to take what the quick ones took (under 8 ms even on a loaded machine): every
        // one is placed on the holder, since moving 32 MB (320 ms) looks costlier than queueing behind 40 of them.
        // Without stealing the other worker runs none.
        var slow = new ArrayList<Future<Long>>();
        for (int i = 0; i < 40; i++) {
            slow.add(client.submit(WorkStealingProcessTest::sleepThenPid, big, 100L));
        }
        List<Long> pids = client.gather(slow);
        Map<Long, Integer> perWorker = new HashMap<>();
        for (long p : pids) perWorker.merge(p, 1, Integer::sum);
        assertThat(perWorker).as("tasks per worker pid (holder %d)", holder).hasSize(2);
        int stolen = 40 - perWorker.getOrDefault(holder, 0);
        assertThat(stolen)
                .as("tasks run by the worker that did not hold the input")
                .isGreaterThanOrEqualTo(8);
    }
}
