package io.jdask.graph;

import java.util.Map;

/**
 * Turns a {@link TaskGraph} into the picture conventions of Dask's {@code visualize}: each function call is a
 * box labelled with the function's name, each value a circle, arrows from values to the calls that read them
 * and from calls to the values they make.
 */
final class GraphPictures {
    private GraphPictures() {}

    static String dot(TaskGraph g, boolean leftToRight) {
        StringBuilder sb = new StringBuilder("digraph {\n  graph [rankdir=").append(leftToRight ? "LR" : "BT")
                .append("];\n");
        for (Map.Entry<String, Node> e : g.nodes().entrySet()) {
            String key = e.getKey();
            if (e.getValue() instanceof Task t) {
                sb.append("  ").append(quote("fn:" + key)).append(" [shape=box, label=")
                        .append(quote(t.functionName())).append("];\n");
                sb.append("  ").append(quote("fn:" + key)).append(" -> ").append(quote(key)).append(";\n");
            }
            sb.append("  ").append(quote(key)).append(" [shape=circle, label=\"\"];\n");
            if (!(e.getValue() instanceof Task)) continue;
            for (String d : e.getValue().dependencies()) {
                sb.append("  ").append(quote(d)).append(" -> ").append(quote("fn:" + key)).append(";\n");
            }
        }
        return sb.append("}\n").toString();
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
