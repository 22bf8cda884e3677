package io.jdask.worker.state;

import java.util.Arrays;

/**
 * A task priority: a tuple of longs compared lexicographically, smaller first, like the tuples
 * Dask's scheduler sends ({@code (-user_priority, generation, graph_order)}). A tuple that is a
 * prefix of another sorts first.
 *
 * <p>Immutable; the array is copied in and never handed out.
 */
public final class Priority implements Comparable<Priority> {
    /** The empty tuple: sorts before every other priority. */
    public static final Priority HIGHEST = new Priority(new long[0]);

    private final long[] parts;

    private Priority(long[] parts) {
        this.parts = parts;
    }

    /** A priority made of the given parts, most significant first. */
    public static Priority of(long... parts) {
        return parts.length == 0 ? HIGHEST : new Priority(parts.clone());
    }

    /** The number of parts. */
    public int size() {
        return parts.length;
    }

    /** Part {@code i}, most significant first. */
    public long get(int i) {
        return parts[i];
    }

    @Override
    public int compareTo(Priority o) {
        return Arrays.compare(parts, o.parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Priority p && Arrays.equals(parts, p.parts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(parts);
    }

    @Override
    public String toString() {
        return Arrays.toString(parts);
    }
}
