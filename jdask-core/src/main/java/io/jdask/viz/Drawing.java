package io.jdask.viz;

import java.util.List;

/**
 * A finished layout in output coordinates (pixels, y pointing down), ready for any writer.
 *
 * <p>Design note: layout and writers are separate so the SVG and the PNG are the same picture.
 * Everything here is already oriented for {@link #rankdir()}; writers only paint.
 *
 * @param width  canvas width, margins included; every shape and route lies inside
 * @param height canvas height, margins included
 * @param nodes  one entry per input node, in input order
 * @param routes    one entry per distinct input edge, in input order
 * @param crossings number of edge crossings between adjacent layers in the chosen order (a
 *                  quality figure for tests and tuning; curves may touch where this does not count)
 */
record Drawing(double width, double height, Rankdir rankdir, List<Shape> nodes, List<Route> routes, long crossings) {

    /**
     * A placed node.
     *
     * @param cx       centre x
     * @param cy       centre y
     * @param width    full width (for a circle, the diameter)
     * @param height   full height (for a circle, equal to width)
     * @param text     the label as drawn: flattened to one line and shortened to fit
     * @param fontSize font size of {@code text} in pixels
     */
    record Shape(VizNode node, double cx, double cy, double width, double height, String text, double fontSize) {

        boolean isCircle() {
            return node.kind() == VizNode.Kind.DATA;
        }
    }

    /**
     * The drawn line of one edge: a start point and then cubic Bézier segments.
     *
     * @param points {@code x0,y0} then six numbers per cubic ({@code c1x,c1y,c2x,c2y,x,y}); the
     *               last point touches the target's outline, where the arrowhead's tip goes.
     *               Never mutated after construction.
     */
    record Route(VizEdge edge, double[] points) {

        int cubicCount() {
            return (points.length - 2) / 6;
        }

        double endX() {
            return points[points.length - 2];
        }

        double endY() {
            return points[points.length - 1];
        }

        /** Unit-free direction in which the route arrives at its end (never both zero). */
        double[] endDirection() {
            int n = points.length;
            double ex = points[n - 2];
            double ey = points[n - 1];
            // Walk back over control points until one differs from the end point.
            for (int i = n - 4; i >= 0; i -= 2) {
                double dx = ex - points[i];
                double dy = ey - points[i + 1];
                if (Math.abs(dx) + Math.abs(dy) > 1e-6) {
                    return new double[] {dx, dy};
                }
            }
            return new double[] {0, 1};
        }
    }
}
