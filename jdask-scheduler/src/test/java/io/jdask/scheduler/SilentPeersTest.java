package io.jdask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdask.protocol.ClientMsg;
import io.jdask.protocol.SchedulerMsg;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The time-to-live of workers and clients through the real scheduler shell over TCP, with fake peers: a silent one is
 * removed, one that speaks is kept. Short TTLs (1 s) so that the test stays quick.
 */
class SilentPeersTest {
    private static final Duration TTL = Duration.ofSeconds(1);

    @Test
    void aSilentWorkerIsToldItWasRemovedAndDisconnectedAndItsTaskGoesToTheOtherWorker() throws Exception {
        var config = SchedulerServerTest.config()
                .workerTtl(TTL)
                .clientTtl(Duration.ZERO)
                .build();
        var beats = Executors.newSingleThreadScheduledExecutor();
        try (SchedulerServer server = SchedulerServer.start(config);
                FakePeer.Client c = new FakePeer.Client(server.address());
                FakePeer.Worker silent = new FakePeer.Worker(server.address(), 1)) {
            c.submit("x", "run-x".getBytes(StandardCharsets.UTF_8));
            silent.awaitCompute("x");
            try (FakePeer.Worker alive = new FakePeer.Worker(server.address(), 1)) {
                beats.scheduleAtFixedRate(
                        () -> alive.send(new io.jdask.protocol.WorkerMsg.Heartbeat(0, 0, 0, 0, -1)),
                        0,
                        200,
                        TimeUnit.MILLISECONDS);

                SchedulerMsg.WorkerRemoved removed = silent.await(SchedulerMsg.WorkerRemoved.class);

                assertThat(removed.reason()).contains("past the worker time-to-live of 1.0 s");
                await().atMost(FakePeer.WAIT).until(() -> !silent.comm.isOpen());
                alive.awaitCompute("x"); // the silent worker's task runs on the other one
                assertThat(server.workers()).containsOnlyKeys(alive.address);
            } finally {
                beats.shutdownNow();
            }
        }
    }

    @Test
    void aSilentClientIsDroppedAndOneThatSendsHeartbeatsIsKept() throws Exception {
        var config = SchedulerServerTest.config()
                .workerTtl(Duration.ZERO)
                .clientTtl(TTL)
                .build();
        var beats = Executors.newSingleThreadScheduledExecutor();
        try (SchedulerServer server = SchedulerServer.start(config);
                FakePeer.Client silent = new FakePeer.Client(server.address());
                FakePeer.Client beating = new FakePeer.Client(server.address())) {
            beats.scheduleAtFixedRate(() -> beating.send(new ClientMsg.Heartbeat()), 0, 200, TimeUnit.MILLISECONDS);

            await().atMost(FakePeer.WAIT).until(() -> !silent.comm.isOpen());

            assertThat(beating.comm.isOpen()).isTrue();
            assertThat(server.clientCount()).isEqualTo(1);
            beating.clusterInfo(); // still served
        } finally {
            beats.shutdownNow();
        }
    }
}
