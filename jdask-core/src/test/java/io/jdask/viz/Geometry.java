package io.jdask.viz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Geometric checks on a {@link Drawing}, shared by the layout tests. */
final class Geometry {

    private static final double EPS = 0.75;

    private Geometry() {}

    static Map<String, Drawing.Shape> byId(Drawing d) {
        Map<String, Drawing.Shape> out = new HashMap<>();
        for (Drawing.Shape s : d.nodes()) {
            out.put(s.node().id(), s);
        }
        return out;
    }

    /** No two node bounding boxes intersect (sweep over x, so it is fast enough for big graphs). */
    static void assertNoOverlaps(Drawing d) {
        Drawing.Shape[] shapes = d.nodes().toArray(Drawing.Shape[]::new);
        Arrays.sort(shapes, Comparator.comparingDouble(s -> s.cx() - s.width() / 2));
        for (int i = 0; i < shapes.length; i++) {
            Drawing.Shape a = shapes[i];
            for (int j = i + 1; j < shapes.length; j++) {
                Drawing.Shape b = shapes[j];
                if (b.cx() - b.width() / 2 >= a.cx() + a.width() / 2) {
                    break;
                }
                boolean overlapY = Math.abs(a.cy() - b.cy()) < (a.height() + b.height()) / 2;
                assertThat(overlapY)
                        .as("%s overlaps %s", a.node().id(), b.node().id())
                        .isFalse();
            }
        }
    }

    /** Every shape and every route point (control points included) lies inside the canvas. */
    static void assertInsideCanvas(Drawing d) {
        for (Drawing.Shape s : d.nodes()) {
            assertThat(s.cx() - s.width() / 2).isGreaterThanOrEqualTo(0);
            assertThat(s.cy() - s.height() / 2).isGreaterThanOrEqualTo(0);
            assertThat(s.cx() + s.width() / 2).isLessThanOrEqualTo(d.width());
            assertThat(s.cy() + s.height() / 2).isLessThanOrEqualTo(d.height());
        }
        for (Drawing.Route r : d.routes()) {
            double[] p = r.points();
            for (int i = 0; i < p.length; i += 2) {
                assertThat(p[i]).isBetween(0.0, d.width());
                assertThat(p[i + 1]).isBetween(0.0, d.height());
            }
        }
    }

    /** Each route starts on its source's outline and ends (arrow tip) on its target's outline. */
    static void assertRoutesTouchTheirNodes(Drawing d) {
        Map<String, Drawing.Shape> shapes = byId(d);
        for (Drawing.Route r : d.routes()) {
            double[] p = r.points();
            assertThat(onOutline(shapes.get(r.edge().from()), p[0], p[1]))
                    .as("start of %s at (%s, %s)", r.edge(), p[0], p[1])
                    .isTrue();
            assertThat(onOutline(shapes.get(r.edge().to()), r.endX(), r.endY()))
                    .as("end of %s at (%s, %s)", r.edge(), r.endX(), r.endY())
                    .isTrue();
        }
    }

    static boolean onOutline(Drawing.Shape s, double x, double y) {
        if (s.isCircle()) {
            return Math.abs(Math.hypot(x - s.cx(), y - s.cy()) - s.width() / 2) <= EPS;
        }
        double dx = Math.abs(x - s.cx()) - s.width() / 2;
        double dy = Math.abs(y - s.cy()) - s.height() / 2;
        return dx <= EPS && dy <= EPS && (Math.abs(dx) <= EPS || Math.abs(dy) <= EPS);
    }

    /** In TB every edge's source lies above its target (LR: left of it). */
    static void assertEdgesFlow(Drawing d, List<VizEdge> edges) {
        Map<String, Drawing.Shape> shapes = byId(d);
        boolean tb = d.rankdir() == Rankdir.TB;
        for (VizEdge e : edges) {
            Drawing.Shape a = shapes.get(e.from());
            Drawing.Shape b = shapes.get(e.to());
            if (tb) {
                assertThat(a.cy()).as("%s flows down", e).isLessThan(b.cy());
            } else {
                assertThat(a.cx()).as("%s flows right", e).isLessThan(b.cx());
            }
        }
        for (Drawing.Route r : d.routes()) {
            double[] p = r.points();
            if (tb) {
                assertThat(p[1]).as("route %s goes down", r.edge()).isLessThan(r.endY());
            } else {
                assertThat(p[0]).as("route %s goes right", r.edge()).isLessThan(r.endX());
            }
        }
    }

    /**
     * No route passes through a node other than its two ends (sampled along each cubic; the
     * shapes are shrunk by a pixel so that grazing an outline does not count).
     */
    static void assertRoutesAvoidOtherNodes(Drawing d) {
        for (Drawing.Route r : d.routes()) {
            double[] p = r.points();
            for (int c = 0; c < r.cubicCount(); c++) {
                int o = c * 6;
                for (int k = 0; k <= 20; k++) {
                    double t = k / 20.0;
                    double u = 1 - t;
                    double x = u * u * u * p[o]
                            + 3 * u * u * t * p[o + 2]
                            + 3 * u * t * t * p[o + 4]
                            + t * t * t * p[o + 6];
                    double y = u * u * u * p[o + 1]
                            + 3 * u * u * t * p[o + 3]
                            + 3 * u * t * t * p[o + 5]
                            + t * t * t * p[o + 7];
                    for (Drawing.Shape s : d.nodes()) {
                        String id = s.node().id();
                        if (id.equals(r.edge().from()) || id.equals(r.edge().to())) {
                            continue;
                        }
                        boolean inside = s.isCircle()
                                ? Math.hypot(x - s.cx(), y - s.cy()) < s.width() / 2 - 1
                                : Math.abs(x - s.cx()) < s.width() / 2 - 1 && Math.abs(y - s.cy()) < s.height() / 2 - 1;
                        assertThat(inside)
                                .as("route %s passes through %s at (%s, %s)", r.edge(), id, x, y)
                                .isFalse();
                    }
                }
            }
        }
    }
}
