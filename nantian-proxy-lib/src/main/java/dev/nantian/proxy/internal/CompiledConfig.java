package dev.nantian.proxy.internal;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.filter.FilterRegistry;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.core.routing.Binding;
import dev.nantian.core.routing.HttpRouter;
import dev.nantian.core.routing.PortRouter;
import dev.nantian.core.routing.RouterTable;
import dev.nantian.proxy.internal.tls.ServerTls;
import dev.nantian.proxy.internal.tls.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A snapshot compiled for the proxy: the core router table, each route's filters sorted, each cluster's picker, the
 * server TLS contexts of every terminating listener, the client TLS context of every cluster with TLS, and the
 * weighted backends of every TLS, TCP and UDP route. Built off the event loop; immutable once published, and kept
 * alive by the requests and connections that started on it.
 */
public final class CompiledConfig {
    private final ConfigSnapshot snapshot;
    private final Map<Binding, PortRouter> portRouters;
    private final Map<Binding, HttpRouter> httpRouters;
    private final Map<HttpRoute, CompiledRoute> routes;
    private final Map<String, ClusterState> clusters;
    private final Map<String, ServerTls> serverTls;
    private final Map<Object, L4Targets> l4;

    private CompiledConfig(
            ConfigSnapshot snapshot,
            Map<Binding, PortRouter> portRouters,
            Map<Binding, HttpRouter> httpRouters,
            Map<HttpRoute, CompiledRoute> routes,
            Map<String, ClusterState> clusters,
            Map<String, ServerTls> serverTls,
            Map<Object, L4Targets> l4) {
        this.snapshot = snapshot;
        this.portRouters = portRouters;
        this.httpRouters = httpRouters;
        this.routes = routes;
        this.clusters = clusters;
        this.serverTls = serverTls;
        this.l4 = l4;
    }

    /**
     * Compiles a snapshot: routers, route filters, cluster pickers, and every TLS context (server contexts per
     * terminating listener, client contexts per cluster with TLS), so that no connection builds one.
     *
     * @throws dev.nantian.core.ConfigValidationException listing every problem: the router table's, and TLS material
     *     that is missing or unreadable
     */
    public static CompiledConfig compile(ConfigSnapshot snapshot) {
        return compile(snapshot, FilterRegistry.builder().build(), null);
    }

    /** As {@link #compile(ConfigSnapshot, FilterRegistry, UpstreamHealth)} with health that nothing else sees. */
    public static CompiledConfig compile(ConfigSnapshot snapshot, FilterRegistry registry) {
        return compile(snapshot, registry, null);
    }

    /**
     * Compiles a snapshot whose HTTP routes may use extension filters and extension backends: each backend of such a
     * route gets a {@link dev.nantian.core.filter.FilterChain} configured from the snapshot's extension objects with
     * {@code registry}. Its clusters share their endpoints' health with the configs before and after it through
     * {@code health}.
     *
     * @param health the proxy's health registry, or {@code null} for health that nothing else sees
     * @throws dev.nantian.core.ConfigValidationException listing every problem, including filter kinds that are not
     *     registered, extension objects missing from the snapshot and configurations their factories reject
     */
    public static CompiledConfig compile(ConfigSnapshot snapshot, FilterRegistry registry, UpstreamHealth health) {
        RouterTable table = RouterTable.compile(snapshot);
        List<String> errors = new ArrayList<>();
        Map<String, ClusterState> clusters = new LinkedHashMap<>();
        for (Cluster c : snapshot.clusters().values()) {
            UpstreamTlsContext tls = null;
            try {
                tls = UpstreamTlsContext.build(c, snapshot);
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
            clusters.put(
                    c.name(),
                    new ClusterState(
                            c, tls, health == null ? ClusterHealth.detached(c.name()) : health.cluster(c.name())));
        }
        Map<Binding, HttpRouter> http = new LinkedHashMap<>();
        Map<String, ServerTls> serverTls = new HashMap<>();
        // Identity: two routes can be equal records and still be distinct entries.
        Map<Object, L4Targets> l4 = new IdentityHashMap<>();
        table.routers().forEach((binding, router) -> {
            if (router instanceof PortRouter.Http h) {
                http.put(binding, h.router());
            } else if (router instanceof PortRouter.Tls t) {
                t.https().ifPresent(r -> http.put(binding, r));
                for (Listener l : t.sni().listeners()) {
                    ListenerTls tls = l.tls().orElseThrow();
                    if (tls.mode() == ListenerTls.Mode.TERMINATE) {
                        try {
                            serverTls.put(
                                    l.name(), ServerTls.build(l, snapshot, l.protocol() == ListenerProtocol.HTTPS));
                        } catch (IllegalArgumentException e) {
                            errors.add(e.getMessage());
                        }
                    }
                    if (l.routes() instanceof ListenerRoutes.Tls routes) {
                        routes.routes().forEach(r -> l4.put(r, new L4Targets(r.meta(), r.backends(), clusters)));
                    }
                }
            } else if (router instanceof PortRouter.Tcp t) {
                t.route().ifPresent(r -> l4.put(r, new L4Targets(r.meta(), r.backends(), clusters)));
            } else if (router instanceof PortRouter.Udp u) {
                u.route().ifPresent(r -> l4.put(r, new L4Targets(r.meta(), r.backends(), clusters)));
            }
        });
        Map<HttpRoute, CompiledRoute> routes = new IdentityHashMap<>();
        CompiledRoute.Extensions extensions = new CompiledRoute.Extensions(registry, snapshot.extensions());
        for (Listener l : snapshot.listeners()) {
            if (l.routes() instanceof ListenerRoutes.Http h) {
                for (VirtualHost vh : h.virtualHosts()) {
                    for (HttpRoute r : vh.routes()) {
                        routes.computeIfAbsent(r, k -> new CompiledRoute(k, clusters, extensions, errors));
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors);
        }
        return new CompiledConfig(
                snapshot,
                table.routers(),
                Collections.unmodifiableMap(http),
                Collections.unmodifiableMap(routes),
                Collections.unmodifiableMap(clusters),
                Collections.unmodifiableMap(serverTls),
                Collections.unmodifiableMap(l4));
    }

    /** An empty config that serves nothing. */
    public static CompiledConfig empty() {
        return compile(ConfigSnapshot.empty(""));
    }

    /** The snapshot's version. */
    public String version() {
        return snapshot.version();
    }

    /** The snapshot. */
    public ConfigSnapshot snapshot() {
        return snapshot;
    }

    /** Every socket to open: HTTP, TLS, TCP and UDP. */
    public Set<Binding> bindings() {
        return portRouters.keySet();
    }

    /** What serves a socket, or {@code null} when this config does not serve it. */
    public PortRouter portRouter(Binding binding) {
        return portRouters.get(binding);
    }

    /**
     * The HTTP router of a socket (cleartext HTTP, or the HTTPS listeners of a TLS socket), or {@code null} when this
     * config routes no HTTP there.
     */
    public HttpRouter router(Binding binding) {
        return httpRouters.get(binding);
    }

    /** The server TLS of a terminating HTTPS or TLS listener, by listener name, or {@code null}. */
    public ServerTls serverTls(String listenerName) {
        return serverTls.get(listenerName);
    }

    /** The backends of a TLS, TCP or UDP route of this config, or {@code null}. */
    L4Targets l4(Object route) {
        return l4.get(route);
    }

    /** The compiled form of a route entry that a router of this config returned. */
    public CompiledRoute route(HttpRoute route) {
        return routes.get(route);
    }

    /** A cluster by name, or {@code null}. */
    public ClusterState cluster(String name) {
        return clusters.get(name);
    }

    /** Every cluster by name. */
    Map<String, ClusterState> clusterStates() {
        return clusters;
    }

    /** Every endpoint of every cluster, for pruning connection pools. */
    public Set<EndpointKey> endpointKeys() {
        Set<EndpointKey> keys = new HashSet<>();
        for (ClusterState c : clusters.values()) {
            keys.addAll(c.endpoints());
        }
        return keys;
    }

    /** Every route entry, for tests. */
    List<CompiledRoute> routes() {
        return List.copyOf(routes.values());
    }
}
