package io.jdask.viz;

import java.util.Objects;

/**
 * A directed edge of a graph picture, between two {@link VizNode} ids.
 *
 * <p>Dask's conventions: data → the function that consumes it, and function → its result circle.
 * The arrow points from {@code from} to {@code to}, so with {@link Rankdir#TB} inputs sit above
 * the calls that use them.
 *
 * @param from id of the source node
 * @param to   id of the target node
 */
public record VizEdge(String from, String to) {

    public VizEdge {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }

    /** Shorthand for {@code new VizEdge(from, to)}. */
    public static VizEdge of(String from, String to) {
        return new VizEdge(from, to);
    }
}
