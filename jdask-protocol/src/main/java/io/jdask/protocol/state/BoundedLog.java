package io.jdask.protocol.state;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A ring buffer keeping the last {@code capacity} entries; older ones are overwritten. Holds the story (the
 * transition log) of both state machines and the worker's event log, which must never grow without bound in a
 * long-lived process. Adding is O(1) and allocates nothing; reading copies, which is fine for what reads it
 * (stories, replays, error messages). Not thread-safe, like the state machines.
 */
public final class BoundedLog<T> {
    private final Object[] items;
    /** Index where the next entry goes. */
    private int head;

    private int size;
    /** Entries overwritten (or, with capacity 0, not kept) so far. */
    private long dropped;

    public BoundedLog(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        items = new Object[capacity];
    }

    public void add(T item) {
        if (items.length == 0) {
            dropped++;
            return;
        }
        items[head] = item;
        head = head + 1 == items.length ? 0 : head + 1;
        if (size < items.length) size++;
        else dropped++;
    }

    public int size() {
        return size;
    }

    public long dropped() {
        return dropped;
    }

    /** The kept entries, oldest first. */
    public List<T> toList() {
        return last(size);
    }

    /** The last {@code n} kept entries (fewer if fewer are kept), oldest first. */
    public List<T> last(int n) {
        int k = Math.min(n, size);
        var out = new ArrayList<T>(k);
        for (int i = size - k; i < size; i++) out.add(get(i));
        return out;
    }

    /** The kept entries that pass {@code filter}, oldest first. */
    public List<T> filter(Predicate<? super T> filter) {
        var out = new ArrayList<T>();
        for (int i = 0; i < size; i++) {
            T t = get(i);
            if (filter.test(t)) out.add(t);
        }
        return out;
    }

    /** The {@code i}-th kept entry, oldest first. */
    @SuppressWarnings("unchecked")
    private T get(int i) {
        int start = size < items.length ? 0 : head;
        return (T) items[(start + i) % items.length];
    }
}
