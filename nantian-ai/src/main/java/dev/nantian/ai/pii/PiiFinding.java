package dev.nantian.ai.pii;

import static java.util.Objects.requireNonNull;

/**
 * A span of text a detector matched and validated.
 *
 * @param type what was found
 * @param start the first character, inclusive
 * @param end the last character, exclusive
 */
public record PiiFinding(PiiType type, int start, int end) {
    public PiiFinding {
        requireNonNull(type, "type");
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("bad span " + start + ".." + end);
        }
    }
}
