package io.jdask.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link FrameDecoder} alone: limits, parsing a body into sections while it arrives, and malformed bodies. */
final class FrameDecoderTest {

    static EmbeddedChannel parsing(int maxFrameBytes) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(maxFrameBytes));
        ch.pipeline().get(FrameDecoder.class).handshakeDone();
        return ch;
    }

    /** One frame of {@code message}, in one heap buffer. */
    static ByteBuf wholeFrame(Message message) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf p : MessageCodec.messages().encodeFrame(message, UnpooledByteBufAllocator.DEFAULT)) {
            all.writeBytes(p);
            p.release();
        }
        return all;
    }

    static DataMsg.PutData put(int n) {
        byte[] a = new byte[n];
        new Random(n).nextBytes(a);
        return new DataMsg.PutData(1, Map.of("k", new Serialized(Serializer.TAG_BYTES, a)));
    }

    @Test
    void aFrameExactlyAtTheLimitPassesAndOneByteMoreIsRefused() {
        ByteBuf frame = wholeFrame(put(100_000));
        int bodyLength = frame.getInt(0);

        EmbeddedChannel ok = parsing(bodyLength);
        ok.writeInbound(frame.retainedDuplicate());
        FrameDecoder.ReceivedFrame f = ok.readInbound();
        assertThat(f.bodyLength()).isEqualTo(bodyLength);
        DataMsg.PutData back = (DataMsg.PutData) MessageCodec.messages().decode(f);
        assertThat(back.values().get("k").bytes())
                .isEqualTo(put(100_000).values().get("k").bytes());

        EmbeddedChannel tooSmall = parsing(bodyLength - 1);
        assertThatThrownBy(() -> tooSmall.writeInbound(frame.retainedDuplicate()))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("frame length " + bodyLength)
                .hasMessageContaining("[0, " + (bodyLength - 1) + "]");
        assertThat((Object) tooSmall.readInbound()).isNull();
        frame.release();
    }

    @Test
    void sectionsSplitAcrossReadsAtEveryByteAreReassembled() {
        ByteBuf frame = wholeFrame(put(3 * MessageCodec.OUT_OF_BAND_THRESHOLD));
        ByteBuf second = wholeFrame(Ping.of(8));
        EmbeddedChannel ch = parsing(Protocol.DEFAULT_MAX_FRAME_BYTES);
        // Uneven reads (1, 2, 3, ... bytes) end inside every kind of section sooner or later.
        frame.writeBytes(second);
        second.release();
        for (int step = 1; frame.isReadable(); step = step % 97 + 1) {
            ch.writeInbound(frame.readRetainedSlice(Math.min(step, frame.readableBytes())));
        }
        frame.release();
        FrameDecoder.ReceivedFrame f = ch.readInbound();
        assertThat(((DataMsg.PutData) MessageCodec.messages().decode(f))
                        .values()
                        .get("k")
                        .bytes())
                .isEqualTo(put(3 * MessageCodec.OUT_OF_BAND_THRESHOLD)
                        .values()
                        .get("k")
                        .bytes());
        assertThat(MessageCodec.messages().decode((FrameDecoder.ReceivedFrame) ch.readInbound()))
                .usingRecursiveComparison()
                .isEqualTo(Ping.of(8));
    }

    /** A body: in-band length and bytes, a buffer count, then (length, bytes) pairs given as raw ints and sizes. */
    static ByteBuf body(int... ints) {
        ByteBuf b = Unpooled.buffer();
        for (int i : ints) {
            b.writeInt(i);
        }
        return Unpooled.buffer().writeInt(b.readableBytes()).writeBytes(b);
    }

    @Test
    void malformedBodiesAreRefusedAndWhatFollowsIsDropped() {
        // in band 0 bytes, 1 buffer claiming 100 bytes in a body with 0 left
        assertRefused(body(0, 1, 100), "out-of-band buffer 0 claims 100 bytes but only 0 remain");
        // in band 0 bytes, 2 buffers: the count needs 8 bytes of lengths and 4 remain
        assertRefused(body(0, 2, 0), "bad out-of-band buffer count 2");
        // in band 0 bytes, 0 buffers, then 4 bytes nobody claimed
        assertRefused(body(0, 0, 77), "4 trailing bytes after the last buffer");
        // in band claims more than the body
        assertRefused(body(1000, 0), "in-band section claims 1000 bytes");
        // negative in-band length
        assertRefused(body(-1, 0), "in-band section claims -1 bytes");
        // too short for the two ints every body has
        assertRefused(Unpooled.buffer().writeInt(4).writeInt(0), "too short");
    }

    private static void assertRefused(ByteBuf frame, String detail) {
        EmbeddedChannel ch = parsing(1024);
        ByteBuf good = wholeFrame(Ping.of(1));
        assertThatThrownBy(() -> ch.writeInbound(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("malformed frame")
                .hasMessageContaining(detail);
        ch.writeInbound(good); // after an error nothing more is parsed: the connection is about to close
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(good.refCnt()).as("dropped input is released").isZero();
    }

    @Test
    void beforeTheHandshakeBodiesComeWholeAndSmall() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1 << 20));
        ch.writeInbound(Unpooled.buffer().writeInt(3).writeBytes(new byte[] {1, 2, 3}));
        assertThat((byte[]) ch.readInbound()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.buffer().writeInt(Protocol.MAX_HANDSHAKE_FRAME_BYTES + 1)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("for a handshake");
    }
}
