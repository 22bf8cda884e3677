package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Framing, handshake and batching of {@link NettyComm} without sockets: two
 * {@link EmbeddedChannel}s whose outbound buffers the test carries across by hand, so every
 * byte and every flush is visible and nothing depends on timing.
 */
final class NettyCommEmbeddedTest {
    static final Handshake LOCAL =
            new Handshake(Protocol.VERSION, MessageCodec.messages().fingerprint(), "worker", "a");

    /** One end: a channel with FrameDecoder + NettyComm, and what its comm received. */
    static final class End {
        final EmbeddedChannel ch = new EmbeddedChannel(false, false);
        final CompletableFuture<NettyComm> ready = new CompletableFuture<>();
        final CompletableFuture<CloseReason> failed = new CompletableFuture<>();
        final List<Message> received = new ArrayList<>();
        final NettyComm comm;

        End(Handshake local, int maxFrameBytes) {
            FrameDecoder frames = new FrameDecoder(maxFrameBytes);
            comm = new NettyComm(
                    ch,
                    MessageCodec.messages(),
                    local,
                    frames,
                    Duration.ofSeconds(10).toNanos(),
                    ready::complete,
                    failed::complete);
            ch.pipeline().addLast(frames, comm);
            try {
                ch.register();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            comm.setHandler((c, m) -> received.add(m));
        }

        End() {
            this(LOCAL, Protocol.DEFAULT_MAX_FRAME_BYTES);
        }

        /** Moves everything this end wrote into {@code other}'s inbound side. */
        int pumpTo(End other) {
            ch.runPendingTasks();
            int n = 0;
            ByteBuf b;
            while ((b = ch.readOutbound()) != null) {
                other.ch.writeInbound(b);
                n++;
            }
            return n;
        }

        /** Drops what this end wrote (its handshake, when the test plays the peer by hand). */
        void discardOutbound() {
            ch.runPendingTasks();
            ch.releaseOutbound();
        }

        CloseReason closeReason() {
            ch.runPendingTasks();
            assertThat(comm.closeFuture()).as("closed").isDone();
            return comm.closeFuture().join();
        }
    }

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private ch.qos.logback.classic.Logger commLogger;

    @BeforeEach
    void captureLogs() {
        commLogger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(NettyComm.class);
        logs.start();
        commLogger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        commLogger.detachAppender(logs);
    }

    private List<String> warnings() {
        return logs.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static End connectedTo(End a) {
        End b = new End();
        a.pumpTo(b);
        b.pumpTo(a);
        assertThat(a.ready).isCompleted();
        assertThat(b.ready).isCompleted();
        return b;
    }

    private static ByteBuf frame(byte[] body) {
        return Unpooled.buffer().writeInt(body.length).writeBytes(body);
    }

    private static End afterHandshake(int maxFrameBytes) {
        End e = new End(LOCAL, maxFrameBytes);
        e.discardOutbound();
        e.ch.writeInbound(frame(HandshakeCodec.encode(LOCAL)));
        assertThat(e.ready).isCompleted();
        return e;
    }

    @Test
    void tenThousandSendsBecomeOneFlushAndArriveInOrder() {
        End a = new End();
        End b = connectedTo(a);
        for (int i = 0; i < 10_000; i++) {
            a.comm.send(Ping.of(i));
        }
        assertThat(a.comm.flushCount())
                .as("nothing flushed before the loop's next turn")
                .isZero();
        a.ch.runPendingTasks();
        assertThat(a.comm.flushCount()).isEqualTo(1);
        assertThat(a.comm.frameCount()).isEqualTo(10_000);
        a.pumpTo(b);
        assertThat(b.received).hasSize(10_000);
        for (int i = 0; i < 10_000; i++) {
            assertThat(((Ping) b.received.get(i)).id()).isEqualTo(i);
        }
    }

    @Test
    void aSendBatchHoldsTheFlushUntilItClosesEvenIfTheLoopRunsMeanwhile() {
        End a = new End();
        End b = connectedTo(a);
        long flushesBefore = a.comm.flushCount();
        try (SendBatch outer = SendBatch.open()) {
            a.comm.send(Ping.of(1));
            try (SendBatch inner = SendBatch.open()) {
                a.comm.send(Ping.of(2));
            }
            a.ch.runPendingTasks(); // the I/O loop gets a turn mid-batch: nothing was handed to it
            assertThat(a.comm.flushCount())
                    .as("no flush while the batch is open")
                    .isEqualTo(flushesBefore);
            a.comm.send(Ping.of(3));
        }
        assertThat(SendBatch.isOpen()).isFalse();
        a.ch.runPendingTasks();
        assertThat(a.comm.flushCount()).as("one flush for the whole batch").isEqualTo(flushesBefore + 1);
        a.pumpTo(b);
        assertThat(b.received).extracting(m -> ((Ping) m).id()).containsExactly(1L, 2L, 3L);
        // Outside a batch, a lone send is handed over at once again.
        a.comm.send(Ping.of(4));
        a.ch.runPendingTasks();
        assertThat(a.comm.flushCount()).isEqualTo(flushesBefore + 2);
    }

    @Test
    void aConnectionKeptByACloseStaysHeldAcrossBatchesUntilACloseLetsItGo() {
        End a = new End();
        End b = connectedTo(a);
        End c = new End();
        End d = connectedTo(c);
        long aBefore = a.comm.flushCount();
        long cBefore = c.comm.flushCount();
        SendBatch first = SendBatch.open();
        a.comm.send(Ping.of(1));
        c.comm.send(Ping.of(10));
        first.close(comm -> comm == a.comm);
        assertThat(first.keepsConnections()).isTrue();
        a.ch.runPendingTasks();
        c.ch.runPendingTasks();
        assertThat(a.comm.flushCount()).as("kept: not flushed").isEqualTo(aBefore);
        assertThat(c.comm.flushCount()).as("not kept: flushed at close").isEqualTo(cBefore + 1);

        a.comm.send(Ping.of(2)); // outside any batch: rides along with the kept flush instead of flushing alone
        a.ch.runPendingTasks();
        assertThat(a.comm.flushCount()).isEqualTo(aBefore);
        try (SendBatch second = SendBatch.open()) {
            a.comm.send(Ping.of(3));
            assertThat(second.keepsConnections())
                    .as("inside a batch nothing counts as kept")
                    .isFalse();
        } // a plain close keeps nothing
        assertThat(first.keepsConnections()).isFalse();
        a.ch.runPendingTasks();
        assertThat(a.comm.flushCount()).as("one flush for everything held").isEqualTo(aBefore + 1);
        a.pumpTo(b);
        c.pumpTo(d);
        assertThat(b.received).extracting(m -> ((Ping) m).id()).containsExactly(1L, 2L, 3L);
        assertThat(d.received).extracting(m -> ((Ping) m).id()).containsExactly(10L);
    }

    @Test
    void aBatchsMessagesShareOneFrameAndArriveOneByOneInOrder() {
        End a = new End();
        End b = connectedTo(a);
        List<Message> sent = List.of(
                Ping.of(1),
                new SchedulerMsg.ComputeTask(
                        "inc-1",
                        7,
                        new byte[] {1, 2, 3},
                        "client-1",
                        new long[] {0, 1, 2},
                        java.util.Map.of("x", List.of("tcp://w:1")),
                        java.util.Map.of("x", 8L),
                        java.util.Map.of(),
                        "s-1"),
                new SchedulerMsg.ComputeTask(
                        "inc-2",
                        8,
                        new byte[MessageCodec.OUT_OF_BAND_THRESHOLD + 1],
                        "client-1",
                        new long[] {0, 1, 3},
                        java.util.Map.of(),
                        java.util.Map.of(),
                        java.util.Map.of(),
                        "s-1"),
                new WorkerMsg.TaskFinished("inc-1", 7, 8, "java.lang.Integer", 10, 20, 0, new byte[] {9}, "s-2"),
                new SchedulerMsg.KeyInMemory("inc-1", "java.lang.Integer", 8, List.of("tcp://w:1"), null),
                Ping.of(2));
        long framesBefore = a.comm.frameCount();
        try (SendBatch batch = SendBatch.open()) {
            for (Message m : sent) {
                a.comm.send(m);
            }
        }
        a.ch.runPendingTasks();
        assertThat(a.comm.frameCount() - framesBefore)
                .as("one frame for the batch")
                .isEqualTo(1);
        a.pumpTo(b);
        assertThat(b.received)
                .as("unpacked: the handler never sees a Batch")
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(sent);
    }

    @Test
    void aBigBatchIsSplitIntoFramesOfAtMostMaxBatchMessages() {
        End a = new End();
        End b = connectedTo(a);
        int n = 2 * NettyComm.MAX_BATCH_MESSAGES + 3;
        long framesBefore = a.comm.frameCount();
        try (SendBatch batch = SendBatch.open()) {
            for (int i = 0; i < n; i++) {
                a.comm.send(Ping.of(i));
            }
        }
        a.ch.runPendingTasks();
        assertThat(a.comm.frameCount() - framesBefore).isEqualTo(3);
        a.pumpTo(b);
        assertThat(b.received).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(((Ping) b.received.get(i)).id()).isEqualTo(i);
        }
    }

    @Test
    void aCloseInsideABatchStillSendsWhatTheBatchHeld() {
        End a = new End();
        End b = connectedTo(a);
        try (SendBatch batch = SendBatch.open()) {
            a.comm.send(Ping.of(1));
            a.comm.send(Ping.of(2));
            a.comm.close();
        }
        a.pumpTo(b);
        assertThat(b.received).extracting(m -> ((Ping) m).id()).containsExactly(1L, 2L);
    }

    @Test
    void anotherThreadsSendWhileABatchHoldsTheConnectionRidesAlongInItsOwnFrame() throws Exception {
        End a = new End();
        End b = connectedTo(a);
        try (SendBatch batch = SendBatch.open()) {
            a.comm.send(Ping.of(1));
            CompletableFuture.runAsync(() -> a.comm.send(Ping.of(100))).get(10, TimeUnit.SECONDS);
            a.ch.runPendingTasks();
            assertThat(a.ch.outboundMessages())
                    .as("held by the batch, not flushed by the other thread")
                    .isEmpty();
            a.comm.send(Ping.of(2));
        }
        a.pumpTo(b);
        assertThat(b.received).extracting(m -> ((Ping) m).id()).containsExactly(100L, 1L, 2L);
    }

    @Test
    void aBatchInsideABatchClosesTheConnection() {
        End e = afterHandshake(Protocol.DEFAULT_MAX_FRAME_BYTES);
        byte[] body =
                MessageCodec.messages().encodeBody(new Batch(List.of(Ping.of(1), new Batch(List.of(Ping.of(2))))));
        e.ch.writeInbound(frame(body));
        assertThat(e.closeReason().kind()).isEqualTo(CloseReason.Kind.ERROR);
        assertThat(e.closeReason().detail()).contains("a Batch inside a Batch");
        assertThat(e.received)
                .as("what came before the bad message was delivered")
                .extracting(m -> ((Ping) m).id())
                .containsExactly(1L);
    }

    @Test
    void aSendBatchMustBeClosedByItsOwnThread() throws Exception {
        SendBatch batch = SendBatch.open();
        try {
            CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(() -> {
                try {
                    batch.close();
                    return null;
                } catch (IllegalStateException e) {
                    return e;
                }
            });
            assertThat(failure.get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("must be closed by the thread that opened it");
        } finally {
            batch.close();
        }
        assertThat(SendBatch.isOpen()).isFalse();
    }

    @Test
    void aFrameSplitIntoSingleBytesIsReassembled() {
        End a = new End();
        End b = connectedTo(a);
        a.comm.send(new Ping(5, new byte[MessageCodec.OUT_OF_BAND_THRESHOLD + 3]));
        a.comm.send(Ping.of(6));
        a.ch.runPendingTasks();
        ByteBuf all = Unpooled.buffer();
        ByteBuf part;
        while ((part = a.ch.readOutbound()) != null) {
            all.writeBytes(part);
            part.release();
        }
        while (all.isReadable()) {
            b.ch.writeInbound(all.readRetainedSlice(1));
        }
        all.release();
        assertThat(b.received).extracting(m -> ((Ping) m).id()).containsExactly(5L, 6L);
        assertThat(((Ping) b.received.get(0)).payload()).hasSize(MessageCodec.OUT_OF_BAND_THRESHOLD + 3);
    }

    @Test
    void anOversizedLengthClosesTheConnectionWithOneLogLine() {
        End e = afterHandshake(1024);
        e.ch.writeInbound(Unpooled.buffer().writeInt(1_000_000).writeBytes(new byte[100]));
        assertThat(e.ch.isOpen()).isFalse();
        CloseReason r = e.closeReason();
        assertThat(r.kind()).isEqualTo(CloseReason.Kind.ERROR);
        assertThat(r.detail()).contains("frame length 1000000").contains("[0, 1024]");
        assertThat(e.received).isEmpty();
        assertThat(warnings()).hasSize(1).first().asString().contains("frame length 1000000");
    }

    @Test
    void aNegativeLengthIsRejected() {
        End e = afterHandshake(1024);
        e.ch.writeInbound(Unpooled.buffer().writeInt(-5));
        assertThat(e.closeReason().detail()).contains("frame length -5");
    }

    @Test
    void aTruncatedFrameIsReportedWhenTheConnectionCloses() {
        End e = afterHandshake(1024);
        // A plausible start: 100 body bytes, of which 92 in band; 50 of them arrive.
        e.ch.writeInbound(Unpooled.buffer().writeInt(100).writeInt(92).writeBytes(new byte[46]));
        assertThat(e.ch.isOpen()).as("still waiting for the rest").isTrue();
        e.ch.close();
        CloseReason r = e.closeReason();
        assertThat(r.kind()).isEqualTo(CloseReason.Kind.ERROR);
        assertThat(r.detail()).contains("middle of a frame").contains("50 of 100 body bytes");
        assertThat(warnings()).hasSize(1);
    }

    @Test
    void garbageBodyAfterTheHandshakeClosesTheConnection() {
        End e = afterHandshake(1024);
        e.ch.writeInbound(frame(new byte[] {0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 9}));
        CloseReason r = e.closeReason();
        assertThat(r.kind()).isEqualTo(CloseReason.Kind.ERROR);
        // in band 3 bytes, then a count of 9 buffers in a body with no bytes left: the frame decoder refuses it
        assertThat(r.detail()).contains("malformed frame of 11 bytes").contains("buffer count 9");
        assertThat(e.received).isEmpty();
        assertThat(warnings()).hasSize(1);
    }

    @Test
    void aWellFramedBodyThatIsNotAMessageClosesTheConnection() {
        End e = afterHandshake(1024);
        e.ch.writeInbound(frame(new byte[] {0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0})); // sections add up; Fory refuses 1 2 3
        CloseReason r = e.closeReason();
        assertThat(r.kind()).isEqualTo(CloseReason.Kind.ERROR);
        assertThat(r.detail()).contains("malformed Message frame");
        assertThat(e.received).isEmpty();
    }

    @Test
    void aBigScatteredValueGoesOutInPiecesAndArrivesWhole() {
        End a = new End();
        End b = connectedTo(a);
        byte[] big = new byte[3 * MessageCodec.CHUNK_BYTES + 17];
        new java.util.Random(2).nextBytes(big);
        a.comm.send(new DataMsg.PutData(4, Map.of("x", new Serialized(Serializer.TAG_BYTES, big))));
        a.comm.send(Ping.of(7)); // a frame after the big one is not mixed into it
        assertThat(a.pumpTo(b)).as("header, length, 4 slices, the ping").isEqualTo(7);
        assertThat(b.received).hasSize(2);
        assertThat(((DataMsg.PutData) b.received.get(0)).values().get("x").bytes())
                .isEqualTo(big);
        assertThat(((Ping) b.received.get(1)).id()).isEqualTo(7);
    }

    @Test
    void aBigValueWaitsForWritabilityAndFramesSentMeanwhileWaitBehindIt() {
        End a = new End();
        End b = connectedTo(a);
        byte[] big = new byte[2 * MessageCodec.CHUNK_BYTES];
        new java.util.Random(3).nextBytes(big);
        a.ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // a socket that takes nothing for now
        a.comm.send(new DataMsg.PutData(4, Map.of("x", new Serialized(Serializer.TAG_BYTES, big))));
        a.comm.send(Ping.of(8));
        assertThat(a.pumpTo(b))
                .as("only the header and the length: the slices wait, and the ping behind them")
                .isEqualTo(2);
        assertThat(b.received).isEmpty();

        a.ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        assertThat(a.pumpTo(b)).as("two slices, then the ping").isEqualTo(3);
        assertThat(b.received).hasSize(2);
        assertThat(((DataMsg.PutData) b.received.get(0)).values().get("x").bytes())
                .isEqualTo(big);
        assertThat(((Ping) b.received.get(1)).id()).isEqualTo(8);
    }

    @Test
    void closeWritesAPausedBigValueWhole() {
        End a = new End();
        End b = connectedTo(a);
        byte[] big = new byte[2 * MessageCodec.CHUNK_BYTES + 5];
        a.ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        a.comm.send(new DataMsg.PutData(4, Map.of("x", new Serialized(Serializer.TAG_BYTES, big))));
        a.ch.runPendingTasks();
        a.comm.close();
        a.pumpTo(b);
        assertThat(b.received).hasSize(1);
        assertThat(((DataMsg.PutData) b.received.get(0)).values().get("x").bytes())
                .hasSize(big.length);
    }

    @Test
    void anHttpRequestIsNotMistakenForAFrame() {
        End e = new End();
        e.discardOutbound();
        e.ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        CloseReason r = e.closeReason();
        assertThat(r.detail()).contains("for a handshake").contains("not a jdask process");
        assertThat(e.ready).isNotDone();
        assertThat(e.failed).isCompletedWithValue(r);
    }

    @Test
    void aWrongMagicNumberSaysWhatWasSeen() {
        End e = new End();
        e.discardOutbound();
        e.ch.writeInbound(frame(new byte[] {(byte) 0xDE, (byte) 0xAD, (byte) 0xBE, (byte) 0xEF, 0, 0, 0, 1}));
        assertThat(e.closeReason().detail()).contains("0xDEADBEEF").contains("0x4A44534B");
    }

    @Test
    void aVersionMismatchNamesBothVersions() {
        End e = new End();
        e.discardOutbound();
        Handshake future = new Handshake(Protocol.VERSION + 1, LOCAL.schemaFingerprint(), "scheduler", "s");
        e.ch.writeInbound(frame(HandshakeCodec.encode(future)));
        CloseReason r = e.closeReason();
        assertThat(r.kind()).isEqualTo(CloseReason.Kind.ERROR);
        assertThat(r.detail())
                .contains("version " + Protocol.VERSION)
                .contains("version " + (Protocol.VERSION + 1))
                .contains("scheduler 's'");
        assertThat(e.failed).isCompleted();
        assertThat(e.ready).isNotDone();
    }

    @Test
    void aSchemaMismatchIsRefused() {
        End e = new End();
        e.discardOutbound();
        e.ch.writeInbound(frame(HandshakeCodec.encode(new Handshake(Protocol.VERSION, 12345L, "client", "c"))));
        assertThat(e.closeReason().detail())
                .contains("schema")
                .contains(Long.toHexString(12345L))
                .contains(Long.toHexString(LOCAL.schemaFingerprint()));
    }

    @Test
    void aPeerThatNeverSendsItsHandshakeIsDroppedAfterTheTimeout() {
        End e = new End();
        e.discardOutbound();
        e.ch.advanceTimeBy(11, TimeUnit.SECONDS);
        e.ch.runScheduledPendingTasks();
        assertThat(e.closeReason().detail()).contains("no handshake").contains("PT10S");
    }

    @Test
    void oneBadConnectionDoesNotDisturbAnother() {
        End a = new End();
        End b = connectedTo(a);
        End bad = afterHandshake(1024);
        bad.ch.writeInbound(Unpooled.buffer().writeInt(Integer.MAX_VALUE));
        assertThat(bad.ch.isOpen()).isFalse();
        a.comm.send(Ping.of(1));
        a.pumpTo(b);
        assertThat(b.received).hasSize(1);
        assertThat(b.comm.isOpen()).isTrue();
    }
}
