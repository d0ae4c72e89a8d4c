package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One routable entry: a single match of one rule of an HTTPRoute or GRPCRoute, with what to do when it matches. A
 * rule with several matches becomes several entries that share everything but the match, which is what lets the
 * matcher order them by Gateway API precedence.
 *
 * <pre>{@code
 * HttpRoute route = HttpRoute.builder(RouteMeta.of("default", "web"),
 *                 new RouteAction.Forward(List.of(Backend.ClusterBackend.of("default/web:80"))))
 *         .match(HttpRouteMatch.path(new PathMatch.Prefix("/api")))
 *         .build();
 * }</pre>
 *
 * @param meta where the entry came from, used for precedence, logs and metrics
 * @param match the conditions
 * @param action forward, redirect or direct response
 * @param filters the rule's filters, in order
 * @param timeouts request and backend timeouts
 * @param retry the retry policy, if any
 * @param sessionPersistence session persistence, if any
 */
public record HttpRoute(
        RouteMeta meta,
        HttpRouteMatch match,
        RouteAction action,
        List<RouteFilter> filters,
        Timeouts timeouts,
        Optional<RetryPolicy> retry,
        Optional<SessionPersistence> sessionPersistence) {
    public HttpRoute {
        requireNonNull(meta, "meta");
        requireNonNull(match, "match");
        requireNonNull(action, "action");
        filters = Checks.list(filters, "filters");
        requireNonNull(timeouts, "timeouts");
        requireNonNull(retry, "retry");
        requireNonNull(sessionPersistence, "sessionPersistence");
        if (!(match.path() instanceof PathMatch.Prefix)) {
            checkNoPrefixReplacement(action, filters, meta);
        }
    }

    private static void checkNoPrefixReplacement(RouteAction action, List<RouteFilter> filters, RouteMeta meta) {
        boolean replacesPrefix = action instanceof RouteAction.Redirect r
                && r.path().orElse(null) instanceof PathModifier.ReplacePrefixMatch;
        for (RouteFilter f : filters) {
            if (f instanceof RouteFilter.UrlRewrite u
                    && u.path().orElse(null) instanceof PathModifier.ReplacePrefixMatch) {
                replacesPrefix = true;
            }
        }
        if (replacesPrefix) {
            throw new IllegalArgumentException(
                    meta.displayName() + ": ReplacePrefixMatch needs a PathPrefix match on the same rule");
        }
    }

    /** Starts a builder with the required parts; the match defaults to everything. */
    public static Builder builder(RouteMeta meta, RouteAction action) {
        return new Builder(meta, action);
    }

    /** Builds {@link HttpRoute}s. */
    public static final class Builder {
        private final RouteMeta meta;
        private final RouteAction action;
        private HttpRouteMatch match = HttpRouteMatch.any();
        private final List<RouteFilter> filters = new ArrayList<>();
        private Timeouts timeouts = Timeouts.none();
        private RetryPolicy retry;
        private SessionPersistence sessionPersistence;

        private Builder(RouteMeta meta, RouteAction action) {
            this.meta = requireNonNull(meta, "meta");
            this.action = requireNonNull(action, "action");
        }

        public Builder match(HttpRouteMatch match) {
            this.match = requireNonNull(match, "match");
            return this;
        }

        public Builder addFilter(RouteFilter filter) {
            filters.add(requireNonNull(filter, "filter"));
            return this;
        }

        public Builder filters(List<RouteFilter> filters) {
            this.filters.clear();
            this.filters.addAll(requireNonNull(filters, "filters"));
            return this;
        }

        public Builder timeouts(Timeouts timeouts) {
            this.timeouts = requireNonNull(timeouts, "timeouts");
            return this;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = requireNonNull(retry, "retry");
            return this;
        }

        public Builder sessionPersistence(SessionPersistence sessionPersistence) {
            this.sessionPersistence = requireNonNull(sessionPersistence, "sessionPersistence");
            return this;
        }

        public HttpRoute build() {
            return new HttpRoute(
                    meta,
                    match,
                    action,
                    filters,
                    timeouts,
                    Optional.ofNullable(retry),
                    Optional.ofNullable(sessionPersistence));
        }
    }
}
