package dev.nantian.core.routing;

import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.RouteMeta;
import java.util.Comparator;

/**
 * Gateway API HTTPRoute precedence below the path criterion. Entries that compete on the same path (same exact path,
 * same prefix, or both regular expressions) are ordered by:
 *
 * <ol>
 *   <li>a method match before none;
 *   <li>more header matches first;
 *   <li>more query parameter matches first;
 *   <li>the oldest route ({@link RouteMeta#creationTimestamp()}) first;
 *   <li>{@code namespace/name} alphabetically (compared as that one string, as the spec words it);
 *   <li>rule index, then match index;
 *   <li>and, for a total order, the route kind.
 * </ol>
 */
final class RoutePrecedence {
    /** Orders entries that share their path criterion. */
    static final Comparator<HttpRoute> SAME_PATH = Comparator.comparingInt(RoutePrecedence::hasMethod)
            .thenComparingInt(r -> -r.match().headers().size())
            .thenComparingInt(r -> -r.match().queryParams().size())
            .thenComparing(r -> r.meta().creationTimestamp())
            .thenComparing(r -> r.meta().namespace() + "/" + r.meta().name())
            .thenComparingInt(r -> r.meta().ruleIndex())
            .thenComparingInt(r -> r.meta().matchIndex())
            .thenComparing(r -> r.meta().kind());

    /**
     * Orders regular-expression entries, which Gateway API leaves to the implementation: the longer pattern first (a
     * rough stand-in for "more specific", as the longer prefix wins among prefixes), then {@link #SAME_PATH}.
     */
    static final Comparator<HttpRoute> REGEX = Comparator.<HttpRoute>comparingInt(
                    r -> -r.match().path().value().length())
            .thenComparing(SAME_PATH);

    private RoutePrecedence() {}

    private static int hasMethod(HttpRoute r) {
        return r.match().method().isPresent() ? 0 : 1;
    }
}
