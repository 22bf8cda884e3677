package io.jdask.worker.state;

import java.util.ArrayList;
import java.util.List;

/**
 * A ring buffer keeping the last {@code capacity} entries; older ones are overwritten. Used for the
 * transition log and the event log, which must never grow without bound on a long-lived worker.
 */
final class BoundedLog<T> {
    private final Object[] items;
    /** Index where the next entry goes. */
    private int head;

    private int size;
    /** Entries overwritten so far. */
    private long dropped;

    BoundedLog(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        items = new Object[capacity];
    }

    void add(T item) {
        if (items.length == 0) {
            dropped++;
            return;
        }
        items[head] = item;
        head = head + 1 == items.length ? 0 : head + 1;
        if (size < items.length) size++;
        else dropped++;
    }

    int size() {
        return size;
    }

    long dropped() {
        return dropped;
    }

    /** The kept entries, oldest first. */
    @SuppressWarnings("unchecked")
    List<T> toList() {
        var out = new ArrayList<T>(size);
        int start = size < items.length ? 0 : head;
        for (int i = 0; i < size; i++) out.add((T) items[(start + i) % items.length]);
        return out;
    }
}
