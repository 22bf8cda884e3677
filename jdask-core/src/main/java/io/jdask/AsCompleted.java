package io.jdask;

import java.util.Collection;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Futures in the order they finish, from {@link Futures#asCompleted}. Iterating blocks until the next one is done
 * and ends when every future added so far has been returned; {@link #add} may be called while iterating (also from
 * another thread), as a parameter sweep that submits more work as results arrive does.
 *
 * <p>A failed future is returned like any other: its {@code result()} throws.
 */
public final class AsCompleted<T> implements Iterable<Future<T>> {
    /** The outcome of one future, from {@link #withResults()}. */
    public record Completed<T>(Future<T> future, T result) {}

    private final LinkedBlockingQueue<Future<T>> finished = new LinkedBlockingQueue<>();
    /** Futures added but not yet returned by the iterator. Guarded by {@code this}. */
    private int outstanding;

    AsCompleted(Collection<? extends Future<? extends T>> futures) {
        for (Future<? extends T> f : futures) add(f);
    }

    /** Adds a future to wait for. */
    @SuppressWarnings("unchecked")
    public void add(Future<? extends T> future) {
        synchronized (this) {
            outstanding++;
        }
        ((Future<T>) future).onDone(finished::add);
    }

    /** How many futures are still to be returned. */
    public synchronized int count() {
        return outstanding;
    }

    @Override
    public Iterator<Future<T>> iterator() {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return count() > 0;
            }

            @Override
            public Future<T> next() {
                synchronized (AsCompleted.this) {
                    if (outstanding == 0) throw new NoSuchElementException("every future has been returned");
                    outstanding--;
                }
                try {
                    return finished.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.util.concurrent.CancellationException("interrupted while waiting for a future");
                }
            }
        };
    }

    /** Iterates (future, result) pairs; a failed future throws its exception when its turn comes. */
    public Iterable<Completed<T>> withResults() {
        return () -> new Iterator<>() {
            private final Iterator<Future<T>> it = iterator();

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Completed<T> next() {
                Future<T> f = it.next();
                return new Completed<>(f, f.result());
            }
        };
    }
}
