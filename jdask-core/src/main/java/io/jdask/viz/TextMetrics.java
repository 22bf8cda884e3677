package io.jdask.viz;

/**
 * Estimates how wide a label is, without fonts.
 *
 * <p>Design note: layout must be deterministic (same input, same bytes) and must not depend on
 * which fonts a machine has, so sizes come from a fixed table of advance widths close to
 * Helvetica/Arial (in thousandths of an em) rather than from {@code FontMetrics}. The SVG asks
 * for {@code Helvetica, Arial, sans-serif}, so browsers render text about this wide; the PNG
 * writer measures the real font and shrinks text that would not fit (see {@link PngWriter}).
 * Characters outside printable ASCII get a generic width; East Asian wide characters a full em.
 */
final class TextMetrics {

    /** Advance widths for code points 32..126, in 1/1000 em. */
    private static final short[] ASCII_WIDTHS = {
        278,
        278,
        355,
        556,
        556,
        889,
        667,
        191,
        333,
        333,
        389,
        584,
        278,
        333,
        278,
        278, // space .. /
        556,
        556,
        556,
        556,
        556,
        556,
        556,
        556,
        556,
        556, // 0..9
        278,
        278,
        584,
        584,
        584,
        556,
        1015, // : ; < = > ? @
        667,
        667,
        722,
        722,
        667,
        611,
        778,
        722,
        278,
        500,
        667,
        556,
        833, // A..M
        722,
        778,
        667,
        778,
        722,
        667,
        611,
        722,
        667,
        944,
        667,
        667,
        611, // N..Z
        278,
        278,
        278,
        469,
        556,
        333, // [ \ ] ^ _ `
        556,
        556,
        500,
        556,
        556,
        278,
        556,
        556,
        222,
        222,
        500,
        222,
        833, // a..m
        556,
        556,
        556,
        556,
        333,
        500,
        278,
        556,
        500,
        722,
        500,
        500,
        500, // n..z
        334,
        260,
        334,
        584 // { | } ~
    };

    private static final int DEFAULT_WIDTH = 600;
    private static final int WIDE_WIDTH = 1000;
    static final String ELLIPSIS = "\u2026";

    private TextMetrics() {}

    /** Estimated width in pixels of {@code text} set at {@code fontSize} pixels. */
    static double width(String text, double fontSize) {
        long units = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            units += advance(cp);
            i += Character.charCount(cp);
        }
        return units * fontSize / 1000.0;
    }

    /**
     * {@code text} with line breaks and control characters turned into spaces, shortened with an
     * ellipsis so that it is at most {@code maxWidth} pixels wide at {@code fontSize}.
     */
    static String fit(String text, double fontSize, double maxWidth) {
        String flat = flatten(text);
        if (width(flat, fontSize) <= maxWidth) {
            return flat;
        }
        double budget = maxWidth - width(ELLIPSIS, fontSize);
        StringBuilder out = new StringBuilder();
        double used = 0;
        for (int i = 0; i < flat.length(); ) {
            int cp = flat.codePointAt(i);
            double w = advance(cp) * fontSize / 1000.0;
            if (used + w > budget) {
                break;
            }
            out.appendCodePoint(cp);
            used += w;
            i += Character.charCount(cp);
        }
        return out.toString().stripTrailing() + ELLIPSIS;
    }

    /** Replaces every control character (including line breaks) with a space. */
    static String flatten(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            out.appendCodePoint(Character.isISOControl(cp) ? ' ' : cp);
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static int advance(int cp) {
        if (cp >= 32 && cp <= 126) {
            return ASCII_WIDTHS[cp - 32];
        }
        if (isWide(cp)) {
            return WIDE_WIDTH;
        }
        return DEFAULT_WIDTH;
    }

    /** East Asian wide ranges (CJK, Hangul, full-width forms) and emoji take a full em. */
    private static boolean isWide(int cp) {
        return (cp >= 0x1100 && cp <= 0x115F)
                || (cp >= 0x2E80 && cp <= 0xA4CF)
                || (cp >= 0xAC00 && cp <= 0xD7A3)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0xFF00 && cp <= 0xFF60)
                || (cp >= 0x1F300 && cp <= 0x1FAFF)
                || (cp >= 0x20000 && cp <= 0x3FFFD);
    }
}
