package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;

/**
 * A header name and value, as used by header modifiers and local replies.
 *
 * @param name the header name (compared case-insensitively by the data plane)
 * @param value the value
 */
public record HttpHeader(String name, String value) {
    public HttpHeader {
        Checks.nonEmpty(name, "header name");
        requireNonNull(value, "value");
        if (name.indexOf('\r') >= 0
                || name.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0
                || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("header " + name + " must not contain CR or LF");
        }
    }
}
