package io.jdask.viz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngOutputTest {

    static BufferedImage decode(byte[] png) throws IOException {
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image).as("ImageIO decodes the PNG").isNotNull();
        return image;
    }

    @Test
    void pngIsTheSvgLayoutAtTwiceTheSize() throws IOException {
        GraphPicture p = SampleGraphs.incIncAdd().build();
        Drawing d = p.layout();
        BufferedImage image = decode(p.png());
        assertThat(image.getWidth()).isEqualTo((int) Math.ceil(d.width() * 2));
        assertThat(image.getHeight()).isEqualTo((int) Math.ceil(d.height() * 2));
        assertThat(image.getWidth()).isBetween(100, 2000);
        assertThat(image.getHeight()).isBetween(100, 2000);
        assertThat(decode(p.png(1.0)).getWidth()).isEqualTo((int) Math.ceil(d.width()));
    }

    @Test
    void shapesArePaintedWhereTheLayoutPutsThem() throws IOException {
        GraphPicture p = GraphPicture.builder()
                .function("f", "fn")
                .data("x", "")
                .edge("f", "x")
                .build();
        Drawing d = p.layout();
        BufferedImage image = decode(p.png(1.0));
        assertThat(rgb(image, 1, 1)).as("background").isEqualTo(0xffffff);
        Drawing.Shape box = Geometry.byId(d).get("f");
        Drawing.Shape circle = Geometry.byId(d).get("x");
        // Just inside the box's left edge there is no text: pure fill colour.
        assertThat(rgb(image, box.cx() - box.width() / 2 + 4, box.cy())).isEqualTo(hex(Style.FUNCTION_FILL));
        assertThat(rgb(image, circle.cx(), circle.cy())).isEqualTo(hex(Style.DATA_FILL));
        // The label's glyphs are painted: the box's centre row holds dark pixels.
        boolean dark = false;
        for (int x = (int) (box.cx() - 10); x <= box.cx() + 10; x++) {
            for (int y = (int) box.cy() - 5; y <= box.cy() + 5; y++) {
                dark |= brightness(image.getRGB(x, y)) < 100;
            }
        }
        assertThat(dark).as("label text painted").isTrue();
        // The edge between them is painted in the gap.
        double midY = (box.cy() + box.height() / 2 + circle.cy() - circle.height() / 2) / 2;
        assertThat(brightness(image.getRGB((int) Math.round(box.cx()), (int) midY)))
                .isLessThan(200);
    }

    @Test
    void hugeGraphsAreScaledDownToBoundMemory() throws IOException {
        GraphPicture p = SampleGraphs.chainsThenTreeSum(256).build();
        BufferedImage image = decode(p.png());
        assertThat((double) image.getWidth() * image.getHeight()).isLessThanOrEqualTo(PngWriter.MAX_PIXELS * 1.01);
        Drawing d = p.layout();
        assertThat((double) image.getWidth() / image.getHeight())
                .isCloseTo(
                        d.width() / d.height(), org.assertj.core.api.Assertions.within(0.05 * d.width() / d.height()));
    }

    @Test
    void rejectsNonsenseScales() {
        GraphPicture p = SampleGraphs.incIncAdd().build();
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> p.png(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("scale");
        }
    }

    private static int rgb(BufferedImage image, double x, double y) {
        return image.getRGB((int) Math.round(x), (int) Math.round(y)) & 0xffffff;
    }

    private static int hex(String color) {
        return Integer.parseInt(color.substring(1), 16);
    }

    private static int brightness(int argb) {
        return (((argb >> 16) & 0xff) + ((argb >> 8) & 0xff) + (argb & 0xff)) / 3;
    }
}
