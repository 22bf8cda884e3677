package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The Comm contract over TCP on loopback, plus what only TCP has: sockets and flushes. */
final class TcpCommTest extends CommContractTest {
    @Override
    Transport newTransport(CommOptions options) {
        return Transport.tcp(options.toBuilder().ioThreads(2).build());
    }

    @Override
    String anyListenAddress() {
        return "tcp://127.0.0.1:0";
    }

    @Override
    String addressWithoutListener() {
        try (ServerSocket s = new ServerSocket(0)) {
            return "tcp://127.0.0.1:" + s.getLocalPort(); // free once closed
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void usesNativeEpollOnLinuxAndAnNioPeerUnderstandsIt() throws Exception {
        TcpTransport epoll = (TcpTransport) serverTransport;
        if (System.getProperty("os.name").startsWith("Linux") && "amd64".equals(System.getProperty("os.arch"))) {
            // The native library ships in the epoll jar for linux-x86_64: if it stops loading, this says so.
            assertThat(epoll.flavor())
                    .as(
                            "io.netty.channel.epoll.Epoll.unavailabilityCause(): %s",
                            io.netty.channel.epoll.Epoll.unavailabilityCause())
                    .isEqualTo(TcpTransport.Flavor.EPOLL);
        }
        String before = System.getProperty("jdask.transport");
        System.setProperty("jdask.transport", "nio");
        Transport nio;
        try {
            nio = Transport.tcp(
                    CommOptions.builder().role("client").name("nio-peer").build());
        } finally {
            if (before == null) System.clearProperty("jdask.transport");
            else System.setProperty("jdask.transport", before);
        }
        try {
            assertThat(((TcpTransport) nio).flavor()).isEqualTo(TcpTransport.Flavor.NIO);
            Inbox inbox = new Inbox();
            Comm c = nio.connect(server.address(), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            c.setHandler(inbox);
            c.send(Ping.of(77));
            assertThat(((Pong) inbox.take()).id()).isEqualTo(77);
        } finally {
            nio.close();
        }
    }

    @Test
    void anUnknownTransportNameIsRefusedWithTheChoices() {
        String before = System.getProperty("jdask.transport");
        System.setProperty("jdask.transport", "carrier-pigeon");
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(TcpTransport.Flavor::chosen)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("carrier-pigeon")
                    .hasMessageContaining("jdask.transport")
                    .hasMessageContaining("auto, epoll, nio");
        } finally {
            if (before == null) System.clearProperty("jdask.transport");
            else System.setProperty("jdask.transport", before);
        }
    }

    @Test
    void garbageFromOneSocketClosesOnlyThatSocket() throws Exception {
        Inbox inbox = new Inbox();
        Comm good = connect(inbox);
        String hostPort = server.address().substring("tcp://".length());
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        try (Socket raw = new Socket("127.0.0.1", port)) {
            raw.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = raw.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The server sends its handshake, then closes: read until end of stream.
            var in = raw.getInputStream();
            try {
                while (in.read() >= 0) {
                    // drain
                }
            } catch (java.net.SocketException reset) {
                // Closed with our bytes still unread on its side: the kernel answers with a reset. Closed all the same.
                assertThat(reset).hasMessageContaining("reset");
            }
        }
        good.send(Ping.of(3));
        assertThat(((Pong) inbox.take()).id()).isEqualTo(3);
    }

    @Test
    void sendsFromTheIoThreadAreCoalescedIntoOneFlush() throws Exception {
        int n = 10_000;
        AtomicReference<Comm> serverComm = new AtomicReference<>();
        CommServer burst = serverTransport.listen(anyListenAddress(), c -> {
            serverComm.set(c);
            c.setHandler((comm, m) -> {
                // Runs on the I/O thread: the flush task can only run after this returns.
                for (int i = 0; i < n; i++) {
                    comm.send(Pong.answering(Ping.of(i)));
                }
            });
        });
        try {
            Inbox inbox = new Inbox();
            Comm client = clientTransport.connect(burst.address(), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            client.setHandler(inbox);
            client.send(Ping.of(-1));
            for (int i = 0; i < n; i++) {
                assertThat(((Pong) inbox.take()).id()).isEqualTo(i);
            }
            // The client's receipt of all frames proves the server wrote them; its counters are
            // updated right after the flush call, so poll briefly for visibility.
            NettyComm serverSide = (NettyComm) pollFor(serverComm);
            await().atMost(WAIT).until(() -> serverSide.frameCount() >= n);
            assertThat(serverSide.frameCount()).isEqualTo(n);
            assertThat(serverSide.flushCount()).isEqualTo(1);
        } finally {
            burst.close();
        }
    }
}
