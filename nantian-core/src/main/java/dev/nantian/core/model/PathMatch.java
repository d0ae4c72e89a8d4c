package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

/**
 * How a request path is matched. The path is compared without its query string and without percent-decoding
 * (Gateway API leaves normalisation to the implementation; the data plane normalises dot-segments before matching).
 */
public sealed interface PathMatch {

    /** The value compared or the pattern. */
    String value();

    /** Matches every path: {@code PathPrefix /}, the Gateway API default. */
    static PathMatch any() {
        return new Prefix("/");
    }

    /** The path equals {@code value} exactly. */
    record Exact(String value) implements PathMatch {
        public Exact {
            checkPath(value);
        }
    }

    /**
     * The path starts with {@code value} on a segment boundary: {@code /abc} matches {@code /abc}, {@code /abc/} and
     * {@code /abc/def} but not {@code /abcd}. A trailing slash in {@code value} is ignored, as the spec says.
     */
    record Prefix(String value) implements PathMatch {
        public Prefix {
            checkPath(value);
            if (value.length() > 1 && value.endsWith("/")) {
                value = value.substring(0, value.length() - 1);
            }
        }
    }

    /** The whole path matches {@code value} as a {@link java.util.regex.Pattern}. */
    record RegularExpression(String value) implements PathMatch {
        public RegularExpression {
            requireNonNull(value, "value");
            HeaderMatch.checkPattern(value, "path");
        }
    }

    private static void checkPath(String value) {
        requireNonNull(value, "value");
        if (!value.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + value);
        }
    }
}
