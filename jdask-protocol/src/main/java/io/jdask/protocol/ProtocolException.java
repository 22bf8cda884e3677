package io.jdask.protocol;

/**
 * The peer broke the wire protocol: a bad handshake, an incompatible version, an oversized
 * or malformed frame. The connection it happened on is closed; nothing else is affected.
 */
public final class ProtocolException extends RuntimeException {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
