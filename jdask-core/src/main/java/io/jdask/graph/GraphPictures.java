package io.jdask.graph;

import io.jdask.viz.GraphPicture;
import io.jdask.viz.Rankdir;
import java.util.Map;

/**
 * Turns a {@link TaskGraph} into a {@link GraphPicture} with the conventions of Dask's {@code visualize}: each
 * function call is a box labelled with the function's name, each value a circle, arrows run from a value to the
 * calls that read it and from a call to the value it makes. Hovering a shape shows its full key.
 */
final class GraphPictures {
    private GraphPictures() {}

    static GraphPicture picture(TaskGraph g, Rankdir direction) {
        GraphPicture.Builder b = GraphPicture.builder().rankdir(direction);
        for (Map.Entry<String, Node> e : g.nodes().entrySet()) {
            String key = e.getKey();
            switch (e.getValue()) {
                case Task t -> {
                    String call = "call:" + key;
                    b.function(call, t.functionName(), key);
                    b.data(key, "", key);
                    b.edge(call, key);
                    for (String d : t.dependencies()) b.edge(d, call);
                }
                case DataNode d -> b.data(key, shortName(key), key);
                case Alias a -> {
                    b.data(key, shortName(key), key + " = " + a.target());
                    b.edge(a.target(), key);
                }
            }
        }
        return b.build();
    }

    /** The key's name part ({@code string} of {@code string-1f3a...}). */
    private static String shortName(String key) {
        int dash = key.lastIndexOf('-');
        return dash > 0 && key.length() - dash > 8 ? key.substring(0, dash) : key;
    }
}
