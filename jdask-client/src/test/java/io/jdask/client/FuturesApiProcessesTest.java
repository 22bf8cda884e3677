package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.Client;
import io.jdask.LocalCluster;
import io.jdask.protocol.DirectComm;
import org.junit.jupiter.api.Test;

/** The futures API on worker processes (a small heap each), with the client on the scheduler's TCP port. */
class FuturesApiProcessesTest extends FuturesApiContract {

    @Override
    LocalCluster startCluster() {
        return LocalCluster.builder()
                .workers(2)
                .threadsPerWorker(2)
                .processes(true)
                .memoryLimit("256MB")
                .build();
    }

    @Override
    Client connect(LocalCluster cluster) {
        return Client.connect(cluster.schedulerAddress());
    }

    @Test
    void theClientTalksToTheSchedulerOverTcpAndTheWorkersAreOtherProcesses() {
        assertThat(((ClientImpl) client).session().schedulerComm()).isNotInstanceOf(DirectComm.class);
        assertThat(client.submit(Ops::pid, 0).result())
                .isNotEqualTo(ProcessHandle.current().pid());
    }
}
