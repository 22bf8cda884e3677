package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Comm contract for the in-JVM {@link DirectComm}, and what is special to it (delivery on the sender's thread). */
class DirectCommTest {
    private static final Handshake CLIENT = new Handshake(Protocol.VERSION, 1, "client", "c");
    private static final Handshake SCHEDULER = new Handshake(Protocol.VERSION, 1, "scheduler", "s");

    /** Records what arrives; checks that no two calls overlap. */
    static final class Recorder implements CommHandler {
        final List<Object> got = Collections.synchronizedList(new ArrayList<>());
        final List<CloseReason> closes = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger inside = new AtomicInteger();
        volatile boolean overlapped;

        @Override
        public void onMessage(Comm comm, Message message) {
            if (inside.incrementAndGet() != 1) overlapped = true;
            got.add(((Ping) message).id());
            inside.decrementAndGet();
        }

        @Override
        public void onClose(Comm comm, CloseReason reason) {
            closes.add(reason);
        }
    }

    private static DirectComm[] pair() {
        return DirectComm.pair(CLIENT, "direct://client", SCHEDULER, "direct://scheduler");
    }

    private static Ping ping(long seq) {
        return new Ping(seq, new byte[0]);
    }

    @Test
    void eachEndSeesThePeersHandshakeAndAddresses() {
        DirectComm[] p = pair();
        assertThat(p[0].peer().role()).isEqualTo("scheduler");
        assertThat(p[1].peer().role()).isEqualTo("client");
        assertThat(p[0].remoteAddress()).isEqualTo("direct://scheduler");
        assertThat(p[1].remoteAddress()).isEqualTo("direct://client");
    }

    @Test
    void messagesSentBeforeTheHandlerAreHeldAndDeliveredInOrder() {
        DirectComm[] p = pair();
        for (long i = 0; i < 100; i++) p[0].send(ping(i));
        Recorder r = new Recorder();
        p[1].setHandler(r);
        assertThat(r.got).containsExactlyElementsOf(range(100));
        p[0].send(ping(100));
        assertThat(r.got).hasSize(101).endsWith(100L); // delivered on the sending thread, before send returns
    }

    @Test
    void concurrentSendersKeepPerThreadOrderAndTheHandlerIsNeverReentered() throws Exception {
        DirectComm[] p = pair();
        Recorder r = new Recorder();
        p[1].setHandler(r);
        int threads = 4;
        int each = 20_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = (long) t * each;
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (long i = 0; i < each; i++) p[0].send(ping(base + i));
            }));
        }
        go.countDown();
        for (Thread t : ts) t.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(r.got).hasSize(threads * each);
        assertThat(r.overlapped).isFalse();
        long[] last = new long[threads];
        java.util.Arrays.fill(last, -1);
        for (Object o : r.got) {
            long v = (Long) o;
            int t = (int) (v / each);
            assertThat(v).isGreaterThan(last[t]);
            last[t] = v;
        }
    }

    @Test
    void aHandlerThatAnswersOnTheSameConnectionDoesNotDeadlockOrRecurse() throws Exception {
        DirectComm[] p = pair();
        Recorder client = new Recorder();
        AtomicInteger depth = new AtomicInteger();
        AtomicInteger maxDepth = new AtomicInteger();
        p[1].setHandler((comm, m) -> { // the "scheduler" echoes every ping back
            maxDepth.accumulateAndGet(depth.incrementAndGet(), Math::max);
            comm.send(m);
            depth.decrementAndGet();
        });
        p[0].setHandler(new CommHandler() {
            @Override
            public void onMessage(Comm comm, Message m) {
                long seq = ((Ping) m).id();
                client.got.add(seq);
                if (seq < 1000) comm.send(ping(seq + 1)); // and the "client" answers each echo
            }
        });
        Thread t = Thread.ofPlatform().start(() -> p[0].send(ping(0)));
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(t.isAlive()).isFalse();
        assertThat(client.got).containsExactlyElementsOf(range(1001));
        assertThat(maxDepth.get()).isEqualTo(1); // a thousand exchanges without growing the stack
    }

    @Test
    void closingNotifiesBothSidesAfterEarlierMessagesAndStopsSends() throws Exception {
        DirectComm[] p = pair();
        Recorder server = new Recorder();
        Recorder client = new Recorder();
        p[1].setHandler(server);
        p[0].setHandler(client);
        p[0].send(ping(1));
        p[0].send(ping(2));
        p[0].close();
        p[0].close(); // idempotent
        assertThat(server.got).containsExactly(1L, 2L);
        assertThat(server.closes)
                .singleElement()
                .satisfies(c -> assertThat(c.kind()).isEqualTo(CloseReason.Kind.REMOTE));
        assertThat(client.closes)
                .singleElement()
                .satisfies(c -> assertThat(c.kind()).isEqualTo(CloseReason.Kind.LOCAL));
        assertThat(p[0].closeFuture().get(1, TimeUnit.SECONDS).kind()).isEqualTo(CloseReason.Kind.LOCAL);
        assertThat(p[1].closeFuture().get(1, TimeUnit.SECONDS).kind()).isEqualTo(CloseReason.Kind.REMOTE);
        assertThat(p[0].isOpen()).isFalse();
        assertThat(p[1].isOpen()).isFalse();
        assertThatThrownBy(() -> p[1].send(ping(3)))
                .isInstanceOf(CommClosedException.class)
                .hasMessageContaining("direct://client");
    }

    @Test
    void aHandlerThatThrowsClosesItsConnectionWithAnError() {
        DirectComm[] p = pair();
        Recorder client = new Recorder();
        p[0].setHandler(client);
        List<CloseReason> serverCloses = new ArrayList<>();
        p[1].setHandler(new CommHandler() {
            @Override
            public void onMessage(Comm comm, Message m) {
                throw new IllegalStateException("bad message");
            }

            @Override
            public void onClose(Comm comm, CloseReason reason) {
                serverCloses.add(reason);
            }
        });
        p[0].send(ping(1));
        assertThat(serverCloses).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(CloseReason.Kind.ERROR);
            assertThat(c.detail()).contains("bad message");
        });
        assertThat(client.closes)
                .singleElement()
                .satisfies(c -> assertThat(c.kind()).isEqualTo(CloseReason.Kind.REMOTE));
    }

    @Test
    void settingTheHandlerTwiceIsAnError() {
        DirectComm[] p = pair();
        p[0].setHandler(new Recorder());
        assertThatThrownBy(() -> p[0].setHandler(new Recorder()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already set");
    }

    private static List<Long> range(int n) {
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < n; i++) out.add(i);
        return out;
    }
}
