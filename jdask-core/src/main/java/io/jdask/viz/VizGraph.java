package io.jdask.viz;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A validated, indexed picture input: what every layout and writer works from.
 *
 * <p>Design note: validation happens once, here, so writers can trust the input. Node ids are
 * unique; every edge names known nodes; duplicate edges are dropped (Dask draws one arrow for
 * {@code add(x, x)} too, since it walks a set of dependencies). Node and edge order is the
 * caller's order, which is what makes layouts deterministic: nothing here iterates a hash map.
 * Instances are immutable.
 */
final class VizGraph {

    /** The nodes in caller order; index i is node i everywhere below. */
    final List<VizNode> nodes;
    /** Distinct edges in caller order, self-loops included. */
    final List<VizEdge> edges;
    /** For edge i of {@link #edges}: index of its source node. */
    final int[] from;
    /** For edge i of {@link #edges}: index of its target node. */
    final int[] to;

    private VizGraph(List<VizNode> nodes, List<VizEdge> edges, int[] from, int[] to) {
        this.nodes = nodes;
        this.edges = edges;
        this.from = from;
        this.to = to;
    }

    static VizGraph of(List<VizNode> nodes, List<VizEdge> edges) {
        Objects.requireNonNull(nodes, "nodes");
        Objects.requireNonNull(edges, "edges");
        List<VizNode> nodeList = List.copyOf(nodes); // also rejects null elements
        Map<String, Integer> index = new HashMap<>(nodeList.size() * 2);
        for (int i = 0; i < nodeList.size(); i++) {
            Integer previous = index.putIfAbsent(nodeList.get(i).id(), i);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "Duplicate node id \"" + nodeList.get(i).id() + "\" (nodes #" + previous + " and #" + i
                                + "); every VizNode needs a unique id.");
            }
        }
        Set<VizEdge> distinct = new LinkedHashSet<>();
        for (VizEdge edge : edges) {
            Objects.requireNonNull(edge, "edges must not contain null");
            for (String end : new String[] {edge.from(), edge.to()}) {
                if (!index.containsKey(end)) {
                    throw new IllegalArgumentException("Edge " + edge.from() + " -> " + edge.to()
                            + " names unknown node \"" + end + "\"; add a VizNode with that id or drop the edge.");
                }
            }
            distinct.add(edge);
        }
        List<VizEdge> edgeList = List.copyOf(distinct);
        int[] from = new int[edgeList.size()];
        int[] to = new int[edgeList.size()];
        for (int i = 0; i < edgeList.size(); i++) {
            from[i] = index.get(edgeList.get(i).from());
            to[i] = index.get(edgeList.get(i).to());
        }
        return new VizGraph(nodeList, edgeList, from, to);
    }

    int nodeCount() {
        return nodes.size();
    }

    int edgeCount() {
        return edges.size();
    }
}
