package io.jdask;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses sizes such as {@code 4GB}, {@code 512MiB}, {@code 1.5 gb}, {@code 1000000}. */
final class MemorySizes {
    private MemorySizes() {}

    private static final Pattern SIZE = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([a-zA-Z]*)\\s*");

    static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a memory size: '" + text + "' (try \"4GB\", \"512MiB\" or bytes)");
        }
        double value = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1L;
            case "k", "kb" -> 1_000L;
            case "kib" -> 1L << 10;
            case "m", "mb" -> 1_000_000L;
            case "mib" -> 1L << 20;
            case "g", "gb" -> 1_000_000_000L;
            case "gib" -> 1L << 30;
            case "t", "tb" -> 1_000_000_000_000L;
            case "tib" -> 1L << 40;
            default ->
                throw new IllegalArgumentException("unknown memory unit '" + m.group(2) + "' in '" + text
                        + "' (use B, KB, MB, GB, TB or KiB, MiB, GiB, TiB)");
        };
        return (long) (value * unit);
    }
}
