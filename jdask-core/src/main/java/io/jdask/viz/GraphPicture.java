package io.jdask.viz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A picture of a task graph, like the one Dask's {@code visualize()} draws: function calls as
 * rounded boxes, data as circles, arrows from inputs to the calls that use them and from calls
 * to their results.
 *
 * <p>Design note: the picture is immutable; it keeps the validated input and computes the
 * layout ({@link LayeredLayout}, written here, so no Graphviz binary is needed) the first time
 * SVG or PNG output is asked for, then reuses it. SVG, PNG and DOT are produced on demand;
 * the same input always gives the same bytes. {@link #toString()} is the SVG markup so that
 * notebook kernels that display an object by its string show the picture inline; {@link #html()}
 * wraps it for embedding in a page. All methods are safe to call from several threads.
 *
 * {@snippet :
 * // Dask's add(inc(1), inc(2)), drawn left to right (GraphPictureTest runs this code)
 * GraphPicture picture = GraphPicture.builder()
 *         .function("inc-1", "inc").data("r1", "")
 *         .function("inc-2", "inc").data("r2", "")
 *         .function("add-3", "add").data("r3", "add-3")
 *         .edge("inc-1", "r1").edge("inc-2", "r2")
 *         .edge("r1", "add-3").edge("r2", "add-3").edge("add-3", "r3")
 *         .rankdir(Rankdir.LR)
 *         .build();
 * picture.save(dir.resolve("graph.svg")).save(dir.resolve("graph.png"));
 * }
 */
public final class GraphPicture {

    /** File extensions {@link #save(Path)} understands, in the order the error message lists them. */
    private static final List<String> SUPPORTED = List.of(".svg", ".png", ".dot", ".html");

    private static final double DEFAULT_PNG_SCALE = 2.0;

    private final VizGraph graph;
    private final Rankdir rankdir;
    /** The layout; null until first needed, then never changes. Guarded by {@code this}. */
    private Drawing drawing;
    /** Cached {@link #svg()} result, or null. Racy single-check: any thread may compute the identical string. */
    private volatile String svg;

    private GraphPicture(VizGraph graph, Rankdir rankdir) {
        this.graph = graph;
        this.rankdir = rankdir;
    }

    /**
     * A picture of the given nodes and edges.
     *
     * @throws IllegalArgumentException if two nodes share an id or an edge names an unknown node
     *                                  (the message names it)
     * @throws NullPointerException     if an argument or a list element is null
     */
    public static GraphPicture of(List<VizNode> nodes, List<VizEdge> edges, Rankdir rankdir) {
        Objects.requireNonNull(rankdir, "rankdir");
        return new GraphPicture(VizGraph.of(nodes, edges), rankdir);
    }

    /** A top-to-bottom ({@link Rankdir#TB}) picture of the given nodes and edges. */
    public static GraphPicture of(List<VizNode> nodes, List<VizEdge> edges) {
        return of(nodes, edges, Rankdir.TB);
    }

    /** A builder collecting nodes and edges one at a time. */
    public static Builder builder() {
        return new Builder();
    }

    public Rankdir rankdir() {
        return rankdir;
    }

    /** The nodes, in the order given. */
    public List<VizNode> nodes() {
        return graph.nodes;
    }

    /** The distinct edges, in the order given (a repeated edge is drawn once). */
    public List<VizEdge> edges() {
        return graph.edges;
    }

    /** A self-contained SVG document (no XML prolog, so it can also be inlined into HTML). */
    public String svg() {
        String s = svg;
        if (s == null) {
            s = SvgWriter.write(drawing());
            svg = s;
        }
        return s;
    }

    /** The graph in Graphviz DOT syntax, for {@code dot -Tpdf} and friends. */
    public String dot() {
        return DotWriter.write(graph, rankdir);
    }

    /** The picture as PNG, drawn at twice the SVG's pixel size (smaller for very large graphs). */
    public byte[] png() {
        return png(DEFAULT_PNG_SCALE);
    }

    /**
     * The picture as PNG at {@code scale} device pixels per SVG pixel; very large pictures are
     * scaled down further so the image stays below about 12 megapixels.
     */
    public byte[] png(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("PNG scale must be a positive number, got " + scale);
        }
        return PngWriter.write(drawing(), scale);
    }

    /** An HTML fragment showing the picture: the SVG in a {@code div} that scrolls when the graph is large. */
    public String html() {
        return "<div class=\"jdask-graph-container\" style=\"overflow:auto;max-width:100%\">\n" + svg() + "</div>\n";
    }

    /** The SVG as a {@code data:} URI, for an {@code <img src=...>} or a Markdown image. */
    public String svgDataUri() {
        return "data:image/svg+xml;base64,"
                + Base64.getEncoder().encodeToString(svg().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes the picture to {@code file}, choosing the format by extension (case-insensitive):
     * {@code .svg}, {@code .png}, {@code .dot} or {@code .html} (a small standalone page).
     * Missing parent directories are created.
     *
     * @return this picture, for chaining
     * @throws IllegalArgumentException if the extension is none of those
     * @throws UncheckedIOException     if writing fails
     */
    public GraphPicture save(Path file) {
        Objects.requireNonNull(file, "file");
        Path name = file.getFileName();
        String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        int dot = lower.lastIndexOf('.');
        String ext = dot < 0 ? "" : lower.substring(dot);
        byte[] bytes = switch (ext) {
            case ".svg" -> svg().getBytes(StandardCharsets.UTF_8);
            case ".png" -> png();
            case ".dot" -> dot().getBytes(StandardCharsets.UTF_8);
            case ".html" -> page().getBytes(StandardCharsets.UTF_8);
            default ->
                throw new IllegalArgumentException("Cannot tell the picture format of \"" + file
                        + "\" from its extension" + (ext.isEmpty() ? "" : " \"" + ext + "\"") + "; use one of "
                        + String.join(", ", SUPPORTED) + ".");
        };
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the graph picture to " + file, e);
        }
        return this;
    }

    /** The SVG markup, so that displaying this object in a notebook shows the picture. */
    @Override
    public String toString() {
        return svg();
    }

    private String page() {
        return "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>jdask task graph</title></head>\n<body>\n"
                + html() + "</body>\n</html>\n";
    }

    private synchronized Drawing drawing() {
        if (drawing == null) {
            drawing = LayeredLayout.layout(graph, rankdir);
        }
        return drawing;
    }

    /** Test hook: the layout the SVG and PNG writers paint. */
    Drawing layout() {
        return drawing();
    }

    /**
     * Collects nodes and edges for a {@link GraphPicture}. Validation happens in {@link #build()}.
     * Not thread-safe; reuse is fine (each {@code build()} copies what was collected so far).
     */
    public static final class Builder {
        private final List<VizNode> nodes = new ArrayList<>();
        private final List<VizEdge> edges = new ArrayList<>();
        private Rankdir rankdir = Rankdir.TB;

        private Builder() {}

        public Builder node(VizNode node) {
            nodes.add(Objects.requireNonNull(node, "node"));
            return this;
        }

        /** Adds a function-call box. */
        public Builder function(String id, String label) {
            return node(VizNode.function(id, label));
        }

        /** Adds a function-call box with a tooltip. */
        public Builder function(String id, String label, String tooltip) {
            return node(new VizNode(id, label, VizNode.Kind.FUNCTION, tooltip));
        }

        /** Adds a data circle. */
        public Builder data(String id, String label) {
            return node(VizNode.data(id, label));
        }

        /** Adds a data circle with a tooltip. */
        public Builder data(String id, String label, String tooltip) {
            return node(new VizNode(id, label, VizNode.Kind.DATA, tooltip));
        }

        public Builder edge(String from, String to) {
            edges.add(new VizEdge(from, to));
            return this;
        }

        public Builder edge(VizEdge edge) {
            edges.add(Objects.requireNonNull(edge, "edge"));
            return this;
        }

        /** Direction of flow; {@link Rankdir#TB} unless set. */
        public Builder rankdir(Rankdir direction) {
            this.rankdir = Objects.requireNonNull(direction, "rankdir");
            return this;
        }

        /**
         * @throws IllegalArgumentException if two nodes share an id or an edge names an unknown node
         */
        public GraphPicture build() {
            return GraphPicture.of(nodes, edges, rankdir);
        }
    }
}
