package io.jdask.protocol;

/**
 * A user value could not be serialized or deserialized by {@link Serializer}. The message
 * names the class involved and says how to fix it.
 */
public final class SerializationException extends RuntimeException {
    SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
