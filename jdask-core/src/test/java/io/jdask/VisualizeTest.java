package io.jdask;

import static io.jdask.Dask.all;
import static io.jdask.Dask.delayed;
import static org.assertj.core.api.Assertions.assertThat;

import io.jdask.viz.GraphPicture;
import io.jdask.viz.Rankdir;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class VisualizeTest {

    static Document parse(String svg) throws Exception {
        var f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    static List<String> texts(Document doc, String tag) {
        NodeList list = doc.getElementsByTagNameNS("*", tag);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.getLength(); i++) out.add(list.item(i).getTextContent());
        return out;
    }

    @Test
    void incIncAddIsThreeBoxesAndThreeCircles() throws Exception {
        Delayed<Integer> x = delayed(Tutorial::inc).call(1);
        Delayed<Integer> y = delayed(Tutorial::inc).call(2);
        Delayed<Integer> z = delayed(Tutorial::add).call(x, y);
        Document doc = parse(z.visualize().svg());
        assertThat(doc.getElementsByTagNameNS("*", "rect").getLength()).isGreaterThanOrEqualTo(3);
        assertThat(doc.getElementsByTagNameNS("*", "circle").getLength()).isEqualTo(3);
        List<String> labels = texts(doc, "text");
        assertThat(labels).filteredOn(t -> t.equals("inc")).hasSize(2);
        assertThat(labels).filteredOn(t -> t.equals("add")).hasSize(1);
        assertThat(String.join("\n", texts(doc, "title"))).contains(x.key(), y.key(), z.key());
    }

    @Test
    void oneFunctionBoxPerTaskInTheForLoopGraph() throws Exception {
        List<Delayed<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) results.add(delayed(Tutorial::inc).call(i));
        Delayed<Integer> total = delayed(Tutorial::sum).call(all(results));
        GraphPicture picture = total.visualize(Rankdir.LR);
        Document doc = parse(picture.svg());
        // 8 inc + list + sum calls; each makes one circle.
        assertThat(doc.getElementsByTagNameNS("*", "circle").getLength()).isEqualTo(10);
        assertThat(texts(doc, "text")).filteredOn(t -> t.equals("inc")).hasSize(8);
        assertThat(picture.dot()).contains("rankdir=LR");
        assertThat(picture.toString()).isEqualTo(picture.svg());
    }

    @Test
    void visualizeWritesSvgPngAndDotByExtension(@TempDir Path dir) throws Exception {
        Delayed<Integer> z = delayed(Tutorial::add).call(delayed(Tutorial::inc).call(1), 2);
        z.visualize(dir.resolve("z.svg"));
        z.visualize(dir.resolve("z.png"));
        z.visualize(dir.resolve("z.dot"));
        parse(Files.readString(dir.resolve("z.svg")));
        assertThat(ImageIO.read(dir.resolve("z.png").toFile()).getWidth()).isPositive();
        assertThat(Files.readString(dir.resolve("z.dot"))).startsWith("digraph");
    }
}
