package io.jdask;

import java.time.Duration;

/**
 * A mutual-exclusion lock that lives on the scheduler, shared by name: {@code client.lock("db")}.
 *
 * <p>This handle is the owner: acquire and release with the same handle (each {@code client.lock(name)} call is a
 * new handle, so two tasks on one worker exclude each other). A lock held by a client or by a task whose worker
 * dies is released when the scheduler declares that connection gone. Not re-entrant.
 */
public interface DLock {
    /** The lock's name. */
    String name();

    /** Waits until the lock is free and takes it. Interruptible. */
    void acquire();

    /** Takes the lock if it becomes free within {@code timeout}; false if it did not. */
    boolean tryAcquire(Duration timeout);

    /** Releases the lock held by this handle; throws {@link IllegalStateException} if this handle does not hold it. */
    void release();

    /** Whether some handle holds the lock now (a snapshot). */
    boolean isLocked();
}
