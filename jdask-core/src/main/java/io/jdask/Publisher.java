package io.jdask;

/**
 * Publishes values on a topic: every subscriber connected at the time receives each value, in the order this
 * publisher put them. Values are not stored: a subscriber that joins later misses earlier ones.
 */
public interface Publisher<T> {
    /** The topic. */
    String topic();

    /** Sends a value to every current subscriber of the topic. */
    void put(T value);
}
