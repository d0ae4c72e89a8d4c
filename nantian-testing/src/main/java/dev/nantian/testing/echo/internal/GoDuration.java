package dev.nantian.testing.echo.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Parses durations in Go's {@code time.ParseDuration} syntax ({@code 1s}, {@code 500ms}, {@code 1h2m0.5s},
 * {@code -3us}), because the conformance suite passes them verbatim in {@code ?delay=} and {@code ?delayRetry=}.
 * Error messages follow Go's, since upstream returns them to the client.
 */
public final class GoDuration {

    private static final BigDecimal MAX_NEGATED =
            BigDecimal.valueOf(Long.MAX_VALUE).add(BigDecimal.ONE);
    private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private GoDuration() {}

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with Go's message when the text is not a valid duration
     */
    public static Duration parse(String text) {
        String s = text;
        int i = 0;
        int n = s.length();
        boolean negative = false;
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        if (s.substring(i).equals("0")) {
            return Duration.ZERO;
        }
        if (i == n) {
            throw invalid(text);
        }
        BigDecimal total = BigDecimal.ZERO;
        while (i < n) {
            char c = s.charAt(i);
            if (c != '.' && !isDigit(c)) {
                throw invalid(text);
            }
            int intStart = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            String integer = s.substring(intStart, i);
            String fraction = "";
            if (i < n && s.charAt(i) == '.') {
                i++;
                int fracStart = i;
                while (i < n && isDigit(s.charAt(i))) {
                    i++;
                }
                fraction = s.substring(fracStart, i);
            }
            if (integer.isEmpty() && fraction.isEmpty()) {
                throw invalid(text);
            }
            int unitStart = i;
            while (i < n && s.charAt(i) != '.' && !isDigit(s.charAt(i))) {
                i++;
            }
            String unit = s.substring(unitStart, i);
            if (unit.isEmpty()) {
                throw new IllegalArgumentException("time: missing unit in duration " + quote(text));
            }
            long unitNanos = unitNanos(unit, text);
            BigDecimal value =
                    new BigDecimal((integer.isEmpty() ? "0" : integer) + (fraction.isEmpty() ? "" : "." + fraction));
            // Go adds the integer part times the unit plus the truncated fractional part.
            total = total.add(value.multiply(BigDecimal.valueOf(unitNanos)).setScale(0, RoundingMode.DOWN));
            if (total.compareTo(MAX_NEGATED) > 0) {
                throw invalid(text);
            }
        }
        if (negative) {
            return Duration.ofNanos(total.negate().longValueExact());
        }
        if (total.compareTo(MAX) > 0) {
            throw invalid(text);
        }
        return Duration.ofNanos(total.longValueExact());
    }

    private static long unitNanos(String unit, String text) {
        switch (unit) {
            case "ns":
                return 1L;
            case "us":
            case "\u00b5s": // micro sign
            case "\u03bcs": // Greek small letter mu
                return 1_000L;
            case "ms":
                return 1_000_000L;
            case "s":
                return 1_000_000_000L;
            case "m":
                return 60L * 1_000_000_000L;
            case "h":
                return 3600L * 1_000_000_000L;
            default:
                throw new IllegalArgumentException("time: unknown unit " + quote(unit) + " in duration " + quote(text));
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("time: invalid duration " + quote(text));
    }

    /** Close to Go's {@code strconv.Quote} for the printable text a query parameter carries. */
    private static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
