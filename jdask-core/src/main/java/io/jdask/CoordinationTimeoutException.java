package io.jdask;

import java.time.Duration;

/** A wait on a queue, lock, semaphore, event, variable or subscription did not finish within its timeout. */
public final class CoordinationTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String primitive;
    private final Duration timeout;

    /** {@code primitive} names it, e.g. {@code queue 'jobs'}; {@code what} says what was awaited. */
    public CoordinationTimeoutException(String primitive, String what, Duration timeout) {
        super(what + " on " + primitive + " timed out after " + timeout);
        this.primitive = primitive;
        this.timeout = timeout;
    }

    /** The primitive waited on, e.g. {@code queue 'jobs'}. */
    public String primitive() {
        return primitive;
    }

    /** The timeout that elapsed. */
    public Duration timeout() {
        return timeout;
    }
}
