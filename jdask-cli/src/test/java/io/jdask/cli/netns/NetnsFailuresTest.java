package io.jdask.cli.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.Client;
import io.jdask.Future;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Network failures between namespaces, with a fresh TLS cluster per test (each test breaks its cluster): a worker cut
 * off the network is dropped and its work runs again elsewhere; a client cut off gets a clear error rather than a
 * hang. The scheduler has no heartbeats yet: what notices a cut is the transport's dead-peer timeout (keepalive and
 * TCP_USER_TIMEOUT, {@code CommOptions.deadPeerTimeout}, 30 s).
 */
class NetnsFailuresTest {
    /** Dead-peer timeout (30 s) plus room for a loaded machine. */
    static final Duration NOTICE = Duration.ofSeconds(100);

    NetnsCluster cluster;
    Client client;

    public static int inc(int x) {
        return x + 1;
    }

    public static int sleepThenInc(int ms, int x) throws InterruptedException {
        Thread.sleep(ms);
        return x + 1;
    }

    @BeforeEach
    void start() throws Exception {
        cluster = new NetnsCluster(2, 1);
        client = cluster.start();
    }

    @AfterEach
    void stop() {
        try {
            if (client != null) client.close();
        } finally {
            cluster.close();
        }
    }

    @Test
    void aWorkerCutOffIsDroppedAndItsTasksRunAgainElsewhere() {
        String w0 = cluster.workerAddress(0);
        String w1 = cluster.workerAddress(1);
        Client onW0 = client.with(o -> o.workers(w0).allowOtherWorkers(true));
        Future<Integer> held = onW0.submit(NetnsFailuresTest::inc, 1);
        assertThat(held.result()).isEqualTo(2);
        assertThat(client.whoHas(List.of(held)).get(held.key())).containsExactly(w0);
        Future<Integer> running = onW0.submit(NetnsFailuresTest::sleepThenInc, 3000, 10);

        cluster.network().cut("w0", true);
        long cut = System.nanoTime();
        await("the scheduler drops the worker that was cut off")
                .atMost(NOTICE)
                .until(() -> !client.nthreads().containsKey(w0));
        Duration noticed = Duration.ofNanos(System.nanoTime() - cut);
        System.out.println("NetnsFailuresTest: the cut worker was dropped after " + noticed.toMillis() + " ms");

        assertThat(client.nthreads().keySet()).containsExactly(w1);
        assertThat(running.result(Duration.ofSeconds(60))).isEqualTo(11);
        assertThat(held.result(Duration.ofSeconds(60)))
                .as("lost with w0, computed again")
                .isEqualTo(2);
        assertThat(client.whoHas(List.of(held)).get(held.key())).containsExactly(w1);
        assertThat(client.submit(NetnsFailuresTest::inc, 41).result()).isEqualTo(42);
    }

    @Test
    void aClientOnTheWrongSideOfACutGetsAClearErrorAndTheClusterCarriesOn() {
        assertThat(client.submit(NetsFailuresHelper::three, 0).result()).isEqualTo(3);
        cluster.network().cutClient(true);
        Future<Integer> f = client.submit(NetnsFailuresTest::inc, 1);
        assertThatThrownBy(() -> f.result(NOTICE))
                .hasMessageContaining("lost the connection to the scheduler at " + cluster.schedulerAddress());
        assertThatThrownBy(() -> cluster.connect(Duration.ofSeconds(5)))
                .hasMessageContaining("cannot connect to the jdask scheduler at " + cluster.schedulerAddress())
                .hasMessageContaining("PT5S");

        cluster.network().cutClient(false);
        try (Client again = cluster.connect(Duration.ofSeconds(30))) {
            assertThat(again.nthreads()).hasSize(2);
            assertThat(again.submit(NetnsFailuresTest::inc, 41).result()).isEqualTo(42);
        }
    }

    /** A second class of task functions, so the first test's classes are not the only ones shipped. */
    public static final class NetsFailuresHelper {
        public static int three(int ignored) {
            return 3;
        }
    }
}
