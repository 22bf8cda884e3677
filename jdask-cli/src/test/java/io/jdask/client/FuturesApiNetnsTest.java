package io.jdask.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.cli.netns.NetnsCluster;
import org.junit.jupiter.api.Test;

/**
 * The futures API across network namespaces with mutual TLS: the scheduler and two workers each in a namespace of
 * their own, started with the jdask command; the client in the test JVM on its own link. Runs as root only, and fails
 * (never skips) elsewhere.
 */
class FuturesApiNetnsTest extends FuturesApiContract {
    private static final NetnsCluster NETNS = new NetnsCluster(2, 2);

    FuturesApiNetnsTest() {
        super(ClusterExtension.external(NETNS));
    }

    @Test
    void theClusterSpansThreeNamespacesOverTls() {
        String subnet = NETNS.network()
                .clientAddress()
                .substring(0, NETNS.network().clientAddress().lastIndexOf('.'));
        assertThat(cluster.client().schedulerAddress()).isEqualTo(NETNS.schedulerAddress());
        assertThat(NETNS.schedulerAddress()).startsWith("tls://" + subnet + ".10:");
        assertThat(cluster.client().nthreads().keySet())
                .containsExactlyInAnyOrder(NETNS.workerAddress(0), NETNS.workerAddress(1))
                .allMatch(a -> a.startsWith("tls://" + subnet + "."));
        assertThat(NETNS.workerAddress(0)).isNotEqualTo(NETNS.workerAddress(1));
    }
}
