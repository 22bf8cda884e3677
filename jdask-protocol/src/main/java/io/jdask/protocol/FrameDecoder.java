package io.jdask.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Splits the inbound byte stream into frames: {@code int length} (big-endian) then
 * {@code length} bytes of body. Emits each body as a {@code byte[]} of exactly that size.
 *
 * <h2>Why not {@code LengthFieldBasedFrameDecoder}</h2>
 * That decoder cumulates into a buffer that grows by re-allocation, so a 100 MB frame is
 * copied several times while it arrives. Here the length is read first and the body array
 * allocated once at its final size; each socket read is copied into it exactly once, and the
 * array is then decoded in place (no further copy). The cost is one array per frame also for
 * small frames, which is what decoding needs anyway.
 *
 * <h2>Limits</h2>
 * A length above the limit, or negative, is a protocol error: this handler throws
 * {@link ProtocolException} through the pipeline and discards everything after it (the comm
 * handler closes the connection). The limit starts at {@link Protocol#MAX_HANDSHAKE_FRAME_BYTES}
 * until {@link #handshakeDone()} raises it to the configured maximum, so a stray client (an
 * HTTP request, a port scanner) is turned away after reading 4 bytes rather than making us
 * allocate whatever its first bytes spell as a length.
 *
 * <h2>Concurrency</h2>
 * Netty calls a handler on its channel's event loop only; all fields are confined to it.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {
  private final int maxFrameBytes;
  /** The current limit: the handshake limit until handshakeDone(), then maxFrameBytes. */
  private int limit = Protocol.MAX_HANDSHAKE_FRAME_BYTES;
  /** Bytes of the length prefix read so far (0..4); meaningful while body == null. */
  private int headerRead;
  private int header;
  /** The frame being filled, or null while reading a length prefix. */
  private byte[] body;
  /** How many bytes of body are filled. */
  private int bodyFilled;
  /** Set after a protocol error: everything that follows is dropped. */
  private boolean failed;

  FrameDecoder(int maxFrameBytes) {
    if (maxFrameBytes < 16 || maxFrameBytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("maxFrameBytes must be in [16, 2^31-17], was " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Raises the frame limit from the handshake limit to the configured maximum. */
  void handshakeDone() {
    limit = maxFrameBytes;
  }

  /** Bytes of a partly received frame (0 if between frames); for the "closed mid-frame" log. */
  String partialFrameDescription() {
    if (body != null) {
      return bodyFilled + " of " + body.length + " body bytes";
    }
    return headerRead > 0 ? headerRead + " of 4 length bytes" : null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      while (!failed && in.isReadable()) {
        if (body == null) {
          while (headerRead < 4 && in.isReadable()) {
            header = (header << 8) | in.readUnsignedByte();
            headerRead++;
          }
          if (headerRead < 4) {
            return;
          }
          int length = header;
          headerRead = 0;
          header = 0;
          if (length < 0 || length > limit) {
            failed = true;
            throw new ProtocolException(String.format(
                "frame length %d (0x%08X) is outside [0, %d]%s", length, length, limit,
                limit == Protocol.MAX_HANDSHAKE_FRAME_BYTES
                    ? " for a handshake; the peer is probably not a jdask process"
                    : "; raise CommOptions.maxFrameBytes on both sides if this message is legitimate"));
          }
          body = new byte[length];
          bodyFilled = 0;
        }
        int n = Math.min(in.readableBytes(), body.length - bodyFilled);
        in.readBytes(body, bodyFilled, n);
        bodyFilled += n;
        if (bodyFilled == body.length) {
          byte[] frame = body;
          body = null;
          ctx.fireChannelRead(frame);
        }
      }
    } finally {
      in.release();
    }
  }
}
