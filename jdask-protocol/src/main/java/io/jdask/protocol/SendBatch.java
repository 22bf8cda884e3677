package io.jdask.protocol;

import java.util.ArrayList;
import java.util.function.Predicate;

/**
 * Holds back the flushes of the connections a thread sends to, until the batch closes, so that everything a
 * single-threaded loop sends in one turn leaves as one write per connection.
 *
 * <h2>Why</h2>
 * {@link Comm#send} hands a lone message to the connection's I/O thread at once, which is right for a caller that
 * sends one message and waits. An event loop (the scheduler's, a worker's) instead sends bursts: one turn over a
 * hundred finished tasks routes a hundred {@code KeyInMemory}s to one client. Without a batch the first send wakes
 * the I/O thread, which may write that one message before the second is queued, and so on: a write and a wake-up
 * per message. Inside a batch a send queues at once, but
 * the hand-off to the I/O thread waits for {@link #close()}, which hands over each touched connection once.
 * The batch's own messages to a connection it holds even share one frame ({@link Batch}): they are encoded together
 * when the batch lets the connection go, so the caller must not change their arrays before that.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * try (SendBatch batch = SendBatch.open()) {
 *   ... any number of comm.send(...) ...
 * }
 * }</pre>
 * Batches nest (only the outermost close flushes) and are per thread: a send from another thread is not held,
 * except that a connection whose flush is already held is flushed by the batch that holds it (its other
 * senders' messages ride along). Keep a batch short: hold it for one loop turn, never across a blocking call.
 * Connections without an I/O thread of their own (in-process ones) ignore batches.
 *
 * <h2>Concurrency</h2>
 * Thread-confined: {@link #open()} returns the calling thread's batch, and only that thread may close it.
 */
public final class SendBatch implements AutoCloseable {
    private static final ThreadLocal<SendBatch> CURRENT = ThreadLocal.withInitial(SendBatch::new);

    private static final Predicate<Comm> NONE = c -> false;

    /**
     * Connections whose flush this batch holds, each once (its flush flag was set when it was added); between batches,
     * the ones the last close kept.
     */
    private final ArrayList<NettyComm> held = new ArrayList<>();
    /** Scratch list for {@link #close(Predicate)}. */
    private final ArrayList<NettyComm> kept = new ArrayList<>();

    private final Thread owner = Thread.currentThread();
    /** Nesting depth; 0 when no batch is open on this thread. */
    private int depth;

    private SendBatch() {}

    /** Opens (or, if one is open already, enters) the calling thread's batch. */
    public static SendBatch open() {
        SendBatch b = CURRENT.get();
        b.depth++;
        return b;
    }

    /**
     * Takes over the flush of {@code comm} if the calling thread has an open batch.
     *
     * @return false if there is no open batch, and the caller must flush as usual
     */
    static boolean hold(NettyComm comm) {
        SendBatch b = CURRENT.get();
        if (b.depth == 0) {
            return false;
        }
        b.held.add(comm);
        return true;
    }

    /** Leaves the batch; the outermost close hands every held connection to its I/O thread. */
    @Override
    public void close() {
        close(NONE);
    }

    /**
     * Leaves the batch; the outermost close hands every held connection to its I/O thread except those for which
     * {@code keep} is true: they stay held past the batch (with whatever is queued on them, and whatever any thread
     * sends them meanwhile) until a later outermost close on this thread no longer keeps them. That is how a loop holds
     * reports for a peer that is busy anyway, across turns, for a bounded time: it must then open and close a batch
     * (e.g. from a timer) when the hold is over, or the kept connections never flush. Nested closes ignore
     * {@code keep}.
     */
    public void close(Predicate<Comm> keep) {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a SendBatch must be closed by the thread that opened it, "
                    + owner.getName() + ", not " + Thread.currentThread().getName());
        }
        if (depth == 0) {
            throw new IllegalStateException("SendBatch closed more often than opened");
        }
        if (--depth > 0) {
            return;
        }
        kept.clear();
        for (int i = 0; i < held.size(); i++) {
            NettyComm c = held.get(i);
            if (keep.test(c) && c.isOpen()) {
                kept.add(c);
            } else {
                c.scheduleFlush();
            }
        }
        held.clear();
        held.addAll(kept); // still held: their flush flag stays set, so no other sender flushes them meanwhile
    }

    /** Whether connections are kept held past the last close (see {@link #close(Predicate)}); owner thread only. */
    public boolean keepsConnections() {
        return depth == 0 && !held.isEmpty();
    }

    /** Whether a batch is open on the calling thread (tests). */
    static boolean isOpen() {
        return CURRENT.get().depth > 0;
    }
}
