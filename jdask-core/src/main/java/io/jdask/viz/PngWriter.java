package io.jdask.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.font.FontRenderContext;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Paints a {@link Drawing} with Java2D and encodes it as PNG.
 *
 * <p>Design note: this paints the very layout the SVG shows, so both formats agree. It needs no
 * display: {@link BufferedImage} rendering works in headless mode (the JDK picks headless
 * automatically when no display is present). Text uses the logical {@code SansSerif} font;
 * since the layout sized boxes from estimated widths, a label whose real width would not fit
 * is drawn with a proportionally smaller font rather than overflowing its shape. Pictures of
 * huge graphs are scaled down so the image stays under {@link #MAX_PIXELS}, bounding memory.
 * Output is deterministic for a given JDK and font set (the PNG encoder writes no timestamps).
 */
final class PngWriter {

    /** Upper bound on width × height of the encoded image (about 48 MB of ARGB while painting). */
    static final double MAX_PIXELS = 12_000_000;

    private PngWriter() {}

    static byte[] write(Drawing d, double requestedScale) {
        double scale = Math.min(requestedScale, Math.sqrt(MAX_PIXELS / (d.width() * d.height())));
        int w = Math.max(1, (int) Math.ceil(d.width() * scale));
        int h = Math.max(1, (int) Math.ceil(d.height() * scale));
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.setColor(Style.awt(Style.BACKGROUND));
            g.fillRect(0, 0, w, h);
            g.scale(scale, scale);
            paintEdges(g, d);
            paintNodes(g, d);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IllegalStateException("This JDK has no PNG encoder (ImageIO found no writer for \"png\").");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Encoding the PNG failed", e);
        }
        return bytes.toByteArray();
    }

    private static void paintEdges(Graphics2D g, Drawing d) {
        Color edge = Style.awt(Style.EDGE);
        g.setColor(edge);
        g.setStroke(new BasicStroke((float) Style.STROKE, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND));
        for (Drawing.Route r : d.routes()) {
            double[] p = r.points();
            Path2D.Double path = new Path2D.Double();
            path.moveTo(p[0], p[1]);
            for (int i = 2; i < p.length; i += 6) {
                path.curveTo(p[i], p[i + 1], p[i + 2], p[i + 3], p[i + 4], p[i + 5]);
            }
            g.draw(path);
            double[] dir = r.endDirection();
            double len = Math.hypot(dir[0], dir[1]);
            double ux = dir[0] / len;
            double uy = dir[1] / len;
            double tipX = r.endX();
            double tipY = r.endY();
            double baseX = tipX - ux * Style.ARROW_LENGTH;
            double baseY = tipY - uy * Style.ARROW_LENGTH;
            Path2D.Double head = new Path2D.Double();
            head.moveTo(tipX, tipY);
            head.lineTo(baseX - uy * Style.ARROW_HALF_WIDTH, baseY + ux * Style.ARROW_HALF_WIDTH);
            head.lineTo(baseX + uy * Style.ARROW_HALF_WIDTH, baseY - ux * Style.ARROW_HALF_WIDTH);
            head.closePath();
            g.fill(head);
        }
    }

    private static void paintNodes(Graphics2D g, Drawing d) {
        Color outline = Style.awt(Style.OUTLINE);
        Color functionFill = Style.awt(Style.FUNCTION_FILL);
        Color dataFill = Style.awt(Style.DATA_FILL);
        Color textColor = Style.awt(Style.TEXT);
        g.setStroke(new BasicStroke((float) Style.STROKE));
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        FontRenderContext frc = g.getFontRenderContext();
        for (Drawing.Shape s : d.nodes()) {
            java.awt.Shape shape;
            double room;
            if (s.isCircle()) {
                shape = new Ellipse2D.Double(s.cx() - s.width() / 2, s.cy() - s.height() / 2, s.width(), s.height());
                room = s.width() * 0.8;
                g.setColor(dataFill);
            } else {
                shape = new RoundRectangle2D.Double(
                        s.cx() - s.width() / 2,
                        s.cy() - s.height() / 2,
                        s.width(),
                        s.height(),
                        2 * Style.CORNER,
                        2 * Style.CORNER);
                room = s.width() - 2 * (LayeredLayout.BOX_PAD - 4);
                g.setColor(functionFill);
            }
            g.fill(shape);
            g.setColor(outline);
            g.draw(shape);
            if (s.text().isEmpty()) {
                continue;
            }
            Font font = base.deriveFont((float) s.fontSize());
            double textWidth = font.getStringBounds(s.text(), frc).getWidth();
            if (textWidth > room) {
                font = font.deriveFont((float) (s.fontSize() * room / textWidth));
                textWidth = font.getStringBounds(s.text(), frc).getWidth();
            }
            var metrics = font.getLineMetrics(s.text(), frc);
            g.setFont(font);
            g.setColor(textColor);
            float baseline = (float) (s.cy() + (metrics.getAscent() - metrics.getDescent()) / 2);
            g.drawString(s.text(), (float) (s.cx() - textWidth / 2), baseline);
        }
    }
}
