package dev.nantian.proxy.internal;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.FilterRegistry;
import dev.nantian.core.filter.RouteInfo;
import dev.nantian.core.model.Backend;
import dev.nantian.core.model.ExtensionConfig;
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
    private final WeightedPicker<Target> targets;
    private final RouteTelemetry telemetry;

    CompiledRoute(HttpRoute route, Map<String, ClusterState> clusters) {
        this(route, clusters, Extensions.NONE, new ArrayList<>());
    }

    /**
     * Compiles {@code route}; the extension filters of each backend's chain are configured with {@code extensions},
     * and every problem is added to {@code errors} (the route is only usable without any).
     */
    CompiledRoute(HttpRoute route, Map<String, ClusterState> clusters, Extensions extensions, List<String> errors) {
        this.route = route;
        this.telemetry = new RouteTelemetry(route.meta());
        this.filters = new Filters(route.filters());
        List<RouteFilter.RequestMirror> m = new ArrayList<>();
        CorsPolicy c = null;
        for (RouteFilter f : route.filters()) {
            if (f instanceof RouteFilter.RequestMirror mirror) {
                m.add(mirror);
            } else if (f instanceof RouteFilter.Cors cf) {
                c = new CorsPolicy(cf);
            }
        }
        this.mirrors = List.copyOf(m);
        this.cors = c;
        if (route.action() instanceof RouteAction.Forward fwd) {
            List<Target> ts = new ArrayList<>();
            List<Integer> weights = new ArrayList<>();
            RouteInfo info = null;
            for (Backend b : fwd.backends()) {
                FilterChain chain = null;
                if (needsChain(route.filters(), b)) {
                    if (info == null) {
                        info = RouteInfo.of(
                                route.meta().displayName(), route.meta().annotations());
                    }
                    chain = extensions.chain(info, route.filters(), b, errors);
                }
                ts.add(new Target(b, clusters, chain));
                weights.add(b.weight());
            }
            this.targets = WeightedPicker.of(ts, weights);
        } else {
            this.targets = null;
        }
    }

    private static boolean needsChain(List<RouteFilter> routeFilters, Backend backend) {
        if (backend instanceof Backend.ExtensionBackend) {
            return true;
        }
        if (hasExtensionRef(routeFilters)) {
            return true;
        }
        return backend instanceof Backend.ClusterBackend cb && hasExtensionRef(cb.filters());
    }

    private static boolean hasExtensionRef(List<RouteFilter> filters) {
        for (RouteFilter f : filters) {
            if (f instanceof RouteFilter.ExtensionRef) {
                return true;
            }
        }
        return false;
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

    /**
     * One weighted backend: a cluster with its own filters, an extension backend (a filter that picks the cluster per
     * request), or an invalid backend (500).
     */
    public static final class Target {
        private final Backend backend;
        private final ClusterState cluster;
        private final Filters filters;
        private final FilterChain chain;

        Target(Backend backend, Map<String, ClusterState> clusters, FilterChain chain) {
            this.backend = backend;
            this.chain = chain;
            if (backend instanceof Backend.ClusterBackend cb) {
                this.cluster = clusters.get(cb.cluster());
                this.filters = new Filters(cb.filters());
            } else if (backend instanceof Backend.ExtensionBackend eb) {
                this.cluster = null;
                this.filters = new Filters(eb.filters());
            } else {
                this.cluster = null;
                this.filters = new Filters(List.of());
            }
        }

        /**
         * The extension filters of the rule and this backend (and the extension backend itself), or {@code null}
         * when there are none: such requests take the plain path, which allocates nothing for filters.
         */
        public FilterChain chain() {
            return chain;
        }

        /** The model. */
        public Backend backend() {
            return backend;
        }

        /** The cluster, or {@code null} for invalid and extension backends (the chain picks one per request). */
        public ClusterState cluster() {
            return cluster;
        }

        /** The backend's own filters. */
        public Filters filters() {
            return filters;
        }
    }

    /**
     * What a config's extension filters are built from: the registry of filter kinds and the snapshot's extension
     * objects by {@code group/kind/namespace/name}. Used off the event loop, once per config.
     */
    static final class Extensions {
        static final Extensions NONE = new Extensions(FilterRegistry.builder().build(), List.of());

        private final FilterRegistry registry;
        private final Map<String, ExtensionConfig> objects = new java.util.HashMap<>();

        Extensions(FilterRegistry registry, List<ExtensionConfig> objects) {
            this.registry = registry;
            for (ExtensionConfig e : objects) {
                this.objects.put(key(e.group(), e.kind(), e.namespace(), e.name()), e);
            }
        }

        private static String key(String group, String kind, String namespace, String name) {
            return group + "/" + kind + "/" + namespace + "/" + name;
        }

        /**
         * The chain of one backend: the rule's extension filters in order, then the backend's, then (for an extension
         * backend) the backend itself. Problems go to {@code errors}; the result is then {@code null}.
         */
        FilterChain chain(RouteInfo route, List<RouteFilter> routeFilters, Backend backend, List<String> errors) {
            int before = errors.size();
            FilterChain.Builder chain = FilterChain.builder(route);
            addRefs(chain, route, routeFilters, errors);
            if (backend instanceof Backend.ClusterBackend cb) {
                addRefs(chain, route, cb.filters(), errors);
            } else if (backend instanceof Backend.ExtensionBackend eb) {
                addRefs(chain, route, eb.filters(), errors);
                add(chain, route, "backend", eb.group(), eb.kind(), eb.namespace(), eb.name(), errors);
            }
            return errors.size() == before ? chain.build() : null;
        }

        private void addRefs(
                FilterChain.Builder chain, RouteInfo route, List<RouteFilter> filters, List<String> errors) {
            for (RouteFilter f : filters) {
                if (f instanceof RouteFilter.ExtensionRef ref) {
                    add(chain, route, "filter", ref.group(), ref.kind(), ref.namespace(), ref.name(), errors);
                }
            }
        }

        private void add(
                FilterChain.Builder chain,
                RouteInfo route,
                String role,
                String group,
                String kind,
                String namespace,
                String name,
                List<String> errors) {
            String filterKind = group + "/" + kind;
            String where = "route " + route.name() + " " + role + " " + filterKind + " " + namespace + "/" + name;
            ExtensionConfig object = objects.get(key(group, kind, namespace, name));
            if (object == null) {
                errors.add(where + ": no " + kind + " " + namespace + "/" + name + " in the snapshot");
                if (registry.factory(filterKind).isEmpty()) {
                    errors.add(where + ": filter kind " + filterKind + " is not registered (known: " + registry.kinds()
                            + ")");
                }
                return;
            }
            try {
                chain.add(registry.configure(filterKind, object));
            } catch (ConfigValidationException e) {
                for (String error : e.errors()) {
                    errors.add(where + ": " + error);
                }
            } catch (RuntimeException e) {
                errors.add(where + ": " + e);
            }
        }
    }
}
