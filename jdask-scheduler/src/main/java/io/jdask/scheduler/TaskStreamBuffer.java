package io.jdask.scheduler;

import io.jdask.protocol.SchedulerMsg.TaskStreamEntry;
import java.util.ArrayList;
import java.util.List;

/*
 * Design note. The scheduler's memory of recently run tasks, for client.taskStream() and the dashboard's task
 * stream picture (Dask keeps a deque of the last 100,000 "task-stream" records in its TaskStreamPlugin; we keep
 * fewer, each about 100 bytes). A fixed array used as a ring: adding is O(1) and allocation-free apart from the
 * entry itself, and the oldest entry is overwritten once the ring is full, so memory is bounded whatever the load.
 *
 * Concurrency: none. It is confined to the scheduler loop thread, like the state; other threads get copies
 * (a reply message, a ClusterSnapshot) made on that thread.
 */
/** A bounded ring of the latest task stream entries, oldest first; loop-confined. */
final class TaskStreamBuffer {
    /** How many entries the scheduler keeps by default. */
    static final int DEFAULT_CAPACITY = 10_000;

    /** The ring; slot (start + i) % length holds the i-th oldest entry for i < size. */
    private final TaskStreamEntry[] ring;
    /** Index of the oldest entry. */
    private int start;
    /** Number of entries held; at most ring.length. */
    private int size;
    /** Entries ever added, including those overwritten since. */
    private long added;

    TaskStreamBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the task stream needs room for at least one entry, got " + capacity);
        }
        this.ring = new TaskStreamEntry[capacity];
    }

    void add(TaskStreamEntry e) {
        added++;
        if (size < ring.length) {
            ring[(start + size) % ring.length] = e;
            size++;
        } else {
            ring[start] = e; // overwrite the oldest
            start = (start + 1) % ring.length;
        }
    }

    int size() {
        return size;
    }

    int capacity() {
        return ring.length;
    }

    /** Entries added since creation, counting those dropped from the ring. */
    long added() {
        return added;
    }

    /**
     * The held entries that stopped at or after {@code sinceMicros}, oldest first, at most the {@code max} newest
     * of them. Scans from the newest backwards, so a small window costs little even when the ring is full.
     * (Entries arrive roughly, not exactly, in stop order, since several workers report; the scan stops at the
     * first entry older than the window, which can miss a straggler reported much later than its stop time.)
     */
    List<TaskStreamEntry> since(long sinceMicros, int max) {
        int n = 0;
        while (n < size && n < max) {
            TaskStreamEntry e = ring[(start + size - 1 - n) % ring.length];
            if (e.stopMicros() < sinceMicros) {
                break;
            }
            n++;
        }
        var out = new ArrayList<TaskStreamEntry>(n);
        for (int i = size - n; i < size; i++) {
            out.add(ring[(start + i) % ring.length]);
        }
        return out;
    }

    /** Every held entry, oldest first. */
    List<TaskStreamEntry> all() {
        return since(Long.MIN_VALUE, Integer.MAX_VALUE);
    }
}
