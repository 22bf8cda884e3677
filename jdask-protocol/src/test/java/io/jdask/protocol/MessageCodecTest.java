package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jdask.protocol.TestMessage.Circle;
import io.jdask.protocol.TestMessage.Color;
import io.jdask.protocol.TestMessage.Drawing;
import io.jdask.protocol.TestMessage.Empty;
import io.jdask.protocol.TestMessage.Everything;
import io.jdask.protocol.TestMessage.Inner;
import io.jdask.protocol.TestMessage.Square;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Fory-backed record codec: schema discovery, fingerprints, round trips, framing. */
final class MessageCodecTest {
    static final MessageCodec<TestMessage> CODEC = MessageCodec.forSealedRoot(TestMessage.class);

    static Everything sample(byte[] bytes) {
        return new Everything(
                "héllo ✓",
                Long.MIN_VALUE,
                -7,
                Math.PI,
                true,
                bytes,
                new double[] {1.5, -0.0, Double.MAX_VALUE},
                List.of("a", "b"),
                new HashSet<>(Set.of(1L, 2L)),
                Map.of("x", new Inner("in", 3, Color.BLUE)),
                new Inner(null, 0, null),
                Color.GREEN,
                null,
                null,
                List.of(new Inner("l", 1, Color.RED)));
    }

    static TestMessage viaBody(TestMessage m) {
        byte[] body = CODEC.encodeBody(m);
        return CODEC.decode(body, 0, body.length);
    }

    /** Encodes a full frame, splits it with the real FrameDecoder, decodes it. */
    static TestMessage viaFrame(TestMessage m) {
        return viaFrame(CODEC, m);
    }

    static <T> T viaFrame(MessageCodec<T> codec, T m) {
        ByteBuf[] frame = codec.encodeFrame(m, UnpooledByteBufAllocator.DEFAULT);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(Integer.MAX_VALUE - 16));
        ch.pipeline().get(FrameDecoder.class).handshakeDone();
        for (ByteBuf piece : frame) {
            ch.writeInbound(piece);
        }
        FrameDecoder.ReceivedFrame received = ch.readInbound();
        Object rest = ch.readInbound();
        assertThat(rest).isNull();
        return codec.decode(received);
    }

    @Test
    void discoversRecordsAndEnumsReachableFromTheRoot() {
        assertThat(CODEC.types())
                .containsExactlyInAnyOrder(
                        Everything.class,
                        Drawing.class,
                        Empty.class,
                        Inner.class,
                        Color.class,
                        Circle.class,
                        Square.class);
        assertThat(MessageCodec.messages().types()).contains(Ping.class, Pong.class);
    }

    @Test
    void fingerprintIsStableForTheSameSchemaAndDiffersForAnother() {
        assertThat(MessageCodec.forSealedRoot(TestMessage.class).fingerprint()).isEqualTo(CODEC.fingerprint());
        assertThat(CODEC.fingerprint()).isNotEqualTo(MessageCodec.messages().fingerprint());
    }

    @Test
    void everyComponentKindRoundTripsIncludingNulls() {
        Everything m = sample(new byte[] {1, 2, 3});
        for (TestMessage back : List.of(viaBody(m), viaFrame(m))) {
            assertThat(back)
                    .isInstanceOf(Everything.class)
                    .usingRecursiveComparison()
                    .isEqualTo(m);
            assertThat(((Everything) back).missing()).isNull();
        }
    }

    @Test
    void generatedAndFieldByFieldSerializersWriteTheSameBytesAndReadEachOther() {
        // Peers switch to generated serializers independently (CODEGEN_AFTER), so the two kinds must be one format.
        MessageCodec<TestMessage> plain = MessageCodec.forSealedRoot(TestMessage.class, Integer.MAX_VALUE, false);
        MessageCodec<TestMessage> generated = MessageCodec.forSealedRoot(TestMessage.class, 0, false);
        assertThat(plain.generatesSerializers()).isFalse();
        assertThat(generated.generatesSerializers()).isTrue();
        List<TestMessage> samples = List.of(
                sample(new byte[] {1, 2, 3}),
                sample(new byte[40_000]),
                new Drawing(List.of(new Circle(1), new Square(2)), new Square(3)),
                new Empty());
        for (TestMessage m : samples) {
            byte[] a = plain.encodeBody(m);
            byte[] b = generated.encodeBody(m);
            assertThat(b).as("bytes of %s", m.getClass().getSimpleName()).isEqualTo(a);
            assertThat(generated.decode(a, 0, a.length))
                    .usingRecursiveComparison()
                    .isEqualTo(m);
            assertThat(plain.decode(b, 0, b.length)).usingRecursiveComparison().isEqualTo(m);
        }
    }

    @Test
    void theProtocolsOwnMessagesReadTheSameWithEitherKindOfSerializer() {
        MessageCodec<Message> plain = MessageCodec.forSealedRoot(Message.class, Integer.MAX_VALUE, false);
        MessageCodec<Message> generated = MessageCodec.forSealedRoot(Message.class, 0, false);
        Serialized value = new Serialized((byte) 1, new byte[] {4, 5, 6});
        List<Message> samples = List.of(
                new Batch(List.of(new SchedulerMsg.ComputeTask(
                        "inc-1",
                        7,
                        new byte[] {9, 9},
                        "client-1",
                        new long[] {0, 1},
                        Map.of("dep", List.of("tcp://127.0.0.1:1")),
                        Map.of("dep", 12L),
                        Map.of("GPU", 1.0),
                        "s-1"))),
                new Batch(List.of(
                        new WorkerMsg.TaskFinished("inc-1", 7, 3, "java.lang.Long", 1, 2, 0, new byte[] {1}, "s-2"))),
                new DataMsg.DataReply(3, Map.of("inc-1", value), List.of("gone")));
        for (Message m : samples) {
            byte[] a = plain.encodeBody(m);
            byte[] b = generated.encodeBody(m);
            assertThat(b).as("bytes of %s", m).isEqualTo(a);
            assertThat(generated.decode(a, 0, a.length))
                    .usingRecursiveComparison()
                    .isEqualTo(m);
            assertThat(plain.decode(b, 0, b.length)).usingRecursiveComparison().isEqualTo(m);
        }
    }

    @Test
    void aCodecSwitchesToGeneratedSerializersAfterItsThresholdOfMessages() {
        MessageCodec<TestMessage> codec = MessageCodec.forSealedRoot(TestMessage.class, 20, true);
        Everything m = sample(new byte[] {1});
        for (int i = 0; i < 9; i++) {
            assertThat(viaBody(codec, m)).usingRecursiveComparison().isEqualTo(m); // an encode and a decode each
        }
        assertThat(codec.generatesSerializers()).as("18 messages: not yet").isFalse();
        viaBody(codec, m);
        await().atMost(Duration.ofSeconds(30)).until(codec::generatesSerializers);
        for (int i = 0; i < 100; i++) {
            assertThat(viaBody(codec, m)).usingRecursiveComparison().isEqualTo(m);
        }
    }

    @Test
    void warmupMessagesDoNotBringOnTheGeneratedSerializers() {
        MessageCodec<Message> codec = MessageCodec.forSealedRoot(Message.class, 10, true);
        DataMsg.GetData m = new DataMsg.GetData(1, List.of("a", "b"));
        for (int i = 0; i < 50; i++) {
            assertThat(CodecWarmup.roundTrip(codec, m)).isEqualTo(m).isNotSameAs(m);
        }
        assertThat(codec.generatesSerializers()).isFalse();
        for (int i = 0; i < 5; i++) {
            viaBody(codec, m);
        }
        await().atMost(Duration.ofSeconds(30)).until(codec::generatesSerializers);
    }

    @Test
    void eachMessageOfABatchCountsTowardsTheSwitch() {
        MessageCodec<Message> codec = MessageCodec.forSealedRoot(Message.class, 10, true);
        List<Message> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) five.add(new DataMsg.GetData(i, List.of("k" + i)));
        viaBody(codec, new Batch(five)); // five encoded, five decoded
        await().atMost(Duration.ofSeconds(30)).until(codec::generatesSerializers);
    }

    static <T> T viaBody(MessageCodec<T> codec, T m) {
        byte[] body = codec.encodeBody(m);
        return codec.decode(body, 0, body.length);
    }

    @Test
    void sealedInterfaceComponentsAndEmptyRecordsRoundTrip() {
        Drawing d = new Drawing(List.of(new Circle(1), new Square(2)), new Square(3));
        assertThat(viaBody(d)).isEqualTo(d);
        assertThat(viaFrame(d)).isEqualTo(d);
        assertThat(viaBody(new Empty())).isEqualTo(new Empty());
    }

    @Test
    void bigArraysGoOutOfBandAndRoundTrip() {
        byte[] big = new byte[3 * MessageCodec.OUT_OF_BAND_THRESHOLD + 1];
        new Random(1).nextBytes(big);
        Everything m = sample(big);
        byte[] body = CODEC.encodeBody(m);
        // in-band section is small: the payload sits in the out-of-band section after it
        int inband = java.nio.ByteBuffer.wrap(body).getInt();
        assertThat(inband).isLessThan(1024);
        assertThat(((Everything) CODEC.decode(body, 0, body.length)).bytes()).isEqualTo(big);
        assertThat(((Everything) viaFrame(m)).bytes()).isEqualTo(big);
    }

    @Test
    void aFrameBiggerThanAChunkIsBuiltFromPooledPiecesAndReadsBackTheSame() {
        // 2.5 chunks of bytes plus a double[] also out of band: pieces end mid-array and the second buffer follows.
        byte[] big = new byte[MessageCodec.CHUNK_BYTES * 5 / 2 + 3];
        new Random(7).nextBytes(big);
        Everything m = sample(big);
        ByteBuf[] pieces = CODEC.encodeFrame(m, io.netty.buffer.PooledByteBufAllocator.DEFAULT);
        assertThat(pieces).as("no Serialized: one composite").hasSize(1);
        ByteBuf frame = pieces[0];
        try {
            assertThat(frame).isInstanceOf(io.netty.buffer.CompositeByteBuf.class);
            assertThat(((io.netty.buffer.CompositeByteBuf) frame).numComponents())
                    .isGreaterThanOrEqualTo(4);
            byte[] body = CODEC.encodeBody(m);
            assertThat(frame.readInt()).as("length prefix").isEqualTo(body.length);
            byte[] framed = new byte[frame.readableBytes()];
            frame.readBytes(framed);
            assertThat(framed).as("same bytes as the heap encoding").isEqualTo(body);
        } finally {
            frame.release();
        }
        assertThat(frame.refCnt()).isZero();
        assertThat(((Everything) viaFrame(m)).bytes()).isEqualTo(big);
    }

    static DataMsg.PutData putOf(Map<String, Serialized> values) {
        return new DataMsg.PutData(9, values);
    }

    @Test
    void aBigSerializedIsSentFromItsOwnArrayAndReceivedIntoTheArrayTheMessageKeeps() {
        MessageCodec<Message> codec = MessageCodec.messages();
        byte[] big = new byte[MessageCodec.CHUNK_BYTES * 5 / 2 + 3];
        new Random(11).nextBytes(big);
        byte[] small = {4, 5, 6};
        DataMsg.PutData m = putOf(new java.util.LinkedHashMap<>(Map.of(
                "big",
                new Serialized(Serializer.TAG_BYTES, big),
                "small",
                new Serialized(Serializer.TAG_FORY, small))));

        ByteBuf[] pieces = codec.encodeFrame(m, io.netty.buffer.PooledByteBufAllocator.DEFAULT);
        byte[] body = codec.encodeBody(m);
        long total = 0;
        int heapPieces = 0;
        ByteBuf all = io.netty.buffer.Unpooled.buffer();
        for (ByteBuf p : pieces) {
            total += p.readableBytes();
            if (!p.isDirect()) {
                heapPieces++;
                assertThat(p.array())
                        .as("a heap piece is a slice of the value's own array")
                        .isSameAs(big);
                assertThat(p.readableBytes()).isLessThanOrEqualTo(MessageCodec.CHUNK_BYTES);
            }
            all.writeBytes(p, p.readerIndex(), p.readableBytes());
        }
        assertThat(heapPieces).isEqualTo(3);
        assertThat(total).isEqualTo(4L + body.length);
        assertThat(all.readInt()).isEqualTo(body.length);
        byte[] framed = new byte[all.readableBytes()];
        all.readBytes(framed);
        all.release();
        assertThat(framed).as("same bytes as the heap encoding").isEqualTo(body);

        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(Integer.MAX_VALUE - 16));
        ch.pipeline().get(FrameDecoder.class).handshakeDone();
        for (ByteBuf p : pieces) {
            ch.writeInbound(p);
        }
        FrameDecoder.ReceivedFrame received = ch.readInbound();
        assertThat(received.buffers().length).isEqualTo(1);
        DataMsg.PutData back = (DataMsg.PutData) codec.decode(received);
        Serialized got = back.values().get("big");
        assertThat(got.format()).isEqualTo(Serializer.TAG_BYTES);
        assertThat(got.bytes()).as("no copy after receipt").isSameAs(received.buffers()[0]);
        assertThat(got.bytes()).isEqualTo(big);
        assertThat(back.values().get("small").bytes()).isEqualTo(small);
        assertThat(back.values().get("small").format()).isEqualTo(Serializer.TAG_FORY);
    }

    @Test
    void serializedValuesOfEverySizeRoundTripThroughBodyAndFrame() {
        MessageCodec<Message> codec = MessageCodec.messages();
        Random r = new Random(12);
        for (int n : new int[] {
            0,
            1,
            MessageCodec.OUT_OF_BAND_THRESHOLD - 1,
            MessageCodec.OUT_OF_BAND_THRESHOLD,
            MessageCodec.CHUNK_BYTES - 1,
            MessageCodec.CHUNK_BYTES,
            2 * MessageCodec.CHUNK_BYTES
        }) {
            byte[] a = new byte[n];
            r.nextBytes(a);
            DataMsg.DataReply m =
                    new DataMsg.DataReply(3, Map.of("k", new Serialized(Serializer.TAG_BYTES, a)), List.of("gone"));
            byte[] body = codec.encodeBody(m);
            for (Message back : List.of(codec.decode(body, 0, body.length), viaFrame(codec, m))) {
                DataMsg.DataReply reply = (DataMsg.DataReply) back;
                assertThat(reply.values().get("k").bytes()).as("%d bytes", n).isEqualTo(a);
                assertThat(reply.missing()).containsExactly("gone");
            }
        }
    }

    @Test
    void aBodyDecodedWholeDoesNotLendItsArrayToTheValue() {
        // The in-process transport decodes one body array: a Serialized must copy its part, not keep the body.
        MessageCodec<Message> codec = MessageCodec.messages();
        byte[] a = new byte[MessageCodec.OUT_OF_BAND_THRESHOLD * 2];
        Arrays.fill(a, (byte) 7);
        byte[] body = codec.encodeBody(putOf(Map.of("k", new Serialized(Serializer.TAG_BYTES, a))));
        Serialized got =
                ((DataMsg.PutData) codec.decode(body, 0, body.length)).values().get("k");
        assertThat(got.bytes()).hasSize(a.length).isNotSameAs(body).isEqualTo(a);
    }

    @Test
    void decodingRespectsOffsetAndLength() {
        byte[] body = CODEC.encodeBody(new Empty());
        byte[] padded = new byte[body.length + 10];
        System.arraycopy(body, 0, padded, 7, body.length);
        assertThat(CODEC.decode(padded, 7, body.length)).isEqualTo(new Empty());
    }

    @Test
    void truncatedOrCorruptBodiesFailWithProtocolException() {
        byte[] body = CODEC.encodeBody(sample(new byte[100]));
        assertThatThrownBy(() -> CODEC.decode(body, 0, body.length - 1))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("malformed TestMessage frame");
        byte[] flipped = body.clone();
        flipped[0] = 0x7f; // absurd in-band length
        assertThatThrownBy(() -> CODEC.decode(flipped, 0, flipped.length))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("claims");
    }

    @Test
    void aBodyOfAnotherSchemaIsRejected() {
        byte[] ping = MessageCodec.messages().encodeBody(Ping.of(1));
        assertThatThrownBy(() -> CODEC.decode(ping, 0, ping.length)).isInstanceOf(ProtocolException.class);
    }

    sealed interface WithClass permits HasThread {}

    record HasThread(Thread thread) implements WithClass {}

    @Test
    void schemasReachingNonRecordClassesAreRefusedWithAHint() {
        assertThatThrownBy(() -> MessageCodec.forSealedRoot(WithClass.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Thread");
    }

    @Test
    void aNonSealedRootIsRefused() {
        assertThatThrownBy(() -> MessageCodec.forSealedRoot(Runnable.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not sealed");
    }

    /** 200 seeded random messages; a failure names its seed (rerun with -Djdask.test.seed=N). */
    @Test
    void randomValuesRoundTrip() {
        long base = Long.getLong("jdask.test.seed", System.nanoTime());
        for (int i = 0; i < 200; i++) {
            long seed = base + i;
            java.util.Random r = new java.util.Random(seed);
            StringBuilder text = new StringBuilder();
            for (int c = r.nextInt(20); c > 0; c--)
                text.appendCodePoint(r.nextInt(4) == 0 ? 0x1F600 + r.nextInt(50) : 32 + r.nextInt(0x3000));
            byte[] bytes = new byte[r.nextInt(4) == 0 ? r.nextInt(40_000) : r.nextInt(64)];
            r.nextBytes(bytes);
            List<String> names = new ArrayList<>();
            for (int k = r.nextInt(6); k > 0; k--) names.add(Long.toString(r.nextLong(), 36));
            Set<Long> ids = new java.util.HashSet<>();
            for (int k = r.nextInt(6); k > 0; k--) ids.add(r.nextLong());
            Map<String, Integer> counts = new HashMap<>();
            for (int k = r.nextInt(6); k > 0; k--) counts.put(Integer.toString(r.nextInt(1000)), r.nextInt());
            try {
                roundTrips(
                        text.toString(),
                        r.nextLong(),
                        r.nextInt(),
                        r.nextDouble() * 1e6 - 5e5,
                        r.nextBoolean(),
                        bytes,
                        names,
                        ids,
                        counts);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("failed for seed " + seed + " (rerun with -Djdask.test.seed=" + seed + ")", e);
            }
        }
    }

    private void roundTrips(
            String text,
            long big,
            int small,
            double real,
            boolean flag,
            byte[] bytes,
            List<String> names,
            Set<Long> ids,
            Map<String, Integer> counts) {
        Map<String, Inner> byName = new HashMap<>();
        counts.forEach((k, v) -> byName.put(k, new Inner(k, v, Color.values()[Math.floorMod(v, 3)])));
        List<Inner> inners = new ArrayList<>(byName.values());
        Everything m = new Everything(
                text,
                big,
                small,
                real,
                flag,
                bytes,
                new double[] {real},
                names,
                ids,
                byName,
                inners.isEmpty() ? null : inners.get(0),
                flag ? Color.RED : null,
                null,
                small,
                inners);
        Everything back = (Everything) viaBody(m);
        assertThat(back).usingRecursiveComparison().isEqualTo(m);
        assertThat(Arrays.equals(back.bytes(), bytes)).isTrue();
    }
}
