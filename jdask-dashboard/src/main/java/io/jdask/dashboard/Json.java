package io.jdask.dashboard;

/*
 * Design note. The dashboard's JSON is small and its shape fixed, so a 60-line writer beats a library dependency:
 * it appends to one StringBuilder, tracks whether a comma is due, and escapes strings per RFC 8259 (quote,
 * backslash, control characters; everything else passes as UTF-16, which the response encodes as UTF-8).
 */
/** A minimal streaming JSON writer. Not thread-safe; one per response. */
final class Json {
    private final StringBuilder sb = new StringBuilder(1024);
    /** True when the next value in the current container needs a comma before it. */
    private boolean comma;

    Json beginObject() {
        separate();
        sb.append('{');
        comma = false;
        return this;
    }

    Json endObject() {
        sb.append('}');
        comma = true;
        return this;
    }

    Json beginArray() {
        separate();
        sb.append('[');
        comma = false;
        return this;
    }

    Json endArray() {
        sb.append(']');
        comma = true;
        return this;
    }

    /** Writes a member name; the next call writes its value. */
    Json name(String name) {
        separate();
        string(name);
        sb.append(':');
        comma = false;
        return this;
    }

    Json value(String s) {
        separate();
        if (s == null) {
            sb.append("null");
        } else {
            string(s);
        }
        comma = true;
        return this;
    }

    Json value(long n) {
        separate();
        sb.append(n);
        comma = true;
        return this;
    }

    Json value(boolean b) {
        separate();
        sb.append(b);
        comma = true;
        return this;
    }

    Json field(String name, String value) {
        return name(name).value(value);
    }

    Json field(String name, long value) {
        return name(name).value(value);
    }

    Json field(String name, boolean value) {
        return name(name).value(value);
    }

    private void separate() {
        if (comma) {
            sb.append(',');
        }
    }

    private void string(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
