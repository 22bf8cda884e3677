package io.jdask.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written as Dask's settings write them: {@code 30s}, {@code 500ms}, {@code 5m}, {@code 1h}. */
final class Durations {
    private static final Pattern FORM = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?\\s*");

    private Durations() {}

    /**
     * A duration; a bare number counts seconds.
     *
     * @throws IllegalArgumentException naming the text and the forms accepted
     */
    static Duration parse(String option, String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " must be a duration such as 30s, 500ms, 5m or 1h (a bare"
                    + " number counts seconds; 0 turns it off), was '" + text + "'");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double nanosPer = switch (unit) {
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
        };
        return Duration.ofNanos(Math.round(value * nanosPer));
    }
}
