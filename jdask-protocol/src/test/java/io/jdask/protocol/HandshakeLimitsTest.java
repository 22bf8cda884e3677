package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Safe defaults with real sockets: connections that never complete a handshake are closed after the handshake
 * timeout, and at most {@code maxHandshaking} of them are admitted at once; a real peer still gets in.
 */
final class HandshakeLimitsTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    final List<Socket> idle = new ArrayList<>();
    Transport server;
    Transport client;

    @AfterEach
    void closeAll() throws IOException {
        for (Socket s : idle) {
            s.close();
        }
        if (client != null) client.close();
        if (server != null) server.close();
    }

    private CommOptions.Builder options(boolean tls) {
        CommOptions.Builder b = CommOptions.builder().ioThreads(2);
        return tls ? b.tls(TlsCommTest.TLS) : b;
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void twoHundredSilentConnectionsAreClosedAfterTheTimeoutWhileARealPeerGetsIn(boolean tls) throws Exception {
        server = Transport.tcp(options(tls)
                .role("scheduler")
                .handshakeTimeout(Duration.ofSeconds(2))
                .build());
        CommServer listener = server.listen((tls ? "tls" : "tcp") + "://127.0.0.1:0", c -> c.setHandler(echo()));
        int port = port(listener.address());
        for (int i = 0; i < 200; i++) {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(1);
            idle.add(s);
        }
        client = Transport.tcp(options(tls).role("client").build());
        Comm real = client.connect(listener.address(), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        CommContractTest.Inbox inbox = new CommContractTest.Inbox();
        real.setHandler(inbox);
        real.send(Ping.of(1));
        assertThat(((Pong) inbox.take()).id()).isEqualTo(1);

        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(20)).until(() -> idle.stream().allMatch(HandshakeLimitsTest::closedByPeer));
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("closed by the 2 s handshake timeout, not by something slower")
                .isLessThan(Duration.ofSeconds(10));
        real.send(Ping.of(2));
        assertThat(((Pong) inbox.take()).id())
                .as("the real peer is still connected")
                .isEqualTo(2);
    }

    @Test
    void connectionsBeyondTheHandshakingBoundAreClosedAtOnceAndThePlacesComeBack() throws Exception {
        server = Transport.tcp(options(false)
                .role("scheduler")
                .handshakeTimeout(Duration.ofSeconds(3))
                .maxHandshaking(10)
                .build());
        CommServer listener = server.listen("tcp://127.0.0.1:0", c -> c.setHandler(echo()));
        int port = port(listener.address());
        for (int i = 0; i < 10; i++) {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(1);
            idle.add(s);
        }
        await().atMost(WAIT).until(() -> ((TcpTransport) server).handshaking(listener) == 10);
        Socket extra = new Socket("127.0.0.1", port);
        extra.setSoTimeout(1);
        idle.add(extra);
        await().atMost(Duration.ofSeconds(2)).until(() -> closedByPeer(extra));
        assertThat(idle.subList(0, 10)).noneMatch(HandshakeLimitsTest::closedByPeer);

        // Once the silent ones time out, there is room again.
        await().atMost(WAIT).until(() -> idle.subList(0, 10).stream().allMatch(HandshakeLimitsTest::closedByPeer));
        client = Transport.tcp(options(false).role("client").build());
        Comm real = client.connect(listener.address(), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        CommContractTest.Inbox inbox = new CommContractTest.Inbox();
        real.setHandler(inbox);
        real.send(Ping.of(5));
        assertThat(((Pong) inbox.take()).id()).isEqualTo(5);
        assertThat(((TcpTransport) server).handshaking(listener)).isZero();
    }

    private static CommHandler echo() {
        return new CommHandler() {
            @Override
            public void onMessage(Comm c, Message m) {
                if (m instanceof Ping p) {
                    c.send(Pong.answering(p));
                }
            }

            @Override
            public void onClose(Comm c, CloseReason reason) {}
        };
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    /**
     * Whether the server closed this socket: reading past whatever it sent (its handshake in plain TCP) reaches end
     * of stream or a reset; a read that times out means it is still open.
     */
    static boolean closedByPeer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        } catch (IOException e) {
            return true;
        }
    }
}
