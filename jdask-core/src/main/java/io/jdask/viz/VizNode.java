package io.jdask.viz;

import java.util.Objects;

/**
 * One node of a graph picture, as the graph model describes it.
 *
 * <p>Dask's picture conventions: a {@link Kind#FUNCTION} node is a function call, drawn as a
 * rounded box labelled with the function name; a {@link Kind#DATA} node is a value (a task's
 * result or a literal), drawn as a circle whose label is a short key and may be empty.
 *
 * <p>Nulls are normalised so writers never see one: a {@code null} label or tooltip becomes
 * the empty string. The {@code id} must be non-blank; it is what {@link VizEdge}s name, and it
 * appears verbatim (escaped) in the SVG {@code id} attribute and as the DOT node name.
 *
 * @param id      unique key of the node within one picture, never blank
 * @param label   text drawn in the shape; long labels are shortened on screen (the full text stays in the tooltip)
 * @param kind    what the shape is
 * @param tooltip text shown on hover (SVG {@code <title>}, DOT {@code tooltip}); empty means "use the id"
 */
public record VizNode(String id, String label, Kind kind, String tooltip) {

    /** What a node stands for, which decides its shape. */
    public enum Kind {
        /** A function call: a rounded box. */
        FUNCTION,
        /** A value (task result or literal): a circle. */
        DATA
    }

    public VizNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        if (id.isBlank()) {
            throw new IllegalArgumentException(
                    "A VizNode id must not be blank (got \"" + id + "\"); use the task key.");
        }
        label = label == null ? "" : label;
        tooltip = tooltip == null ? "" : tooltip;
    }

    /** A function-call box labelled {@code label}, with no tooltip of its own. */
    public static VizNode function(String id, String label) {
        return new VizNode(id, label, Kind.FUNCTION, "");
    }

    /** A data circle labelled {@code label} (may be empty), with no tooltip of its own. */
    public static VizNode data(String id, String label) {
        return new VizNode(id, label, Kind.DATA, "");
    }

    /** The same node with another tooltip. */
    public VizNode withTooltip(String newTooltip) {
        return new VizNode(id, label, kind, newTooltip);
    }

    /** The tooltip to show: the given one, or the id when none was given. */
    String effectiveTooltip() {
        return tooltip.isEmpty() ? id : tooltip;
    }
}
