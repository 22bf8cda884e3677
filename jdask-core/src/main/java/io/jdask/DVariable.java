package io.jdask;

import java.time.Duration;

/**
 * A named value that lives on the scheduler: {@code client.variable("mode")}. {@link #get()} waits until a value
 * was set. A {@link Future} stored here travels as its key, and its result is kept alive while it is the value.
 */
public interface DVariable<T> {
    /** The variable's name. */
    String name();

    /** Replaces the value. */
    void set(T value);

    /** The value, waiting until one is set. Interruptible. */
    T get();

    /** The value, waiting up to {@code timeout}; throws {@link CoordinationTimeoutException} after. */
    T get(Duration timeout);

    /** Removes the value (a stored future's result is then released). */
    void delete();
}
