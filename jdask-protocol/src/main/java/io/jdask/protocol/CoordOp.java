package io.jdask.protocol;

/**
 * One operation on a named coordination primitive that lives on the scheduler (queue, lock, semaphore, event,
 * variable, pub/sub topic), carried by {@link ClientMsg.Coordinate} and answered by {@link SchedulerMsg.CoordReply}
 * with the same request id.
 *
 * <p>Values are {@link Serializer} bytes, opaque to the scheduler. A value that is a future travels as its key in
 * {@code futureKey} (and null bytes): the scheduler keeps the key alive while it is stored and makes the receiving
 * client want it before handing it over. {@code timeoutMillis}: negative waits forever, zero does not wait.
 * {@code owner}/{@code lease} ids are made by the client, unique per handle or per acquisition; the scheduler ties
 * them to the connection that took them, so they are released when that connection goes away.
 */
public sealed interface CoordOp {
    /** The primitive's name (the topic for pub/sub). */
    String name();

    record QueuePut(String name, byte[] value, String futureKey) implements CoordOp {}

    record QueueGet(String name, long timeoutMillis) implements CoordOp {}

    /**
     * Puts an item back at the head of the queue: the client's get was interrupted just as the scheduler handed
     * the item over, so the item goes back to where it was instead of being lost.
     */
    record QueueReturn(String name, byte[] value, String futureKey) implements CoordOp {}

    record QueueSize(String name) implements CoordOp {}

    record LockAcquire(String name, String owner, long timeoutMillis) implements CoordOp {}

    record LockRelease(String name, String owner) implements CoordOp {}

    record LockState(String name) implements CoordOp {}

    record SemAcquire(String name, int maxLeases, String lease, long timeoutMillis) implements CoordOp {}

    record SemRelease(String name, String lease) implements CoordOp {}

    record SemState(String name, int maxLeases) implements CoordOp {}

    record EventSet(String name) implements CoordOp {}

    record EventClear(String name) implements CoordOp {}

    record EventWait(String name, long timeoutMillis) implements CoordOp {}

    record VarSet(String name, byte[] value, String futureKey) implements CoordOp {}

    record VarGet(String name, long timeoutMillis) implements CoordOp {}

    record VarDelete(String name) implements CoordOp {}

    record Publish(String name, byte[] value) implements CoordOp {}

    record Subscribe(String name, String subscriber) implements CoordOp {}

    record Unsubscribe(String name, String subscriber) implements CoordOp {}
}
