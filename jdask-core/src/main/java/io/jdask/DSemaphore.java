package io.jdask;

import java.time.Duration;

/**
 * A counting semaphore with {@code maxLeases} leases that lives on the scheduler, shared by name:
 * {@code client.semaphore("api", 4)}. Every handle of one name must agree on {@code maxLeases}.
 *
 * <p>Each successful acquire takes one lease owned by this handle; {@link #release()} gives back one of them. A
 * lease held by a client or a task whose worker dies is released when the scheduler declares that connection gone.
 */
public interface DSemaphore {
    /** The semaphore's name. */
    String name();

    /** The number of leases. */
    int maxLeases();

    /** Waits for a lease and takes it. Interruptible. */
    void acquire();

    /** Takes a lease if one becomes free within {@code timeout}; false if none did. */
    boolean acquire(Duration timeout);

    /** Gives back one lease taken through this handle; throws {@link IllegalStateException} if it holds none. */
    void release();

    /** Leases taken now, over all handles (a snapshot). */
    int leasesInUse();
}
