package io.jdask.protocol;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Fixed layout of the {@link Handshake} frame body, readable by every jdask version:
 * {@code int magic, int version, long fingerprint, u16 roleLength, role UTF-8,
 * u16 nameLength, name UTF-8}, big-endian.
 *
 * <p>Checks are split in two: {@link #decode} rejects bytes that are not a jdask handshake
 * at all (wrong magic, truncated), {@link #checkCompatible} rejects a real jdask peer that
 * speaks another version or message schema. Both throw {@link ProtocolException} with a
 * message that shows both sides' values.
 */
final class HandshakeCodec {
    private HandshakeCodec() {}

    static byte[] encode(Handshake h) {
        byte[] role = utf8(h.role(), "role");
        byte[] name = utf8(h.name(), "name");
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 2 + role.length + 2 + name.length);
        b.putInt(Protocol.MAGIC).putInt(h.protocolVersion()).putLong(h.schemaFingerprint());
        b.putShort((short) role.length).put(role).putShort((short) name.length).put(name);
        return b.array();
    }

    static Handshake decode(byte[] body) {
        ByteBuffer b = ByteBuffer.wrap(body);
        try {
            int magic = b.getInt();
            if (magic != Protocol.MAGIC) {
                throw new ProtocolException(String.format(
                        "peer is not speaking the jdask protocol: first frame starts with 0x%08X, expected magic 0x%08X",
                        magic, Protocol.MAGIC));
            }
            int version = b.getInt();
            long fingerprint = b.getLong();
            String role = readString(b);
            String name = readString(b);
            if (b.hasRemaining()) {
                throw new ProtocolException("handshake frame has " + b.remaining() + " trailing bytes");
            }
            return new Handshake(version, fingerprint, role, name);
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new ProtocolException("handshake frame is truncated (" + body.length + " bytes)");
        }
    }

    /** Throws unless {@code remote} can talk to {@code local}. */
    static void checkCompatible(Handshake local, Handshake remote) {
        if (local.protocolVersion() != remote.protocolVersion()) {
            throw new ProtocolException(String.format(
                    "protocol version mismatch: this side speaks version %d, peer %s '%s' speaks version %d;"
                            + " run the same jdask version on scheduler, workers and clients",
                    local.protocolVersion(), remote.role(), remote.name(), remote.protocolVersion()));
        }
        if (local.schemaFingerprint() != remote.schemaFingerprint()) {
            throw new ProtocolException(String.format(
                    "message schema mismatch (protocol version %d on both sides): this side's schema"
                            + " fingerprint is %016x, peer %s '%s' has %016x; both sides must run the same jdask build",
                    local.protocolVersion(),
                    local.schemaFingerprint(),
                    remote.role(),
                    remote.name(),
                    remote.schemaFingerprint()));
        }
    }

    private static String readString(ByteBuffer b) {
        int len = Short.toUnsignedInt(b.getShort());
        byte[] bytes = new byte[len];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s, String what) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 1024) {
            throw new IllegalArgumentException("handshake " + what + " is too long (" + bytes.length
                    + " bytes UTF-8, at most 1024): " + s.substring(0, 40) + "...");
        }
        return bytes;
    }
}
