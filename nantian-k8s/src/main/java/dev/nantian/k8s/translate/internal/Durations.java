package dev.nantian.k8s.translate.internal;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Gateway API durations: a subset of Go's {@code time.ParseDuration}, e.g. {@code 1h}, {@code 1m30s}, {@code 500ms}. */
final class Durations {
    private Durations() {}

    private static final Pattern FORMAT = Pattern.compile("^([0-9]{1,5}(h|m|s|ms)){1,4}$");
    private static final Pattern PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException when the text is not a Gateway API duration
     */
    static Duration parse(String text, String field) {
        if (text == null || !FORMAT.matcher(text).matches()) {
            throw new IllegalArgumentException(
                    field + ": invalid duration '" + text + "' (expected e.g. 10s, 1m30s, 500ms)");
        }
        Duration d = Duration.ZERO;
        Matcher m = PART.matcher(text);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "h":
                    d = d.plusHours(n);
                    break;
                case "m":
                    d = d.plusMinutes(n);
                    break;
                case "s":
                    d = d.plusSeconds(n);
                    break;
                default:
                    d = d.plusMillis(n);
                    break;
            }
        }
        return d;
    }
}
