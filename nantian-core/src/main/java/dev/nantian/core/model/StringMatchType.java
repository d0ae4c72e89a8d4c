package dev.nantian.core.model;

/** How a header or query parameter value is compared. */
public enum StringMatchType {
    /** The value equals the given string exactly (case-sensitive). */
    EXACT,
    /** The whole value matches the given regular expression ({@link java.util.regex.Pattern} syntax). */
    REGULAR_EXPRESSION
}
