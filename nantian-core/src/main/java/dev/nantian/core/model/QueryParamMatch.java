package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;

/**
 * Matches a query parameter. Names are case-sensitive, as Gateway API requires. When the parameter appears more
 * than once, the first value is compared.
 *
 * @param type exact or regular-expression comparison
 * @param name the parameter name
 * @param value the expected value or the pattern
 */
public record QueryParamMatch(StringMatchType type, String name, String value) {
    public QueryParamMatch {
        requireNonNull(type, "type");
        Checks.nonEmpty(name, "query parameter match name");
        requireNonNull(value, "value");
        if (type == StringMatchType.REGULAR_EXPRESSION) {
            HeaderMatch.checkPattern(value, "query parameter " + name);
        }
    }

    /** An exact match on {@code name=value}. */
    public static QueryParamMatch exact(String name, String value) {
        return new QueryParamMatch(StringMatchType.EXACT, name, value);
    }

    /** A regular-expression match on the value of {@code name}. */
    public static QueryParamMatch regex(String name, String pattern) {
        return new QueryParamMatch(StringMatchType.REGULAR_EXPRESSION, name, pattern);
    }
}
