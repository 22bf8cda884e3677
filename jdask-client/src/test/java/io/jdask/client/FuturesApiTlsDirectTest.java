package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.protocol.DirectComm;
import org.junit.jupiter.api.Test;

/**
 * The futures API with TLS where the client sits in the scheduler's JVM ({@code Client.connect(cluster)}, no socket
 * to the scheduler): its connections to workers (results, scatter, actors) and the workers' own connections run TLS.
 */
class FuturesApiTlsDirectTest extends FuturesApiContract {

    FuturesApiTlsDirectTest() {
        super(ClusterExtension.inJvm(2).threadsPerWorker(2).withTemporarySecurity());
    }

    @Test
    void theClientIsDirectAndTheWorkersAreTls() {
        assertThat(((ClientImpl) cluster.client()).session().schedulerComm()).isInstanceOf(DirectComm.class);
        assertThat(cluster.cluster().workerAddresses()).hasSize(2).allMatch(a -> a.startsWith("tls://127.0.0.1:"));
    }
}
