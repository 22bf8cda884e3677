package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Comm}/{@link Transport} contract, run once per transport by a thin subclass
 * (as Dask's {@code test_comms.py} runs every comm test against tcp and inproc).
 *
 * <p>The server echoes every {@link Ping} as a {@link Pong}. No timing assertions: waits poll
 * queues with generous timeouts that only bound a hang.
 */
abstract class CommContractTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    /** A fresh transport of the implementation under test. */
    abstract Transport newTransport(CommOptions options);

    /** An address to listen on that picks a free port or name. */
    abstract String anyListenAddress();

    /** An address of the right scheme where nothing listens. */
    abstract String addressWithoutListener();

    Transport serverTransport;
    Transport clientTransport;
    CommServer server;
    /** Comms the server accepted, in accept order. */
    final BlockingQueue<Comm> accepted = new LinkedBlockingQueue<>();
    /** Close reasons the server's handler saw. */
    final BlockingQueue<CloseReason> serverClosed = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() {
        serverTransport =
                newTransport(CommOptions.builder().role("scheduler").name("s0").build());
        clientTransport =
                newTransport(CommOptions.builder().role("worker").name("w1").build());
        server = serverTransport.listen(anyListenAddress(), comm -> {
            comm.setHandler(new CommHandler() {
                @Override
                public void onMessage(Comm c, Message m) {
                    if (m instanceof Ping p) {
                        c.send(Pong.answering(p));
                    }
                }

                @Override
                public void onClose(Comm c, CloseReason reason) {
                    serverClosed.add(reason);
                }
            });
            accepted.add(comm);
        });
    }

    @AfterEach
    void stop() {
        server.close();
        clientTransport.close();
        serverTransport.close();
    }

    /** Collects what a client comm receives. */
    static final class Inbox implements CommHandler {
        final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
        volatile Thread lastThread;

        @Override
        public void onMessage(Comm comm, Message message) {
            lastThread = Thread.currentThread();
            messages.add(message);
        }

        @Override
        public void onClose(Comm comm, CloseReason reason) {
            closed.complete(reason);
        }

        Message take() throws InterruptedException {
            Message m = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(m).as("a message within %s", WAIT).isNotNull();
            return m;
        }

        List<Message> take(int n) throws InterruptedException {
            List<Message> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(take());
            }
            return out;
        }
    }

    Comm connect(Inbox inbox) throws Exception {
        Comm comm = clientTransport.connect(server.address(), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        comm.setHandler(inbox);
        return comm;
    }

    Comm acceptedComm() throws InterruptedException {
        Comm c = accepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(c).as("an accepted connection").isNotNull();
        return c;
    }

    @Test
    void listenReportsARealAddressAndHandshakeExchangesRoles() throws Exception {
        assertThat(server.address())
                .startsWith(serverTransport.scheme() + "://")
                .doesNotEndWith(":0")
                .isNotEqualTo(serverTransport.scheme() + "://");
        Comm client = connect(new Inbox());
        Comm serverSide = acceptedComm();
        assertThat(client.peer().role()).isEqualTo("scheduler");
        assertThat(client.peer().name()).isEqualTo("s0");
        assertThat(serverSide.peer().role()).isEqualTo("worker");
        assertThat(serverSide.peer().name()).isEqualTo("w1");
        assertThat(client.remoteAddress()).isEqualTo(server.address());
        assertThat(serverSide.remoteAddress()).isEqualTo(client.localAddress());
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void manyMessagesArriveInOrder() throws Exception {
        Inbox inbox = new Inbox();
        Comm client = connect(inbox);
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            client.send(new Ping(i, new byte[] {(byte) i}));
        }
        List<Message> got = inbox.take(n);
        for (int i = 0; i < n; i++) {
            Pong p = (Pong) got.get(i);
            assertThat(p.id()).isEqualTo(i);
            assertThat(p.payload()).containsExactly((byte) i);
        }
        assertThat(inbox.lastThread).isNotEqualTo(Thread.currentThread());
    }

    @Test
    void aFiftyMegabytePayloadRoundTrips() throws Exception {
        Inbox inbox = new Inbox();
        Comm client = connect(inbox);
        byte[] payload = new byte[50 << 20];
        new Random(42).nextBytes(payload);
        client.send(new Ping(7, payload));
        // Sending snapshots the payload: scribbling on it afterwards must not change what arrives.
        byte[] expected = payload.clone();
        payload[0] ^= 1;
        payload[payload.length - 1] ^= 1;
        Pong pong = (Pong) inbox.take();
        assertThat(pong.id()).isEqualTo(7);
        assertThat(pong.payload().length).isEqualTo(expected.length);
        assertThat(java.util.Arrays.equals(pong.payload(), expected))
                .as("payload bytes equal")
                .isTrue();
    }

    @Test
    void concurrentSendersKeepPerThreadOrder() throws Exception {
        Inbox inbox = new Inbox();
        Comm client = connect(inbox);
        int threads = 4;
        int perThread = 2_000;
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = t * 1_000_000L;
            senders.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    client.send(Ping.of(base + i));
                }
            }));
        }
        for (Thread t : senders) {
            t.join(WAIT.toMillis());
        }
        long[] next = new long[threads];
        for (Message m : inbox.take(threads * perThread)) {
            long id = ((Pong) m).id();
            int t = (int) (id / 1_000_000L);
            assertThat(id % 1_000_000L).as("next id from sender %d", t).isEqualTo(next[t]);
            next[t]++;
        }
        assertThat(next).containsOnly(perThread);
    }

    @Test
    void closingTheClientNotifiesTheServer() throws Exception {
        Inbox inbox = new Inbox();
        Comm client = connect(inbox);
        Comm serverSide = acceptedComm();
        client.send(Ping.of(1));
        assertThat(((Pong) inbox.take()).id()).isEqualTo(1);
        client.close();
        CloseReason local = client.closeFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(local.kind()).isEqualTo(CloseReason.Kind.LOCAL);
        assertThat(inbox.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS).kind()).isEqualTo(CloseReason.Kind.LOCAL);
        CloseReason remote = serverSide.closeFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(remote.kind()).isEqualTo(CloseReason.Kind.REMOTE);
        assertThat(serverClosed.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(remote);
        assertThatThrownBy(() -> client.send(Ping.of(2)))
                .isInstanceOf(CommClosedException.class)
                .hasMessageContaining(server.address());
    }

    @Test
    void closingTheServerSideNotifiesTheClientAfterEarlierMessages() throws Exception {
        Inbox inbox = new Inbox();
        Comm client = connect(inbox);
        Comm serverSide = acceptedComm();
        serverSide.send(Pong.answering(Ping.of(99)));
        serverSide.close();
        assertThat(((Pong) inbox.take()).id()).isEqualTo(99);
        CloseReason reason = inbox.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(reason.kind()).isEqualTo(CloseReason.Kind.REMOTE);
        assertThat(client.closeFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(reason);
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void connectingWhereNothingListensFailsWithTheAddress() {
        String nowhere = addressWithoutListener();
        Duration timeout = Duration.ofSeconds(5);
        CompletableFuture<Comm> f = clientTransport.connect(nowhere, timeout);
        assertThatThrownBy(() -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining(nowhere)
                .hasMessageContaining("PT5S");
    }

    @Test
    void messagesArrivingBeforeTheHandlerIsSetAreHeldInOrder() throws Exception {
        AtomicReference<Comm> lateServerSide = new AtomicReference<>();
        CommServer lazy = serverTransport.listen(anyListenAddress(), lateServerSide::set);
        try {
            Comm client = clientTransport.connect(lazy.address(), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            client.setHandler(new Inbox());
            for (int i = 0; i < 100; i++) {
                client.send(Ping.of(i));
            }
            Comm serverSide = pollFor(lateServerSide);
            Inbox serverInbox = new Inbox();
            serverSide.setHandler(serverInbox);
            List<Message> got = serverInbox.take(100);
            for (int i = 0; i < 100; i++) {
                assertThat(((Ping) got.get(i)).id()).isEqualTo(i);
            }
            assertThatThrownBy(() -> serverSide.setHandler(new Inbox()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already set");
        } finally {
            lazy.close();
        }
    }

    @Test
    void aHandlerThatThrowsClosesOnlyItsConnection() throws Exception {
        CommServer throwing = serverTransport.listen(
                anyListenAddress(),
                c -> c.setHandler((comm, m) -> {
                    throw new IllegalStateException("boom");
                }));
        try {
            Inbox bad = new Inbox();
            Comm badClient = clientTransport.connect(throwing.address(), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            badClient.setHandler(bad);
            Inbox good = new Inbox();
            Comm goodClient = connect(good);
            badClient.send(Ping.of(1));
            assertThat(bad.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS).kind())
                    .isEqualTo(CloseReason.Kind.REMOTE);
            goodClient.send(Ping.of(2));
            assertThat(((Pong) good.take()).id()).isEqualTo(2);
            assertThat(goodClient.isOpen()).isTrue();
        } finally {
            throwing.close();
        }
    }

    @Test
    void anOversizedFrameClosesThatConnectionWithAClearReason() throws Exception {
        Transport small = newTransport(
                CommOptions.builder().role("scheduler").maxFrameBytes(64 * 1024).build());
        BlockingQueue<Comm> smallAccepted = new LinkedBlockingQueue<>();
        CommServer smallServer = small.listen(anyListenAddress(), c -> {
            c.setHandler((comm, m) -> {});
            smallAccepted.add(c);
        });
        try {
            Inbox inbox = new Inbox();
            Comm client = clientTransport.connect(smallServer.address(), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            client.setHandler(inbox);
            client.send(new Ping(1, new byte[1 << 20]));
            Comm serverSide = smallAccepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            CloseReason reason = serverSide.closeFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(reason.kind()).isEqualTo(CloseReason.Kind.ERROR);
            assertThat(reason.detail()).contains("frame length").contains(String.valueOf(64 * 1024));
            assertThat(inbox.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS).kind())
                    .isEqualTo(CloseReason.Kind.REMOTE);
            // The transport and its other connections carry on.
            Inbox other = new Inbox();
            Comm second = connect(other);
            second.send(Ping.of(5));
            assertThat(((Pong) other.take()).id()).isEqualTo(5);
        } finally {
            smallServer.close();
            small.close();
        }
    }

    /** The value of {@code ref} once one is set (within {@link #WAIT}). */
    static <T> T pollFor(AtomicReference<T> ref) {
        return await("a value set").atMost(WAIT).until(ref::get, java.util.Objects::nonNull);
    }
}
