package io.jdask.protocol;

/** A listening endpoint created by {@link Transport#listen}. */
public interface CommServer extends AutoCloseable {
    /**
     * The address peers connect to, with the real port (or generated name) filled in, e.g.
     * {@code tcp://127.0.0.1:40123} after listening on {@code tcp://127.0.0.1:0}.
     */
    String address();

    /** Stops accepting connections. Connections already accepted stay open. Idempotent. */
    @Override
    void close();
}
