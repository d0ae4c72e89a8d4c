package dev.nantian.core;

import static java.util.Objects.requireNonNull;

/**
 * The one unchecked root exception of Nantian Gateway. Its {@link Category} tells callers what went wrong without
 * parsing messages; messages name the resource kind and name involved.
 */
public class NantianException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Broad classes of failure. */
    public enum Category {
        /** Configuration is invalid (YAML, IR, xDS resources, CRD specs). */
        CONFIG,
        /** A peer spoke the protocol wrongly (malformed request, bad provider reply). */
        PROTOCOL,
        /** An upstream could not be reached or failed. */
        UPSTREAM,
        /** A limit was exceeded (body size, object count, memory, time). */
        LIMIT,
        /** A bug or an unexpected state inside the gateway. */
        INTERNAL
    }

    private final Category category;

    public NantianException(Category category, String message) {
        super(message);
        this.category = requireNonNull(category, "category");
    }

    public NantianException(Category category, String message, Throwable cause) {
        super(message, cause);
        this.category = requireNonNull(category, "category");
    }

    /** What kind of failure this is. */
    public Category category() {
        return category;
    }
}
