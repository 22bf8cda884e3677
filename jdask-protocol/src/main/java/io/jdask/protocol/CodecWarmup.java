package io.jdask.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * Runs a message through the wire codec as a TCP connection would, without a connection: encodes it into a frame
 * with the pooled allocator the channels use, reads the frame's sections back as {@link FrameDecoder} does, and
 * decodes it. A process that is idle at start-up (a worker waiting for its first task) calls this on sample messages
 * so that the codec's code is loaded, profiled and compiled before the first real message needs it. Its messages do
 * not count towards the codec's switch to generated serializers ({@link MessageCodec#CODEGEN_AFTER}).
 */
public final class CodecWarmup {
    private CodecWarmup() {}

    /**
     * Encodes {@code message} and decodes the frame again.
     *
     * @return the decoded copy (equal in content, a different object)
     * @throws IllegalArgumentException if {@code message} cannot be encoded
     * @throws IllegalStateException if the frame does not decode back to a message of the same class, which would be a
     *     bug in the codec
     */
    public static Message roundTrip(Message message) {
        return roundTrip(MessageCodec.messages(), message);
    }

    static Message roundTrip(MessageCodec<Message> codec, Message message) {
        ByteBuf[] pieces = codec.encodeFrame(message, PooledByteBufAllocator.DEFAULT);
        try {
            if (pieces.length != 1) {
                throw new IllegalArgumentException("a warm-up message must fit one frame piece; "
                        + message.getClass().getSimpleName() + " took " + pieces.length);
            }
            ByteBuf frame = pieces[0];
            int bodyLength = frame.readInt();
            byte[] inband = new byte[frame.readInt()];
            frame.readBytes(inband);
            byte[][] buffers = new byte[frame.readInt()][];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = new byte[frame.readInt()];
                frame.readBytes(buffers[i]);
            }
            Message decoded = codec.decode(new FrameDecoder.ReceivedFrame(bodyLength, inband, buffers));
            if (decoded.getClass() != message.getClass()) {
                throw new IllegalStateException("a " + message.getClass().getName() + " decoded as a "
                        + decoded.getClass().getName());
            }
            return decoded;
        } finally {
            codec.uncount(2 * (message instanceof Batch b ? b.messages().size() : 1));
            for (ByteBuf b : pieces) {
                b.release();
            }
        }
    }
}
