package io.jdask;

import java.time.Duration;

/** Receives the values published on a topic from the moment it was created, in order per publisher. */
public interface Subscriber<T> extends AutoCloseable {
    /** The topic. */
    String topic();

    /** The next value, waiting for one. Interruptible. */
    T get();

    /** The next value, waiting up to {@code timeout}; throws {@link CoordinationTimeoutException} after. */
    T get(Duration timeout);

    /** Stops receiving. */
    @Override
    void close();
}
