package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Matches a request header. Header names are case-insensitive and stored lower-case. When a request carries the
 * header more than once, Gateway API lets implementations pick; we compare the first value (Envoy instead compares
 * all values joined with commas).
 *
 * @param type exact or regular-expression comparison
 * @param name the header name, stored lower-case
 * @param value the expected value or the pattern
 */
public record HeaderMatch(StringMatchType type, String name, String value) {
    public HeaderMatch {
        requireNonNull(type, "type");
        name = Checks.nonEmpty(name, "header match name").toLowerCase(Locale.ROOT);
        requireNonNull(value, "value");
        if (type == StringMatchType.REGULAR_EXPRESSION) {
            checkPattern(value, "header " + name);
        }
    }

    /** An exact match on {@code name: value}. */
    public static HeaderMatch exact(String name, String value) {
        return new HeaderMatch(StringMatchType.EXACT, name, value);
    }

    /** A regular-expression match on the value of {@code name}. */
    public static HeaderMatch regex(String name, String pattern) {
        return new HeaderMatch(StringMatchType.REGULAR_EXPRESSION, name, pattern);
    }

    static void checkPattern(String pattern, String what) {
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(
                    "invalid regular expression for " + what + ": " + e.getDescription() + " in " + pattern, e);
        }
    }
}
