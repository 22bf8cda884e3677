package io.jdask;

import java.time.Duration;

/**
 * A flag that lives on the scheduler, shared by name: {@code client.event("ready")}. Waiters block until it is set;
 * once set it stays set until {@link #clear()}.
 */
public interface DEvent {
    /** The event's name. */
    String name();

    /** Sets the flag and wakes every waiter. */
    void set();

    /** Clears the flag; later waiters block again. */
    void clear();

    /** Waits until the flag is set. Interruptible. */
    void await();

    /** Waits up to {@code timeout} for the flag; true if it was set, false on timeout. */
    boolean await(Duration timeout);

    /** Whether the flag is set now. */
    boolean isSet();
}
