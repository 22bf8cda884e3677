package io.jdask.protocol;

/**
 * Receives what arrives on a {@link Comm}.
 *
 * <p>Rules: both methods are called on the connection's I/O thread, one call at a time, in
 * order. They must be fast and must not block (hand work to another thread, e.g. the
 * scheduler's event inbox). A handler that throws from {@link #onMessage} closes its
 * connection with {@link CloseReason.Kind#ERROR}; it never affects other connections.
 */
public interface CommHandler {
    /** A message arrived on {@code comm}. */
    void onMessage(Comm comm, Message message);

    /** {@code comm} closed; called exactly once, after the last {@link #onMessage}. */
    default void onClose(Comm comm, CloseReason reason) {}
}
