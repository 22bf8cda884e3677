package io.jdask;

/** An actor call cannot finish: the actor's worker died or left, or the actor was released. */
public final class ActorLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ActorLostException(String message) {
        super(message);
    }

    public ActorLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
