package io.jdask.viz;

/**
 * Writes a {@link VizGraph} as Graphviz DOT text.
 *
 * <p>Design note: DOT needs no layout (Graphviz does its own), so this works from the validated
 * graph, not from a {@link Drawing}. Every id and attribute value is a double-quoted string, so
 * any node id is valid DOT: inside quotes a {@code "} is escaped as {@code \"}; a backslash is
 * doubled so that no id or label can end in an escape that swallows the closing quote, and in
 * labels (Graphviz "escString") {@code \\} then reads back as one backslash; a line break in a
 * label becomes the {@code \n} escape (a centred line) and other control characters a space.
 * Shapes and colours follow the SVG: rounded filled boxes for calls, circles for data.
 */
final class DotWriter {

    private DotWriter() {}

    static String write(VizGraph g, Rankdir rankdir) {
        StringBuilder out = new StringBuilder(128 + g.nodeCount() * 96 + g.edgeCount() * 32);
        out.append("digraph \"jdask\" {\n");
        out.append("  graph [rankdir=").append(rankdir.name()).append("];\n");
        out.append("  node [fontname=\"Helvetica\", fontsize=")
                .append((int) LayeredLayout.FUNCTION_FONT)
                .append(", color=\"")
                .append(Style.OUTLINE)
                .append("\"];\n");
        out.append("  edge [color=\"").append(Style.EDGE).append("\"];\n");
        for (VizNode n : g.nodes) {
            out.append("  ").append(quote(n.id())).append(" [label=").append(quote(n.label()));
            if (n.kind() == VizNode.Kind.FUNCTION) {
                out.append(", shape=box, style=\"rounded,filled\", fillcolor=\"")
                        .append(Style.FUNCTION_FILL)
                        .append('"');
            } else {
                out.append(", shape=circle, style=filled, fillcolor=\"")
                        .append(Style.DATA_FILL)
                        .append('"')
                        .append(", fontsize=")
                        .append((int) LayeredLayout.DATA_FONT);
            }
            out.append(", tooltip=").append(quote(n.effectiveTooltip())).append("];\n");
        }
        for (VizEdge e : g.edges) {
            out.append("  ")
                    .append(quote(e.from()))
                    .append(" -> ")
                    .append(quote(e.to()))
                    .append(";\n");
        }
        out.append("}\n");
        return out.toString();
    }

    /** {@code s} as a DOT double-quoted string. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(Character.isISOControl(c) ? ' ' : c);
            }
        }
        return out.append('"').toString();
    }
}
