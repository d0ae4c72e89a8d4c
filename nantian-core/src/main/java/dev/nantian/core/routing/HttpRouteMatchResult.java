package dev.nantian.core.routing;

import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.VirtualHost;

/**
 * What {@link HttpRouter#match} found. Results are created when the router is compiled and shared by every request
 * that ends the same way, so matching allocates nothing; compare {@link #outcome()}, not identity.
 */
public final class HttpRouteMatchResult {

    /** How far matching got. Everything but {@link #MATCHED} means 404; the rest tell logs why. */
    public enum Outcome {
        /** A route matched. */
        MATCHED,
        /** The host picked a virtual host, but none of its routes matched. */
        NO_ROUTE,
        /** The host picked a listener, but none of its virtual hosts serves the host. */
        NO_VIRTUAL_HOST,
        /** No listener on the socket accepts the host (every listener has a hostname and none matches). */
        NO_LISTENER
    }

    private final Outcome outcome;
    private final Listener listener;
    private final VirtualHost virtualHost;
    private final HttpRoute route;
    private final int matchedPrefixLength;

    HttpRouteMatchResult(
            Outcome outcome, Listener listener, VirtualHost virtualHost, HttpRoute route, int matchedPrefixLength) {
        this.outcome = outcome;
        this.listener = listener;
        this.virtualHost = virtualHost;
        this.route = route;
        this.matchedPrefixLength = matchedPrefixLength;
    }

    /** How matching ended. */
    public Outcome outcome() {
        return outcome;
    }

    /** True when a route matched. */
    public boolean isMatched() {
        return outcome == Outcome.MATCHED;
    }

    /** The listener chosen by the host, or {@code null} for {@link Outcome#NO_LISTENER}. */
    public Listener listener() {
        return listener;
    }

    /** The virtual host chosen by the host, or {@code null} for {@link Outcome#NO_VIRTUAL_HOST} and earlier. */
    public VirtualHost virtualHost() {
        return virtualHost;
    }

    /** The matched route entry, whose action and filters the proxy applies, or {@code null} unless matched. */
    public HttpRoute route() {
        return route;
    }

    /**
     * For a {@code PathPrefix} match, how many leading characters of the path the prefix covered (what
     * {@code ReplacePrefixMatch} replaces): 4 for {@code /abc} on {@code /abc/x}, 1 for {@code /}. {@code -1} for
     * other path matches and when nothing matched.
     */
    public int matchedPrefixLength() {
        return matchedPrefixLength;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("HttpRouteMatchResult[").append(outcome);
        if (listener != null) {
            sb.append(", listener=").append(listener.name());
        }
        if (virtualHost != null) {
            sb.append(", virtualHost=").append(virtualHost.name());
        }
        if (route != null) {
            sb.append(", route=")
                    .append(route.meta().displayName())
                    .append(", match=")
                    .append(route.meta().matchIndex());
        }
        return sb.append(']').toString();
    }
}
