package io.jdask.viz;

/**
 * Escaping for XML 1.0 text and attribute values.
 *
 * <p>Labels come from user code (function names, keys, reprs) and may hold anything. Besides
 * the five markup characters, XML 1.0 forbids most control characters and unpaired surrogates
 * even as character references, so those become U+FFFD rather than making the document invalid.
 */
final class Xml {

    private Xml() {}

    static String text(String s) {
        return escape(s, false);
    }

    static String attr(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean attribute) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append(attribute ? "&quot;" : "\"");
                case '\'' -> out.append(attribute ? "&apos;" : "'");
                case '\t', '\n', '\r' -> out.append(attribute ? "&#" + (int) c + ";" : String.valueOf(c));
                default -> {
                    if (Character.isHighSurrogate(c)
                            && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (c < 0x20 || Character.isSurrogate(c) || c == 0xFFFE || c == 0xFFFF) {
                        out.append('\uFFFD');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
