package io.jdask.viz;

/**
 * Direction in which a graph picture flows, named as in Graphviz and Dask's
 * {@code visualize(rankdir=...)}.
 */
public enum Rankdir {
    /** Top to bottom: inputs at the top, the final result at the bottom (the default). */
    TB,
    /** Left to right: inputs on the left, the final result on the right. */
    LR
}
