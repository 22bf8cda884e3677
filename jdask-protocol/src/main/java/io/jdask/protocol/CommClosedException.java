package io.jdask.protocol;

/** Thrown by {@link Comm#send} on a connection that is already closed; carries the reason. */
public final class CommClosedException extends RuntimeException {
    private final transient CloseReason reason;

    CommClosedException(String address, CloseReason reason) {
        super("connection to " + address + " is closed (" + reason + ")", reason == null ? null : reason.cause());
        this.reason = reason;
    }

    /** Why the connection closed. */
    public CloseReason reason() {
        return reason;
    }
}
