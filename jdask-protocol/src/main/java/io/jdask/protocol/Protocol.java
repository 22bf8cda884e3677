package io.jdask.protocol;

/** Constants of the jdask wire protocol. */
public final class Protocol {
    /** First four bytes of every handshake: ASCII {@code "JDSK"}. */
    public static final int MAGIC = 0x4A44534B;

    /**
     * Wire protocol version. Bump it when the framing or handshake layout changes; changes
     * to the message set are caught by the schema fingerprint instead. 2: a frame may carry a
     * {@link Batch} of messages.
     */
    public static final int VERSION = 2;

    /**
     * Default maximum frame size, 256 MiB. A frame is buffered whole before it is decoded, so
     * this bounds the memory a single peer can make us allocate for one message, and it is
     * still four times Dask's default shard size, enough for any single task result we expect
     * to ship in one piece. Larger values are possible ({@link CommOptions.Builder#maxFrameBytes})
     * up to just under 2 GiB (Java arrays are int-indexed).
     */
    public static final int DEFAULT_MAX_FRAME_BYTES = 256 << 20;

    /** Frames before the handshake completes are tiny; anything bigger is not a jdask peer. */
    static final int MAX_HANDSHAKE_FRAME_BYTES = 4096;

    private Protocol() {}
}
