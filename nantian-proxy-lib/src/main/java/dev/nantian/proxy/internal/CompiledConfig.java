package dev.nantian.proxy.internal;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.core.routing.Binding;
import dev.nantian.core.routing.HttpRouter;
import dev.nantian.core.routing.PortRouter;
import dev.nantian.core.routing.RouterTable;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot compiled for the proxy: the core router table, each route's filters sorted, each cluster's picker.
 * Built off the event loop; immutable once published, and kept alive by the requests that started on it.
 */
public final class CompiledConfig {
    private static final Logger log = LoggerFactory.getLogger(CompiledConfig.class);

    private final ConfigSnapshot snapshot;
    private final Map<Binding, HttpRouter> httpRouters;
    private final Map<HttpRoute, CompiledRoute> routes;
    private final Map<String, ClusterState> clusters;

    private CompiledConfig(
            ConfigSnapshot snapshot,
            Map<Binding, HttpRouter> httpRouters,
            Map<HttpRoute, CompiledRoute> routes,
            Map<String, ClusterState> clusters) {
        this.snapshot = snapshot;
        this.httpRouters = httpRouters;
        this.routes = routes;
        this.clusters = clusters;
    }

    /**
     * Compiles a snapshot.
     *
     * @throws dev.nantian.core.ConfigValidationException when the router table rejects it
     */
    public static CompiledConfig compile(ConfigSnapshot snapshot) {
        RouterTable table = RouterTable.compile(snapshot);
        Map<String, ClusterState> clusters = new LinkedHashMap<>();
        for (Cluster c : snapshot.clusters().values()) {
            clusters.put(c.name(), new ClusterState(c));
        }
        Map<Binding, HttpRouter> http = new LinkedHashMap<>();
        table.routers().forEach((binding, router) -> {
            if (router instanceof PortRouter.Http h) {
                http.put(binding, h.router());
            } else {
                // TLS, TCP and UDP sockets come with the next pieces of the data plane.
                log.warn(
                        "{} is not served yet by this proxy ({}); not binding it",
                        binding,
                        router.getClass().getSimpleName());
            }
        });
        // Identity: two entries can be equal records (same rule on two listeners) and still be distinct entries.
        Map<HttpRoute, CompiledRoute> routes = new IdentityHashMap<>();
        for (Listener l : snapshot.listeners()) {
            if (l.routes() instanceof ListenerRoutes.Http h) {
                for (VirtualHost vh : h.virtualHosts()) {
                    for (HttpRoute r : vh.routes()) {
                        routes.computeIfAbsent(r, k -> new CompiledRoute(k, clusters));
                    }
                }
            }
        }
        return new CompiledConfig(
                snapshot,
                Collections.unmodifiableMap(http),
                Collections.unmodifiableMap(routes),
                Collections.unmodifiableMap(clusters));
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

    /** The cleartext HTTP sockets to open. */
    public Set<Binding> httpBindings() {
        return httpRouters.keySet();
    }

    /** The router of a socket, or {@code null} when this config does not serve it. */
    public HttpRouter router(Binding binding) {
        return httpRouters.get(binding);
    }

    /** The compiled form of a route entry that a router of this config returned. */
    public CompiledRoute route(HttpRoute route) {
        return routes.get(route);
    }

    /** A cluster by name, or {@code null}. */
    public ClusterState cluster(String name) {
        return clusters.get(name);
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
