package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client's warm-up runs the compute path locally and sends nothing. */
class WarmUpTest {
    @RegisterExtension
    static final ClusterExtension cluster = ClusterExtension.inJvm(1);

    @Test
    void computesSeed003sGraphLocallyWithoutSendingATask() {
        Session session = ((ClientImpl) cluster.client()).session();
        assertThat(WarmUp.run(session)).isEqualTo(5);
        // Nothing reached the scheduler: no key is known to the cluster, none is held by this client.
        assertThat(cluster.client().hasWhat().values())
                .allSatisfy(keys -> assertThat(keys).isEmpty());
        assertThat(cluster.client().taskStream()).isEmpty();
    }
}
