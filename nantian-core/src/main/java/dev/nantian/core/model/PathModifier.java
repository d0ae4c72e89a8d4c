package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

/** How a redirect or rewrite changes the request path. */
public sealed interface PathModifier {

    /** Replaces the whole path with {@code path}. */
    record ReplaceFullPath(String path) implements PathModifier {
        public ReplaceFullPath {
            requireNonNull(path, "path");
        }
    }

    /**
     * Replaces the part of the path matched by the rule's {@link PathMatch.Prefix} with {@code prefix}, keeping the
     * rest. Only valid on rules whose matches are all path prefixes.
     */
    record ReplacePrefixMatch(String prefix) implements PathModifier {
        public ReplacePrefixMatch {
            requireNonNull(prefix, "prefix");
        }
    }
}
