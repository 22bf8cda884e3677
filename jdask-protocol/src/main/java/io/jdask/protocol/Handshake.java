package io.jdask.protocol;

import java.util.Objects;

/**
 * The first frame each side of a connection sends, before any {@link Message}.
 *
 * <p>It is deliberately <em>not</em> a {@link Message}: messages are encoded with a codec
 * whose layout depends on the message schema, and the handshake is exactly what checks that
 * both peers share that schema. So the handshake has a fixed hand-written layout
 * ({@link HandshakeCodec}) that every version of jdask can read: magic number, protocol
 * version, schema fingerprint, role, name.
 *
 * @param protocolVersion {@link Protocol#VERSION} of the sender
 * @param schemaFingerprint a hash of the sender's message schema; peers must agree
 * @param role what the peer is: {@code "scheduler"}, {@code "worker"}, {@code "client"}...
 * @param name the peer's name for logs (e.g. a worker name); may be empty
 */
public record Handshake(int protocolVersion, long schemaFingerprint, String role, String name) {
    public Handshake {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(name, "name");
    }
}
