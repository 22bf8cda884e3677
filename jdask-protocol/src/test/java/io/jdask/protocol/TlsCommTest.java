package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Comm contract over mutual TLS on loopback (every contract test runs with both sides holding one cluster's
 * credentials), plus refusals: a peer with another cluster's credentials, or none, fails within seconds with a
 * message that says why, and the listener accepts nothing from it.
 */
final class TlsCommTest extends CommContractTest {
    static final CredentialsMaker.Pem CLUSTER = CredentialsMaker.newCluster(Duration.ofDays(1));
    static final Tls TLS = Tls.fromPem(CLUSTER.caCertificate(), CLUSTER.certificate(), CLUSTER.privateKey());

    /** Refusals must come well before the handshake timeout: a hang would show as this much. */
    static final Duration REFUSAL_TIMEOUT = Duration.ofSeconds(30);

    @Override
    Transport newTransport(CommOptions options) {
        return Transport.tcp(options.toBuilder().ioThreads(2).tls(TLS).build());
    }

    @Override
    String anyListenAddress() {
        return "tls://127.0.0.1:0";
    }

    @Override
    String addressWithoutListener() {
        try (ServerSocket s = new ServerSocket(0)) {
            return "tls://127.0.0.1:" + s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theListenerAndItsConnectionsSpeakTls() throws Exception {
        assertThat(serverTransport.scheme()).isEqualTo("tls");
        assertThat(server.address()).startsWith("tls://127.0.0.1:");
        Comm c = connect(new Inbox());
        assertThat(c.remoteAddress()).isEqualTo(server.address());
        assertThat(acceptedComm().remoteAddress()).startsWith("tls://127.0.0.1:");
    }

    @Test
    void aPeerWithAnotherClustersCredentialsIsRefusedDuringTheHandshake() {
        CredentialsMaker.Pem other = CredentialsMaker.newCluster(Duration.ofDays(1));
        try (Transport stranger = Transport.tcp(CommOptions.builder()
                .role("client")
                .tls(Tls.fromPem(other.caCertificate(), other.certificate(), other.privateKey()))
                .build())) {
            CompletableFuture<Comm> f = stranger.connect(server.address(), REFUSAL_TIMEOUT);
            assertThatThrownBy(() -> f.get(REFUSAL_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining(server.address())
                    .hasMessageContaining("TLS handshake with")
                    .hasMessageContaining("not of that cluster's CA");
        }
        assertThat(accepted).as("the listener accepted nothing").isEmpty();
    }

    @Test
    void aPeerWhoseCaIsRightButWhoseCertificateIsForeignIsRefused() {
        // Trusts this cluster's CA (so it would accept the server), but presents another cluster's certificate: the
        // server must refuse it. With TLS 1.3 this refusal reaches the client after its own handshake finished.
        CredentialsMaker.Pem other = CredentialsMaker.newCluster(Duration.ofDays(1));
        try (Transport stranger = Transport.tcp(CommOptions.builder()
                .role("client")
                .tls(Tls.fromPem(CLUSTER.caCertificate(), other.certificate(), other.privateKey()))
                .build())) {
            CompletableFuture<Comm> f = stranger.connect(server.address(), REFUSAL_TIMEOUT);
            assertThatThrownBy(() -> f.get(REFUSAL_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining(server.address())
                    .hasMessageContaining("TLS");
        }
        assertThat(accepted).as("the listener accepted nothing").isEmpty();
    }

    @Test
    void aPlainTcpPeerIsRefusedWithAHintAboutTls() {
        String plainAddress = "tcp://" + server.address().substring("tls://".length());
        try (Transport plain =
                Transport.tcp(CommOptions.builder().role("client").build())) {
            CompletableFuture<Comm> f = plain.connect(plainAddress, REFUSAL_TIMEOUT);
            assertThatThrownBy(() -> f.get(REFUSAL_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining(plainAddress)
                    .hasMessageContaining("connect to its tls:// address");
        }
        assertThat(accepted).as("the listener accepted nothing").isEmpty();
    }

    @Test
    void aTlsPeerOfAPlainListenerFailsSayingSo() throws Exception {
        try (Transport plain =
                Transport.tcp(CommOptions.builder().role("scheduler").build())) {
            CommServer plainServer = plain.listen("tcp://127.0.0.1:0", c -> {});
            String asTls = "tls://" + plainServer.address().substring("tcp://".length());
            CompletableFuture<Comm> f = clientTransport.connect(asTls, REFUSAL_TIMEOUT);
            assertThatThrownBy(() -> f.get(REFUSAL_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining(asTls)
                    .hasMessageContaining("does not speak TLS");
        }
    }

    @Test
    void aTcpAddressIsRefusedByATlsTransportWithTheReason() {
        assertThatThrownBy(() -> clientTransport.connect("tcp://127.0.0.1:1", REFUSAL_TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls://")
                .hasMessageContaining("TLS credentials");
    }
}
