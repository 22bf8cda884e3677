package io.jdask.scheduler.state;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.NoSuchElementException;
import java.util.Objects;

/*
 * Design note (issue 17). Every SchedulerTask holds six sets (dependencies, dependents, waitingOn, waiters,
 * whoHas, whoWants) and most of them hold zero or one element at any time. As LinkedHashSets they cost
 * about 700 bytes per task on a million-task graph: an empty one is a LinkedHashSet plus its
 * LinkedHashMap (~72 bytes), and the first element adds a 16-slot table and a 40-byte entry.
 *
 * This set keeps the LinkedHashSet contract the state machine relies on (insertion-ordered iteration,
 * fail-fast iterators, Iterator.remove, getFirst) at a fraction of the size: one field `store` is
 *   - null while empty (the set is then one 24-byte object),
 *   - an Object[] of at most INLINE_MAX elements in insertion order, searched linearly (with identity
 *     equality of SchedulerTask, WorkerInfo and ClientInfo this is a few compares),
 *   - a LinkedHashSet once more than INLINE_MAX elements were held (a partial sum's dependencies).
 * The large form is kept until clear(), which drops whatever store there is; growing back and forth
 * across the boundary would cost more than the memory it saves for the few large sets.
 *
 * Single-threaded like the rest of the state; null elements are allowed, as in LinkedHashSet.
 */
/** An insertion-ordered {@link java.util.Set} that costs almost nothing while empty or tiny. */
final class SmallOrderedSet<E> extends AbstractSet<E> {
    /** Beyond this many elements the set moves its elements into a LinkedHashSet. */
    static final int INLINE_MAX = 8;

    /** null (empty), an Object[] holding {@link #size} elements in insertion order, or a LinkedHashSet. */
    private Object store;

    /** Number of elements while {@link #store} is null or an array; unused once it is a LinkedHashSet. */
    private int size;

    /** Counts structural changes of the inline form, so its iterators fail fast as LinkedHashSet's do. */
    private int modCount;

    /**
     * The empty set every SchedulerTask field starts as, shared: a task pays for a set only once it holds something
     * (a leaf of a big graph never has dependencies, waitingOn, whoWants, and whoHas only once done). It never
     * changes: {@link #add} throws, removing finds nothing. Fields that may hold it are written through {@link
     * #writable}.
     */
    private static final SmallOrderedSet<Object> EMPTY = new SmallOrderedSet<>();

    SmallOrderedSet() {}

    /** The shared, unmodifiable empty set. */
    @SuppressWarnings("unchecked")
    static <E> SmallOrderedSet<E> empty() {
        return (SmallOrderedSet<E>) EMPTY;
    }

    /** {@code s} itself, or a new set if {@code s} is the shared empty one: what a field holds before an add. */
    static <E> SmallOrderedSet<E> writable(SmallOrderedSet<E> s) {
        return s == EMPTY ? new SmallOrderedSet<>() : s;
    }

    @SuppressWarnings("unchecked")
    private LinkedHashSet<E> large() {
        return store instanceof LinkedHashSet<?> l ? (LinkedHashSet<E>) l : null;
    }

    @Override
    public int size() {
        LinkedHashSet<E> l = large();
        return l != null ? l.size() : size;
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public boolean contains(Object o) {
        LinkedHashSet<E> l = large();
        return l != null ? l.contains(o) : indexOf(o) >= 0;
    }

    private int indexOf(Object o) {
        Object[] a = (Object[]) store;
        for (int i = 0; i < size; i++) {
            if (Objects.equals(a[i], o)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean add(E e) {
        if (this == EMPTY) {
            throw new UnsupportedOperationException(
                    "the shared empty SmallOrderedSet cannot change: assign SmallOrderedSet.writable(field) first");
        }
        LinkedHashSet<E> l = large();
        if (l != null) {
            return l.add(e);
        }
        if (size > 0 && indexOf(e) >= 0) {
            return false;
        }
        modCount++;
        if (size == INLINE_MAX) {
            l = new LinkedHashSet<>(INLINE_MAX * 4);
            Object[] a = (Object[]) store;
            for (int i = 0; i < size; i++) {
                @SuppressWarnings("unchecked")
                E y = (E) a[i];
                l.add(y);
            }
            l.add(e);
            store = l;
            size = 0;
            return true;
        }
        Object[] a = (Object[]) store;
        if (a == null) {
            a = new Object[2]; // as small as Object[1] once aligned to 8 bytes
            store = a;
        } else if (size == a.length) {
            a = Arrays.copyOf(a, Math.min(INLINE_MAX, size * 2));
            store = a;
        }
        a[size++] = e;
        return true;
    }

    @Override
    public boolean remove(Object o) {
        LinkedHashSet<E> l = large();
        if (l != null) {
            return l.remove(o);
        }
        int i = size == 0 ? -1 : indexOf(o);
        if (i < 0) {
            return false;
        }
        removeAt(i);
        return true;
    }

    private void removeAt(int i) {
        modCount++;
        Object[] a = (Object[]) store;
        System.arraycopy(a, i + 1, a, i, size - i - 1);
        a[--size] = null;
        if (size == 0) {
            store = null;
        }
    }

    @Override
    public void clear() {
        if (store != null) {
            modCount++;
            store = null;
            size = 0;
        }
    }

    /** The first element in insertion order, as {@link LinkedHashSet#getFirst()}. */
    E getFirst() {
        LinkedHashSet<E> l = large();
        if (l != null) {
            return l.getFirst();
        }
        if (size == 0) {
            throw new NoSuchElementException("the set is empty");
        }
        @SuppressWarnings("unchecked")
        E first = (E) ((Object[]) store)[0];
        return first;
    }

    @Override
    public Iterator<E> iterator() {
        LinkedHashSet<E> l = large();
        return l != null ? l.iterator() : new InlineIterator();
    }

    /** Iterates the inline form; fails fast on any change not made through it, as LinkedHashSet does. */
    private final class InlineIterator implements Iterator<E> {
        private int next;
        private int last = -1;
        private int expectedModCount = modCount;

        @Override
        public boolean hasNext() {
            // size(), not size: after a move to the large form under this iterator, next() must throw.
            return next < size();
        }

        @Override
        public E next() {
            if (expectedModCount != modCount) {
                throw new ConcurrentModificationException();
            }
            if (next >= size || !(store instanceof Object[] a)) {
                throw new NoSuchElementException();
            }
            last = next++;
            @SuppressWarnings("unchecked")
            E e = (E) a[last];
            return e;
        }

        @Override
        public void remove() {
            if (last < 0) {
                throw new IllegalStateException("next() was not called, or remove() was already called after it");
            }
            if (expectedModCount != modCount) {
                throw new ConcurrentModificationException();
            }
            removeAt(last);
            next = last;
            last = -1;
            expectedModCount = modCount;
        }
    }
}
