package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdask.Client;
import io.jdask.Future;
import io.jdask.LocalCluster;
import org.junit.jupiter.api.Test;

/**
 * The futures API on an in-JVM cluster (workers as threads, real TCP between them) with the client attached directly
 * to the scheduler: fast to start. Also what only such a client does.
 */
class FuturesApiTest extends FuturesApiContract {

    FuturesApiTest() {
        super(ClusterExtension.inJvm(2).threadsPerWorker(2));
    }

    @Test
    void aLocalClustersClientReachesItsSchedulerWithoutASocketAndSharesKeysWithATcpClient() {
        Session direct = ((ClientImpl) cluster.client()).session();
        assertThat(direct.schedulerComm()).isInstanceOf(io.jdask.protocol.DirectComm.class);
        assertThat(direct.schedulerComm().peer().role()).isEqualTo("scheduler");
        try (Client remote = Client.connect(cluster.cluster().schedulerAddress())) {
            assertThat(((ClientImpl) remote).session().schedulerComm())
                    .isNotInstanceOf(io.jdask.protocol.DirectComm.class);
            Future<Integer> here = cluster.client().submit(Ops::inc, 41);
            // The same cluster serves both: the TCP client builds on a key the direct client made, by its future.
            Future<Integer> there = remote.submit(Ops::add, 1, 1);
            assertThat(here.result()).isEqualTo(42);
            assertThat(there.result()).isEqualTo(2);
            assertThat(remote.submit(Ops::square, 9).result()).isEqualTo(81);
        }
        assertThat(cluster.client().submit(Ops::inc, 1).result()).isEqualTo(2); // the direct client is unaffected
    }

    @Test
    void aDirectClientLearnsWhenItsClusterCloses() {
        try (LocalCluster own = LocalCluster.builder()
                .workers(1)
                .threadsPerWorker(1)
                .processes(false)
                .dashboardPort(-1)
                .build()) {
            Client c = Client.connect(own);
            assertThat(((ClientImpl) c).session().schedulerComm()).isInstanceOf(io.jdask.protocol.DirectComm.class);
            assertThat(c.submit(Ops::inc, 1).result()).isEqualTo(2);
            own.close();
            assertThatThrownBy(() -> c.submit(Ops::inc, 1)).isInstanceOf(IllegalStateException.class);
            c.close();
        }
    }
}
