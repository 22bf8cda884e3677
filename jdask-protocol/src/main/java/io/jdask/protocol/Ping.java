package io.jdask.protocol;

/**
 * A liveness probe. The receiver is expected to answer with a {@link Pong} carrying the same
 * {@code id} and {@code payload}; the payload lets a test or a bandwidth probe send bytes of
 * any size.
 *
 * @param id correlates the answer with the probe
 * @param payload opaque bytes, echoed back; may be empty, never {@code null}
 */
public record Ping(long id, byte[] payload) implements Message {
    public Ping {
        if (payload == null) {
            throw new IllegalArgumentException("Ping payload must not be null; use new byte[0]");
        }
    }

    /** A probe with an empty payload. */
    public static Ping of(long id) {
        return new Ping(id, new byte[0]);
    }
}
