package io.jdask.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Splits the inbound byte stream into frames: {@code int length} (big-endian) then {@code length} bytes of body.
 * Before {@link #handshakeDone()} each body is emitted as a {@code byte[]} (the handshake); after it, each body is
 * parsed while it arrives into a {@link ReceivedFrame}: the in-band section and every out-of-band buffer in an array
 * of its own (the body layout is in {@link MessageCodec}).
 *
 * <h2>Why parse while receiving</h2>
 * A big message is nearly all one out-of-band buffer (a 100 MB scattered array, say). Reading the body into one
 * array and then cutting the buffer out of it would cost a second copy and a second 100 MB allocation (fresh memory:
 * page faults and zeroing, often more than the copy). Here the buffer's array is allocated at its exact size when
 * its length arrives, each socket read is copied into it once, and the decoder hands that very array to the value
 * ({@link MessageCodec} decodes a {@link Serialized} around it without copying). Netty's
 * {@code LengthFieldBasedFrameDecoder} would be worse still: it cumulates into a buffer that grows by re-allocation.
 *
 * <h2>Limits</h2>
 * A length above the limit, or negative, is a protocol error, and so is a body whose sections do not add up (a
 * section longer than what is left of the body, too many buffers, bytes after the last buffer): this handler throws
 * {@link ProtocolException} through the pipeline and discards everything after it (the comm handler closes the
 * connection). No array is ever larger than what is left of a frame whose length passed the limit. The limit starts
 * at {@link Protocol#MAX_HANDSHAKE_FRAME_BYTES} until {@link #handshakeDone()} raises it to the configured maximum,
 * so a stray client (an HTTP request, a port scanner) is turned away after reading 4 bytes rather than making us
 * allocate whatever its first bytes spell as a length.
 *
 * <h2>Concurrency</h2>
 * Netty calls a handler on its channel's event loop only; all fields are confined to it.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {
    /** What the next bytes of the stream are. */
    private enum Part {
        FRAME_LENGTH,
        RAW_BODY,
        INBAND_LENGTH,
        INBAND,
        BUFFER_COUNT,
        BUFFER_LENGTH,
        BUFFER
    }

    private final int maxFrameBytes;
    /** The current limit: the handshake limit until handshakeDone(), then maxFrameBytes. */
    private int limit = Protocol.MAX_HANDSHAKE_FRAME_BYTES;
    /** Whether bodies are parsed into ReceivedFrames (after the handshake) or emitted whole. */
    private boolean parse;

    private Part part = Part.FRAME_LENGTH;
    /** Bytes of the int being read so far (0..4) and its value so far; meaningful in the *_LENGTH/COUNT parts. */
    private int intRead;

    private int intValue;
    /** The array being filled (RAW_BODY, INBAND, BUFFER) and how much of it is filled. */
    private byte[] target;

    private int targetFilled;

    /** The current frame's body length, and how many of its bytes have been consumed; 0/0 between frames. */
    private int bodyLength;

    private int bodyRead;
    /** The parts of the frame being parsed. */
    private byte[] inband;

    private byte[][] buffers;
    private int bufferIndex;

    /** Set after a protocol error: everything that follows is dropped. */
    private boolean failed;

    FrameDecoder(int maxFrameBytes) {
        if (maxFrameBytes < 16 || maxFrameBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("maxFrameBytes must be in [16, 2^31-17], was " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Raises the frame limit from the handshake limit to the configured maximum; later bodies are parsed. */
    void handshakeDone() {
        limit = maxFrameBytes;
        parse = true;
    }

    /** Bytes of a partly received frame (null if between frames); for the "closed mid-frame" log. */
    String partialFrameDescription() {
        if (part != Part.FRAME_LENGTH) {
            return bodyRead + " of " + bodyLength + " body bytes";
        }
        return intRead > 0 ? intRead + " of 4 length bytes" : null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            while (!failed && in.isReadable()) {
                if (part == Part.RAW_BODY || part == Part.INBAND || part == Part.BUFFER) {
                    int n = Math.min(in.readableBytes(), target.length - targetFilled);
                    in.readBytes(target, targetFilled, n);
                    targetFilled += n;
                    bodyRead += n;
                    if (targetFilled == target.length) {
                        arrayFilled(ctx);
                    }
                } else {
                    while (intRead < 4 && in.isReadable()) {
                        intValue = (intValue << 8) | in.readUnsignedByte();
                        intRead++;
                    }
                    if (intRead < 4) {
                        return;
                    }
                    int value = intValue;
                    intRead = 0;
                    intValue = 0;
                    if (part != Part.FRAME_LENGTH) {
                        bodyRead += 4;
                    }
                    intRead(ctx, value);
                }
            }
        } finally {
            in.release();
        }
    }

    /** The int of the current part has been read. */
    private void intRead(ChannelHandlerContext ctx, int value) {
        switch (part) {
            case FRAME_LENGTH -> {
                if (value < 0 || value > limit) {
                    throw fail(
                            String.format(
                                    "frame length %d (0x%08X) is outside [0, %d]%s",
                                    value,
                                    value,
                                    limit,
                                    limit == Protocol.MAX_HANDSHAKE_FRAME_BYTES && looksLikeTls(value)
                                            ? " for a handshake; the peer speaks TLS: connect to its tls:// address with the"
                                                    + " cluster's credentials"
                                            : limit == Protocol.MAX_HANDSHAKE_FRAME_BYTES
                                                    ? " for a handshake; the peer is probably not a jdask process"
                                                    : "; raise CommOptions.maxFrameBytes on both sides if this message is legitimate"));
                }
                bodyLength = value;
                bodyRead = 0;
                if (!parse) {
                    part = Part.RAW_BODY;
                    fill(new byte[value], ctx);
                } else if (value < 8) {
                    throw malformed("too short for the in-band length and the buffer count");
                } else {
                    part = Part.INBAND_LENGTH;
                }
            }
            case INBAND_LENGTH -> {
                // Room must remain for the buffer count after the in-band section.
                if (value < 0 || value > remaining() - 4) {
                    throw malformed(
                            "in-band section claims " + value + " bytes but only " + (remaining() - 4) + " remain");
                }
                part = Part.INBAND;
                fill(new byte[value], ctx);
            }
            case BUFFER_COUNT -> {
                if (value < 0 || value > remaining() / 4) {
                    throw malformed("bad out-of-band buffer count " + value + " with " + remaining() + " bytes left");
                }
                buffers = new byte[value][];
                bufferIndex = 0;
                nextBuffer(ctx);
            }
            case BUFFER_LENGTH -> {
                if (value < 0 || value > remaining()) {
                    throw malformed("out-of-band buffer " + bufferIndex + " claims " + value + " bytes but only "
                            + remaining() + " remain");
                }
                part = Part.BUFFER;
                fill(new byte[value], ctx);
            }
            default -> throw new IllegalStateException("no int is read in part " + part);
        }
    }

    /** Starts filling {@code array} (complete at once if empty). */
    private void fill(byte[] array, ChannelHandlerContext ctx) {
        target = array;
        targetFilled = 0;
        if (array.length == 0) {
            arrayFilled(ctx);
        }
    }

    /** The array of the current part is full. */
    private void arrayFilled(ChannelHandlerContext ctx) {
        byte[] filled = target;
        target = null;
        switch (part) {
            case RAW_BODY -> {
                endFrame();
                ctx.fireChannelRead(filled);
            }
            case INBAND -> {
                inband = filled;
                part = Part.BUFFER_COUNT;
            }
            case BUFFER -> {
                buffers[bufferIndex++] = filled;
                nextBuffer(ctx);
            }
            default -> throw new IllegalStateException("no array is filled in part " + part);
        }
    }

    /** After the count or a buffer: reads the next buffer's length, or ends the frame. */
    private void nextBuffer(ChannelHandlerContext ctx) {
        if (bufferIndex < buffers.length) {
            part = Part.BUFFER_LENGTH;
            return;
        }
        if (remaining() != 0) {
            throw malformed(remaining() + " trailing bytes after the last buffer");
        }
        ReceivedFrame frame = new ReceivedFrame(bodyLength, inband, buffers);
        endFrame();
        ctx.fireChannelRead(frame);
    }

    private void endFrame() {
        part = Part.FRAME_LENGTH;
        bodyLength = 0;
        bodyRead = 0;
        inband = null;
        buffers = null;
    }

    private int remaining() {
        return bodyLength - bodyRead;
    }

    private ProtocolException malformed(String why) {
        return fail("malformed frame of " + bodyLength + " bytes: " + why);
    }

    private ProtocolException fail(String message) {
        failed = true;
        target = null;
        inband = null;
        buffers = null;
        return new ProtocolException(message);
    }

    /**
     * One message frame as received: the in-band section and the out-of-band buffers, each in an array of its own
     * that nothing else refers to (the decoder may hand them to the decoded message). {@code bodyLength} is the
     * frame's body size, for messages.
     */
    record ReceivedFrame(int bodyLength, byte[] inband, byte[][] buffers) {}

    /** Whether four bytes read as a frame length start a TLS record: content type 20-23, then version 3.x. */
    private static boolean looksLikeTls(int firstFourBytes) {
        int type = firstFourBytes >>> 24;
        int major = (firstFourBytes >>> 16) & 0xFF;
        return type >= 20 && type <= 23 && major == 3;
    }
}
