package io.jdask.viz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphPictureTest {

    @TempDir
    Path dir;

    @Test
    void classJavadocExampleRuns() throws Exception {
        // Keep in sync with the snippet in GraphPicture's class comment.
        GraphPicture picture = GraphPicture.builder()
                .function("inc-1", "inc")
                .data("r1", "")
                .function("inc-2", "inc")
                .data("r2", "")
                .function("add-3", "add")
                .data("r3", "add-3")
                .edge("inc-1", "r1")
                .edge("inc-2", "r2")
                .edge("r1", "add-3")
                .edge("r2", "add-3")
                .edge("add-3", "r3")
                .rankdir(Rankdir.LR)
                .build();
        picture.save(dir.resolve("graph.svg")).save(dir.resolve("graph.png"));
        assertThat(Svg.parse(Files.readString(dir.resolve("graph.svg"))).nodeGroups())
                .hasSize(6);
        assertThat(PngOutputTest.decode(Files.readAllBytes(dir.resolve("graph.png")))
                        .getHeight())
                .isPositive();
    }

    @Test
    void sameInputGivesIdenticalBytesEveryTime() {
        GraphPicture a = SampleGraphs.chainsThenTreeSum(20).build();
        GraphPicture b = SampleGraphs.chainsThenTreeSum(20).build();
        assertThat(b.svg()).isEqualTo(a.svg());
        assertThat(b.dot()).isEqualTo(a.dot());
        assertThat(b.png()).isEqualTo(a.png());
        GraphPicture lr1 =
                SampleGraphs.chainsThenTreeSum(20).rankdir(Rankdir.LR).build();
        GraphPicture lr2 =
                SampleGraphs.chainsThenTreeSum(20).rankdir(Rankdir.LR).build();
        assertThat(lr2.svg()).isEqualTo(lr1.svg()).isNotEqualTo(a.svg());
    }

    @Test
    void builderAndFactoryAgree() {
        List<VizNode> nodes =
                List.of(VizNode.function("f", "f"), VizNode.data("x", "x").withTooltip("the x"));
        List<VizEdge> edges = List.of(VizEdge.of("f", "x"));
        GraphPicture fromFactory = GraphPicture.of(nodes, edges, Rankdir.LR);
        GraphPicture fromBuilder = GraphPicture.builder()
                .function("f", "f")
                .data("x", "x", "the x")
                .edge("f", "x")
                .rankdir(Rankdir.LR)
                .build();
        assertThat(fromBuilder.nodes()).isEqualTo(fromFactory.nodes());
        assertThat(fromBuilder.svg()).isEqualTo(fromFactory.svg());
        assertThat(GraphPicture.of(nodes, edges).rankdir()).isEqualTo(Rankdir.TB);
    }

    @Test
    void anEdgeToAnUnknownNodeIsRejectedByName() {
        List<VizNode> nodes = List.of(VizNode.function("f", "f"));
        assertThatThrownBy(() -> GraphPicture.of(nodes, List.of(VizEdge.of("f", "ghost"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"ghost\"")
                .hasMessageContaining("f -> ghost");
        assertThatThrownBy(() -> GraphPicture.of(nodes, List.of(VizEdge.of("phantom", "f"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"phantom\"");
    }

    @Test
    void duplicateIdsAndBlankIdsAreRejected() {
        assertThatThrownBy(() ->
                        GraphPicture.builder().function("k", "f").data("k", "").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Duplicate node id \"k\"");
        assertThatThrownBy(() -> VizNode.function(" ", "f"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blank");
        assertThatThrownBy(() -> GraphPicture.of(List.of(VizNode.data("x", "")), List.of(), null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void nullLabelsAndTooltipsBecomeEmpty() {
        VizNode n = new VizNode("x", null, VizNode.Kind.DATA, null);
        assertThat(n.label()).isEmpty();
        assertThat(n.tooltip()).isEmpty();
        assertThat(n.effectiveTooltip()).isEqualTo("x");
    }

    @Test
    void repeatedEdgesAreDrawnOnce() {
        GraphPicture p = GraphPicture.builder()
                .data("x", "")
                .function("f", "add")
                .edge("x", "f")
                .edge("x", "f")
                .build(); // add(x, x)
        assertThat(p.edges()).containsExactly(VizEdge.of("x", "f"));
        assertThat(Svg.parse(p.svg()).edgePaths()).hasSize(1);
    }

    @Test
    void saveChoosesTheFormatByExtension() throws Exception {
        GraphPicture p = SampleGraphs.incIncAdd().build();
        Path svg = dir.resolve("g.svg");
        Path png = dir.resolve("nested/deeper/g.PNG");
        Path dot = dir.resolve("g.dot");
        Path html = dir.resolve("g.html");
        assertThat(p.save(svg).save(png).save(dot).save(html)).isSameAs(p);

        assertThat(Files.readString(svg)).isEqualTo(p.svg());
        assertThat(Files.readAllBytes(png)).isEqualTo(p.png());
        assertThat(Files.readString(dot)).isEqualTo(p.dot());
        assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains(p.svg());
    }

    @Test
    void saveRejectsUnknownExtensionsListingTheSupportedOnes() {
        GraphPicture p = SampleGraphs.incIncAdd().build();
        for (String name : List.of("g.pdf", "g", "g.svg.bak", ".hidden")) {
            Path file = dir.resolve(name);
            assertThatThrownBy(() -> p.save(file))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(name)
                    .hasMessageContaining(".svg")
                    .hasMessageContaining(".png")
                    .hasMessageContaining(".dot");
            assertThat(file).doesNotExist();
        }
    }

    @Test
    void toStringIsTheSvgAndHtmlEmbedsIt() {
        GraphPicture p = SampleGraphs.incIncAdd().build();
        assertThat(p.toString()).isEqualTo(p.svg()).startsWith("<svg ");
        assertThat(p.html()).startsWith("<div").contains(p.svg()).endsWith("</div>\n");
        String uri = p.svgDataUri();
        assertThat(uri).startsWith("data:image/svg+xml;base64,");
        String decoded =
                new String(Base64.getDecoder().decode(uri.substring(uri.indexOf(',') + 1)), StandardCharsets.UTF_8);
        assertThat(decoded).isEqualTo(p.svg());
    }

    @Test
    void twoThousandNodeGraphRendersInEveryFormat() throws Exception {
        GraphPicture p = SampleGraphs.chainsThenTreeSum(256).build();
        Svg svg = Svg.parse(p.svg());
        assertThat(svg.nodeGroups()).hasSize(2046);
        assertThat(svg.edgePaths()).hasSize(p.edges().size());
        assertThat(DotOutputTest.Dot.parse(p.dot()).nodes).hasSize(2046);
        assertThat(PngOutputTest.decode(p.png()).getWidth()).isPositive();
    }
}
