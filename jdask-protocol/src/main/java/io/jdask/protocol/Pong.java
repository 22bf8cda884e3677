package io.jdask.protocol;

/**
 * The answer to a {@link Ping}: the same id and payload. Like {@link Ping}, a message of the transport's tests only.
 *
 * @param id the id of the ping being answered
 * @param payload the ping's payload, echoed; never {@code null}
 */
public record Pong(long id, byte[] payload) implements Message {
    public Pong {
        if (payload == null) {
            throw new IllegalArgumentException("Pong payload must not be null; use new byte[0]");
        }
    }

    /** The answer to {@code ping}. */
    public static Pong answering(Ping ping) {
        return new Pong(ping.id(), ping.payload());
    }
}
