package io.jdask.protocol.state;

import java.util.Arrays;

/**
 * A task's priority: a tuple of longs compared lexicographically, smaller first, like the tuples Dask's scheduler
 * computes and its workers order by. A tuple that is a prefix of another sorts first.
 *
 * <p>The scheduler makes every task's priority with {@link #ofSubmission}: {@code (-userPriority, generation,
 * order)}, so a higher user priority runs first, then older submissions, then the order inside one submission;
 * every task gets a distinct one. The worker receives that tuple as it is ({@link #toArray()} on the wire, {@link
 * #of} on arrival) and orders its ready and fetch queues by it.
 *
 * <p>Immutable; the array is copied in and never handed out.
 */
public final class Priority implements Comparable<Priority> {
    /** The empty tuple: sorts before every other priority. */
    public static final Priority HIGHEST = new Priority(new long[0]);

    /** Index of the generation in a priority made by {@link #ofSubmission}. */
    public static final int GENERATION = 1;

    /** Index of the order inside its update in a priority made by {@link #ofSubmission}. */
    public static final int ORDER = 2;

    private final long[] parts;

    private Priority(long[] parts) {
        this.parts = parts;
    }

    /** A priority made of the given parts, most significant first. */
    public static Priority of(long... parts) {
        return parts.length == 0 ? HIGHEST : new Priority(parts.clone());
    }

    /**
     * The priority of a submitted task: higher {@code userPriority} first; then earlier {@code generation} (each
     * update of the graph gets the next one, so older submissions go first); then {@code order}, the task's position
     * inside its update.
     */
    public static Priority ofSubmission(int userPriority, long generation, long order) {
        return new Priority(new long[] {-(long) userPriority, generation, order});
    }

    /** The number of parts. */
    public int size() {
        return parts.length;
    }

    /** Part {@code i}, most significant first. */
    public long get(int i) {
        return parts[i];
    }

    /** A copy of the parts, most significant first; what goes on the wire. */
    public long[] toArray() {
        return parts.clone();
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
