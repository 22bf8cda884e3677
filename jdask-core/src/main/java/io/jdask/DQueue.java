package io.jdask;

import java.time.Duration;

/**
 * A first-in first-out queue that lives on the scheduler, shared by name between clients and tasks:
 * {@code client.queue("jobs")}, or {@code Dask.client().queue("jobs")} inside a task.
 *
 * <p>Values travel serialized; a {@link Future} put in the queue travels as its key, and the scheduler keeps that
 * key's result alive while it sits in the queue (the getter receives a future of its own). Blocking calls are
 * interruptible; a wait that times out throws {@link CoordinationTimeoutException} naming the queue.
 */
public interface DQueue<T> {
    /** The queue's name. */
    String name();

    /** Appends a value (or a future). */
    void put(T value);

    /** Takes the oldest value, waiting as long as it takes for one. */
    T get();

    /** Takes the oldest value, waiting up to {@code timeout}; throws {@link CoordinationTimeoutException} after. */
    T get(Duration timeout);

    /** How many values are in the queue now. */
    int size();
}
