package io.jdask.viz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

class SvgOutputTest {

    @Test
    void everyNodeIsOneShapeOfItsKindWithItsLabelAndTooltip() {
        GraphPicture p = SampleGraphs.incIncAdd()
                .function("f", "f", "f(x) computes things")
                .build();
        Svg svg = Svg.parse(p.svg());

        Map<String, Element> groups = svg.nodeGroups();
        assertThat(groups.keySet())
                .containsExactlyElementsOf(p.nodes().stream().map(VizNode::id).toList());
        for (VizNode node : p.nodes()) {
            Element g = groups.get(node.id());
            boolean function = node.kind() == VizNode.Kind.FUNCTION;
            assertThat(g.getAttribute("class")).isEqualTo(function ? "node function" : "node data");
            List<String> shapes = Svg.children(g).stream()
                    .map(Element::getLocalName)
                    .filter(n -> List.of("rect", "circle", "ellipse", "path", "polygon")
                            .contains(n))
                    .toList();
            assertThat(shapes).as("shapes of %s", node.id()).containsExactly(function ? "rect" : "circle");
            if (function) {
                assertThat(Svg.num(Svg.child(g, "rect"), "rx")).isPositive(); // rounded box
            }
            assertThat(Svg.child(g, "text").getTextContent()).isEqualTo(node.label());
            assertThat(Svg.child(g, "title").getTextContent()).isEqualTo(node.effectiveTooltip());
        }
        assertThat(Svg.child(groups.get("f"), "title").getTextContent()).isEqualTo("f(x) computes things");
        assertThat(Svg.child(groups.get("add-3"), "title").getTextContent()).isEqualTo("add-3");
    }

    @Test
    void emptyLabelDrawsNoText() {
        Svg svg = Svg.parse(GraphPicture.builder().data("x", "").build().svg());
        assertThat(Svg.children(svg.nodeGroups().get("x")).stream().map(Element::getLocalName))
                .containsExactly("title", "circle");
    }

    @Test
    void everyDistinctEdgeIsOnePathWithAnArrowhead() {
        GraphPicture p = SampleGraphs.incIncAdd().edge("inc-1", "r-inc-1").build(); // repeated edge
        Svg svg = Svg.parse(p.svg());

        List<Element> paths = svg.edgePaths();
        assertThat(paths).hasSize(5);
        assertThat(paths.stream().map(e -> e.getAttribute("data-from") + "->" + e.getAttribute("data-to")))
                .containsExactly(
                        "inc-1->r-inc-1", "inc-2->r-inc-2", "r-inc-1->add-3", "r-inc-2->add-3", "add-3->r-add-3");
        String markerId = svg.all("marker").getFirst().getAttribute("id");
        for (Element path : paths) {
            assertThat(path.getAttribute("marker-end")).isEqualTo("url(#" + markerId + ")");
            assertThat(path.getAttribute("d")).matches("M[-0-9.]+,[-0-9.]+( C[-0-9., ]+)+");
        }
    }

    @Test
    void viewBoxMatchesSizeAndHoldsEveryShape() {
        GraphPicture p = SampleGraphs.fanOutFanIn(6).build();
        Svg svg = Svg.parse(p.svg());
        double w = Svg.num(svg.root, "width");
        double h = Svg.num(svg.root, "height");
        assertThat(svg.root.getAttribute("viewBox")).isEqualTo("0 0 " + SvgWriter.num(w) + " " + SvgWriter.num(h));
        for (Element rect : svg.all("rect")) {
            if (rect.getAttribute("class").equals("background")) {
                continue;
            }
            assertThat(Svg.num(rect, "x")).isGreaterThanOrEqualTo(0);
            assertThat(Svg.num(rect, "y")).isGreaterThanOrEqualTo(0);
            assertThat(Svg.num(rect, "x") + Svg.num(rect, "width")).isLessThanOrEqualTo(w);
            assertThat(Svg.num(rect, "y") + Svg.num(rect, "height")).isLessThanOrEqualTo(h);
        }
        for (Element c : svg.all("circle")) {
            double r = Svg.num(c, "r");
            assertThat(Svg.num(c, "cx") - r).isGreaterThanOrEqualTo(0);
            assertThat(Svg.num(c, "cy") - r).isGreaterThanOrEqualTo(0);
            assertThat(Svg.num(c, "cx") + r).isLessThanOrEqualTo(w);
            assertThat(Svg.num(c, "cy") + r).isLessThanOrEqualTo(h);
        }
    }

    @Test
    void inTopDownPicturesEveryEdgePathRunsDownward() {
        Svg svg = Svg.parse(SampleGraphs.fanOutFanIn(5).build().svg());
        for (Element path : svg.edgePaths()) {
            double[] ends = ends(path.getAttribute("d"));
            assertThat(ends[1]).as(path.getAttribute("id")).isLessThan(ends[3]);
        }
    }

    @Test
    void inLeftRightPicturesEveryEdgePathRunsRightward() {
        Svg svg = Svg.parse(
                SampleGraphs.fanOutFanIn(5).rankdir(Rankdir.LR).build().svg());
        for (Element path : svg.edgePaths()) {
            double[] ends = ends(path.getAttribute("d"));
            assertThat(ends[0]).as(path.getAttribute("id")).isLessThan(ends[2]);
        }
    }

    @Test
    void markupInLabelsIdsAndTooltipsIsEscaped() {
        String nasty = "</text><script>&\"'";
        GraphPicture p = GraphPicture.builder()
                .function("f<&\">'", nasty, "tip <&> \"q\"")
                .data("d&", "x&y")
                .edge("f<&\">'", "d&")
                .build();
        Svg svg = Svg.parse(p.svg()); // fails if escaping broke the markup

        assertThat(svg.all("script")).isEmpty();
        Element g = svg.nodeGroups().get("f<&\">'");
        assertThat(g).isNotNull();
        assertThat(Svg.child(g, "title").getTextContent()).isEqualTo("tip <&> \"q\"");
        assertThat(Svg.child(g, "text").getTextContent()).isEqualTo(nasty);
        assertThat(Svg.child(svg.nodeGroups().get("d&"), "text").getTextContent())
                .isEqualTo("x&y");
        assertThat(svg.edgePaths().getFirst().getAttribute("data-from")).isEqualTo("f<&\">'");
    }

    @Test
    void controlCharactersAndBrokenSurrogatesStillGiveWellFormedXml() {
        String label = "line1\nline2\u0000\u0007 \ud800 end \ud83d\ude00";
        GraphPicture p =
                GraphPicture.builder().function("id\u0001", label, "t\u0002ip").build();
        Svg svg = Svg.parse(p.svg());
        Element g = svg.nodeGroups().values().iterator().next();
        assertThat(Svg.child(g, "text").getTextContent()).isEqualTo("line1 line2   \ufffd end \ud83d\ude00");
        assertThat(Svg.child(g, "title").getTextContent()).isEqualTo("t\ufffdip");
    }

    @Test
    void longLabelsAreShortenedOnScreenButKeptWhole() {
        String name = "a_really_long_function_name_".repeat(5);
        GraphPicture p = GraphPicture.builder().function("f", name).build();
        Element g = Svg.parse(p.svg()).nodeGroups().get("f");
        String shown = Svg.child(g, "text").getTextContent();
        assertThat(shown).endsWith(TextMetrics.ELLIPSIS).hasSizeLessThan(name.length());
        assertThat(name).startsWith(shown.substring(0, shown.length() - 1));
        assertThat(Svg.child(g, "title").getTextContent()).isEqualTo("f");
        assertThat(Svg.num(Svg.child(g, "rect"), "width"))
                .isLessThanOrEqualTo(LayeredLayout.BOX_MAX_TEXT + 2 * LayeredLayout.BOX_PAD + 1);
    }

    @Test
    void emptyGraphIsAValidEmptyPicture() {
        Svg svg = Svg.parse(GraphPicture.of(List.of(), List.of()).svg());
        assertThat(svg.nodeGroups()).isEmpty();
        assertThat(svg.edgePaths()).isEmpty();
        assertThat(Svg.num(svg.root, "width")).isPositive();
    }

    /** Start and end point {x0, y0, x1, y1} of an SVG path made of M and C commands. */
    static double[] ends(String d) {
        String[] nums = d.replaceAll("[MC]", " ").trim().split("[ ,]+");
        return new double[] {
            Double.parseDouble(nums[0]), Double.parseDouble(nums[1]),
            Double.parseDouble(nums[nums.length - 2]), Double.parseDouble(nums[nums.length - 1])
        };
    }
}
