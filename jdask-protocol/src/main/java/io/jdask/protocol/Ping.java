package io.jdask.protocol;

/**
 * A probe of the transport alone, answered with a {@link Pong} carrying the same {@code id} and {@code payload}
 * (the payload lets a test send bytes of any size).
 *
 * <p>No jdask process sends or answers one: the transport's own tests ({@code CommContractTest} and its neighbours)
 * use the pair as messages that belong to no conversation between scheduler, workers and clients. A shell that
 * receives one treats it like any message its peer may not send (the scheduler closes the connection; the worker
 * logs and ignores it). Liveness of workers is the coming heartbeat's job, not this probe's.
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
