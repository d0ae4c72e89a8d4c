package dev.nantian.proxy.internal;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One route entry with its filters sorted by what the exchange needs, so that per-request code does not walk filter
 * lists with {@code instanceof}.
 */
public final class CompiledRoute {
    private final HttpRoute route;
    private final Filters filters;
    private final List<RouteFilter.RequestMirror> mirrors;
    private final CorsPolicy cors;
    private final boolean unsupportedFilter;
    private final WeightedPicker<Target> targets;
    private final RouteTelemetry telemetry;

    CompiledRoute(HttpRoute route, Map<String, ClusterState> clusters) {
        this.route = route;
        this.telemetry = new RouteTelemetry(route.meta());
        this.filters = new Filters(route.filters());
        List<RouteFilter.RequestMirror> m = new ArrayList<>();
        CorsPolicy c = null;
        boolean unsupported = false;
        for (RouteFilter f : route.filters()) {
            if (f instanceof RouteFilter.RequestMirror mirror) {
                m.add(mirror);
            } else if (f instanceof RouteFilter.Cors cf) {
                c = new CorsPolicy(cf);
            } else if (f instanceof RouteFilter.ExtensionRef) {
                unsupported = true;
            }
        }
        this.mirrors = List.copyOf(m);
        this.cors = c;
        if (route.action() instanceof RouteAction.Forward fwd) {
            List<Target> ts = new ArrayList<>();
            List<Integer> weights = new ArrayList<>();
            for (Backend b : fwd.backends()) {
                ts.add(new Target(b, clusters));
                weights.add(b.weight());
                if (b instanceof Backend.ClusterBackend cb) {
                    unsupported |= cb.filters().stream().anyMatch(f -> f instanceof RouteFilter.ExtensionRef);
                }
            }
            this.targets = WeightedPicker.of(ts, weights);
        } else {
            this.targets = null;
        }
        this.unsupportedFilter = unsupported;
    }

    /** The model. */
    public HttpRoute route() {
        return route;
    }

    /** The route's name and access-log policy, computed once per config. */
    public RouteTelemetry telemetry() {
        return telemetry;
    }

    /** The rule's header modifiers and rewrite. */
    public Filters filters() {
        return filters;
    }

    /** The rule's mirrors. */
    public List<RouteFilter.RequestMirror> mirrors() {
        return mirrors;
    }

    /** The rule's CORS policy, or {@code null}. */
    public CorsPolicy cors() {
        return cors;
    }

    /**
     * True when the rule uses a filter this proxy cannot run yet (extension filters): such requests get 500 rather
     * than silently skipping, say, an authentication filter.
     */
    public boolean hasUnsupportedFilter() {
        return unsupportedFilter;
    }

    /** The weighted backends of a forwarding rule, or {@code null} for redirects and direct responses. */
    public WeightedPicker<Target> targets() {
        return targets;
    }

    /** Header modifiers and URL rewrite of a rule or a backend, in filter order. */
    public static final class Filters {
        private final List<HeaderModifier> request;
        private final List<HeaderModifier> response;
        private final RouteFilter.UrlRewrite rewrite;

        Filters(List<RouteFilter> filters) {
            List<HeaderModifier> req = new ArrayList<>();
            List<HeaderModifier> resp = new ArrayList<>();
            RouteFilter.UrlRewrite rw = null;
            for (RouteFilter f : filters) {
                if (f instanceof RouteFilter.RequestHeaderModifier r) {
                    req.add(r.modifier());
                } else if (f instanceof RouteFilter.ResponseHeaderModifier r) {
                    resp.add(r.modifier());
                } else if (f instanceof RouteFilter.UrlRewrite r) {
                    rw = r;
                }
            }
            this.request = List.copyOf(req);
            this.response = List.copyOf(resp);
            this.rewrite = rw;
        }

        /** Request header modifiers. */
        public List<HeaderModifier> request() {
            return request;
        }

        /** Response header modifiers. */
        public List<HeaderModifier> response() {
            return response;
        }

        /** The URL rewrite, or {@code null}. */
        public RouteFilter.UrlRewrite rewrite() {
            return rewrite;
        }
    }

    /** One weighted backend: a cluster with its own filters, or an invalid or extension backend (500). */
    public static final class Target {
        private final Backend backend;
        private final ClusterState cluster;
        private final Filters filters;

        Target(Backend backend, Map<String, ClusterState> clusters) {
            this.backend = backend;
            if (backend instanceof Backend.ClusterBackend cb) {
                this.cluster = clusters.get(cb.cluster());
                this.filters = new Filters(cb.filters());
            } else {
                this.cluster = null;
                this.filters = new Filters(List.of());
            }
        }

        /** The model. */
        public Backend backend() {
            return backend;
        }

        /** The cluster, or {@code null} for invalid and extension backends. */
        public ClusterState cluster() {
            return cluster;
        }

        /** The backend's own filters. */
        public Filters filters() {
            return filters;
        }
    }
}
