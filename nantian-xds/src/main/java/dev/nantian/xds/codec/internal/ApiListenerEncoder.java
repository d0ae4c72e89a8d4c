package dev.nantian.xds.codec.internal;

import com.google.protobuf.Any;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.VirtualHost;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Encodes the listener a proxyless gRPC client asks for: for target {@code xds:///NAME} it subscribes to the LDS
 * resource {@code NAME} and expects an {@code api_listener} holding an HTTP connection manager, not a socket
 * listener. See {@link dev.nantian.xds.codec.EnvoyCodec#apiListener}.
 */
public final class ApiListenerEncoder {
    private ApiListenerEncoder() {}

    /** The api listener for resource name {@code HOST} or {@code HOST:PORT}, if a virtual host serves that host. */
    public static Optional<io.envoyproxy.envoy.config.listener.v3.Listener> encode(
            ConfigSnapshot snapshot, String resourceName) {
        String host = resourceName.toLowerCase(Locale.ROOT);
        int port = -1;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(':') == colon) {
            try {
                port = Integer.parseInt(host.substring(colon + 1));
                host = host.substring(0, colon);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        VirtualHost best = null;
        int bestScore = -1;
        for (Listener l : snapshot.listeners()) {
            if ((l.protocol() != ListenerProtocol.HTTP && l.protocol() != ListenerProtocol.HTTPS)
                    || (port >= 0 && l.port() != port)) {
                continue;
            }
            for (VirtualHost vh : ((ListenerRoutes.Http) l.routes()).virtualHosts()) {
                int score = score(vh, host);
                // the first listener wins a tie: listeners are in the translator's (stable) order
                if (score > bestScore) {
                    best = vh;
                    bestScore = score;
                }
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        RouteConfiguration encoded = new RouteEncoder(snapshot.clusters())
                .encode(resourceName, List.of(best)).toBuilder()
                        .setIgnorePortInHostMatching(false)
                        .build();
        io.envoyproxy.envoy.config.route.v3.VirtualHost.Builder vh =
                encoded.getVirtualHosts(0).toBuilder().clearDomains().addDomains(resourceName);
        vh.clearRoutes();
        for (Route r : encoded.getVirtualHosts(0).getRoutesList()) {
            addForGrpc(vh, r);
        }
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(resourceName)
                .setRouteConfig(encoded.toBuilder().clearVirtualHosts().addVirtualHosts(vh))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(Names.ROUTER_FILTER)
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Optional.of(io.envoyproxy.envoy.config.listener.v3.Listener.newBuilder()
                .setName(resourceName)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
                .build());
    }

    /**
     * gRPC matches paths by exact value, prefix and regex only: a segment-aware prefix {@code /p} becomes the exact
     * path {@code /p} plus the prefix {@code /p/}, which is the same set of paths.
     */
    private static void addForGrpc(io.envoyproxy.envoy.config.route.v3.VirtualHost.Builder vh, Route r) {
        if (r.getMatch().getPathSpecifierCase() != RouteMatch.PathSpecifierCase.PATH_SEPARATED_PREFIX) {
            vh.addRoutes(r);
            return;
        }
        String prefix = r.getMatch().getPathSeparatedPrefix();
        vh.addRoutes(r.toBuilder().setMatch(r.getMatch().toBuilder().setPath(prefix)));
        vh.addRoutes(r.toBuilder().setMatch(r.getMatch().toBuilder().setPrefix(prefix + "/")));
    }

    /** How well {@code vh} serves {@code host}: exact beats the longest wildcard beats {@code *}; -1 for no. */
    private static int score(VirtualHost vh, String host) {
        int best = -1;
        for (String d : vh.domains()) {
            if (d.equals(host)) {
                return Integer.MAX_VALUE;
            }
            if (d.equals("*")) {
                best = Math.max(best, 0);
            } else if (d.startsWith("*.") && host.endsWith(d.substring(1)) && host.length() > d.length() - 1) {
                best = Math.max(best, d.length());
            }
        }
        return best;
    }
}
