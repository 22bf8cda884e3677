package io.jdask.viz;

/**
 * Writes a {@link Drawing} as a self-contained SVG document.
 *
 * <p>Design note: the SVG must work both as a file and inlined in an HTML page (a notebook), so
 * there is no XML prolog, no external reference and no {@code <style>} sheet (a stylesheet
 * inlined into a page would restyle the page's other elements); styling is presentation
 * attributes on groups, inherited by the shapes. Each node is a {@code <g class="node function">}
 * or {@code <g class="node data">} whose {@code id} is the node id and whose {@code <title>} is
 * the tooltip; each edge is one {@code <path class="edge">} whose end carries a shared arrowhead
 * marker. Numbers are written with one decimal, locale-independently, so output is byte-stable.
 */
final class SvgWriter {

    static final String ARROW_ID = "jdask-arrowhead";
    static final String FONT_FAMILY = "Helvetica, Arial, sans-serif";

    private SvgWriter() {}

    static String write(Drawing d) {
        StringBuilder out =
                new StringBuilder(256 + d.nodes().size() * 220 + d.routes().size() * 160);
        String w = num(Math.ceil(d.width()));
        String h = num(Math.ceil(d.height()));
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"jdask-graph\" width=\"")
                .append(w)
                .append("\" height=\"")
                .append(h)
                .append("\" viewBox=\"0 0 ")
                .append(w)
                .append(' ')
                .append(h)
                .append("\" font-family=\"")
                .append(FONT_FAMILY)
                .append("\">\n");
        out.append("<defs><marker id=\"")
                .append(ARROW_ID)
                .append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\""
                        + " markerUnits=\"userSpaceOnUse\" orient=\"auto\">"
                        + "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"" + Style.EDGE + "\"/></marker></defs>\n");
        out.append("<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"")
                .append(Style.BACKGROUND)
                .append("\"/>\n");

        out.append("<g class=\"edges\" fill=\"none\" stroke=\"")
                .append(Style.EDGE)
                .append("\" stroke-width=\"1.2\">\n");
        for (Drawing.Route r : d.routes()) {
            out.append("<path class=\"edge\" id=\"")
                    .append(Xml.attr(r.edge().from() + "->" + r.edge().to()))
                    .append("\" data-from=\"")
                    .append(Xml.attr(r.edge().from()))
                    .append("\" data-to=\"")
                    .append(Xml.attr(r.edge().to()))
                    .append("\" marker-end=\"url(#")
                    .append(ARROW_ID)
                    .append(")\" d=\"");
            double[] p = r.points();
            out.append('M').append(num(p[0])).append(',').append(num(p[1]));
            for (int i = 2; i < p.length; i += 6) {
                out.append(" C")
                        .append(num(p[i]))
                        .append(',')
                        .append(num(p[i + 1]))
                        .append(' ')
                        .append(num(p[i + 2]))
                        .append(',')
                        .append(num(p[i + 3]))
                        .append(' ')
                        .append(num(p[i + 4]))
                        .append(',')
                        .append(num(p[i + 5]));
            }
            out.append("\"/>\n");
        }
        out.append("</g>\n");

        out.append("<g class=\"nodes\" stroke=\"").append(Style.OUTLINE).append("\" stroke-width=\"1.2\">\n");
        for (Drawing.Shape s : d.nodes()) {
            boolean circle = s.isCircle();
            out.append("<g class=\"node ")
                    .append(circle ? "data" : "function")
                    .append("\" id=\"")
                    .append(Xml.attr(s.node().id()))
                    .append("\">");
            out.append("<title>").append(Xml.text(s.node().effectiveTooltip())).append("</title>");
            if (circle) {
                out.append("<circle cx=\"")
                        .append(num(s.cx()))
                        .append("\" cy=\"")
                        .append(num(s.cy()))
                        .append("\" r=\"")
                        .append(num(s.width() / 2))
                        .append("\" fill=\"")
                        .append(Style.DATA_FILL)
                        .append("\"/>");
            } else {
                out.append("<rect x=\"")
                        .append(num(s.cx() - s.width() / 2))
                        .append("\" y=\"")
                        .append(num(s.cy() - s.height() / 2))
                        .append("\" width=\"")
                        .append(num(s.width()))
                        .append("\" height=\"")
                        .append(num(s.height()))
                        .append("\" rx=\"")
                        .append(num(Style.CORNER))
                        .append("\" ry=\"")
                        .append(num(Style.CORNER))
                        .append("\" fill=\"")
                        .append(Style.FUNCTION_FILL)
                        .append("\"/>");
            }
            if (!s.text().isEmpty()) {
                // Baseline about 0.35 em below the centre centres the x-height; dominant-baseline
                // is not honoured by every renderer.
                out.append("<text x=\"")
                        .append(num(s.cx()))
                        .append("\" y=\"")
                        .append(num(s.cy() + s.fontSize() * 0.35))
                        .append("\" font-size=\"")
                        .append(num(s.fontSize()))
                        .append("\" text-anchor=\"middle\" stroke=\"none\" fill=\"")
                        .append(Style.TEXT)
                        .append("\">")
                        .append(Xml.text(s.text()))
                        .append("</text>");
            }
            out.append("</g>\n");
        }
        out.append("</g>\n</svg>\n");
        return out.toString();
    }

    /** {@code v} rounded to one decimal, without a trailing {@code .0}, independent of locale. */
    static String num(double v) {
        long tenths = Math.round(v * 10);
        StringBuilder s = new StringBuilder();
        if (tenths < 0) {
            s.append('-');
            tenths = -tenths;
        }
        s.append(tenths / 10);
        if (tenths % 10 != 0) {
            s.append('.').append(tenths % 10);
        }
        return s.toString();
    }
}
