package io.jdask.protocol;

import java.util.Objects;

/**
 * Why a {@link Comm} closed.
 *
 * @param kind who or what closed it
 * @param detail a human-readable explanation, never {@code null}
 * @param cause the underlying exception for {@link Kind#ERROR}, else usually {@code null}
 */
public record CloseReason(Kind kind, String detail, Throwable cause) {
    /** Who or what closed a connection. */
    public enum Kind {
        /** {@link Comm#close()} was called on this side. */
        LOCAL,
        /** The peer closed the connection, or its process went away. */
        REMOTE,
        /** A protocol violation, failed handshake, I/O error, or a handler threw. */
        ERROR
    }

    public CloseReason {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    static CloseReason local() {
        return new CloseReason(Kind.LOCAL, "closed by this side", null);
    }

    static CloseReason remote(String detail) {
        return new CloseReason(Kind.REMOTE, detail, null);
    }

    static CloseReason error(String detail, Throwable cause) {
        return new CloseReason(Kind.ERROR, detail, cause);
    }

    @Override
    public String toString() {
        return kind + ": " + detail
                + (cause == null || detail.contains(String.valueOf(cause.getMessage())) ? "" : " (" + cause + ")");
    }
}
