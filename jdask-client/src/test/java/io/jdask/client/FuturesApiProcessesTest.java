package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.DirectComm;
import org.junit.jupiter.api.Test;

/** The futures API on worker processes (a small heap each), with the client on the scheduler's TCP port. */
class FuturesApiProcessesTest extends FuturesApiContract {

    FuturesApiProcessesTest() {
        super(ClusterExtension.processes(2).threadsPerWorker(2).clientOverTcp());
    }

    @Test
    void theClientTalksToTheSchedulerOverTcpAndTheWorkersAreOtherProcesses() {
        assertThat(((ClientImpl) cluster.client()).session().schedulerComm()).isNotInstanceOf(DirectComm.class);
        assertThat(cluster.client().submit(Ops::pid, 0).result())
                .isNotEqualTo(ProcessHandle.current().pid());
    }
}
