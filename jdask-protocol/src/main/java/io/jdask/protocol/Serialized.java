package io.jdask.protocol;

import java.util.Objects;

/**
 * A user value in serialized form, as it travels between clients and workers: the format tag and the bytes kept
 * apart (made by {@link Serializer#serializeValue}, opened by {@link Serializer#deserialize(Serialized, ClassLoader)}).
 *
 * <h2>Why not the one-array form of {@link Serializer#serialize}</h2>
 * That form appends the tag to the bytes, so a {@code byte[]} value has to be copied into a new array one byte
 * longer, and copied out again on the other side. Kept apart, a {@code byte[]} value <em>is</em> its own bytes: a
 * 100 MB array is sent from the user's array and received into the array the receiver gets back, with no copy in
 * between beyond the socket's (see {@link MessageCodec} and {@link FrameDecoder}).
 *
 * <h2>Sharing</h2>
 * The bytes are not copied, so a {@code Serialized} of a {@code byte[]} shares the user's array, and deserializing
 * one returns its bytes array itself. Whoever holds a {@code Serialized} must not modify its bytes; a message that
 * carries one is sent from those bytes, which must stay unchanged until the peer has them (a scatter waits for the
 * worker's acknowledgement; a worker's stored values do not change).
 *
 * @param format how the bytes were written: one of {@link Serializer}'s format tags
 * @param bytes the serialized value, without a tag
 */
public record Serialized(byte format, byte[] bytes) {
    public Serialized {
        Objects.requireNonNull(bytes, "bytes");
    }

    /** The size of the serialized form, as reported to the scheduler: the bytes and the one tag byte. */
    public long nbytes() {
        return bytes.length + 1L;
    }

    /** The one-array form ({@link Serializer#serialize}'s): a copy of the bytes followed by the tag. */
    public byte[] toBytes() {
        byte[] out = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, out, 0, bytes.length);
        out[bytes.length] = format;
        return out;
    }

    @Override
    public String toString() {
        return "Serialized[format=" + format + ", " + bytes.length + " bytes]";
    }
}
