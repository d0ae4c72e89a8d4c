package dev.nantian.core.routing;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.TcpRoute;
import dev.nantian.core.model.UdpRoute;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A whole {@link ConfigSnapshot} compiled into one {@link PortRouter} per socket. The data plane builds it off the
 * event loop when a snapshot arrives, opens the {@link #bindings()} it does not have yet, closes the ones gone, and
 * swaps the table in with one atomic reference write. Immutable and thread-safe.
 *
 * <pre>{@code
 * RouterTable table = RouterTable.compile(snapshot); // throws ConfigValidationException listing every problem
 * for (Binding b : table.bindings()) {
 *     PortRouter router = table.router(b);
 *     if (router instanceof PortRouter.Http http) {
 *         openHttpSocket(b, http.router());
 *     } else if (router instanceof PortRouter.Tls tls) {
 *         openTlsSocket(b, tls.sni(), tls.https());
 *     } // ...
 * }
 * }</pre>
 */
public final class RouterTable {
    private final ConfigSnapshot snapshot;
    private final Map<Binding, PortRouter> routers;

    private RouterTable(ConfigSnapshot snapshot, Map<Binding, PortRouter> routers) {
        this.snapshot = snapshot;
        this.routers = Collections.unmodifiableMap(routers);
    }

    /**
     * Compiles a snapshot. Listeners are grouped by (transport, address, port); a group of HTTP listeners becomes a
     * {@link PortRouter.Http}, HTTPS and TLS listeners a {@link PortRouter.Tls}, a TCP or UDP listener a
     * {@link PortRouter.Tcp} or {@link PortRouter.Udp}.
     *
     * @throws ConfigValidationException listing every problem: listeners that cannot share a socket, repeated
     *     hostnames, domains served by two virtual hosts of one listener
     */
    public static RouterTable compile(ConfigSnapshot snapshot) {
        requireNonNull(snapshot, "snapshot");
        Map<Binding, List<Listener>> groups = new LinkedHashMap<>();
        for (Listener l : snapshot.listeners()) {
            Binding.Transport transport =
                    l.protocol() == ListenerProtocol.UDP ? Binding.Transport.UDP : Binding.Transport.TCP;
            groups.computeIfAbsent(new Binding(transport, l.address(), l.port()), b -> new ArrayList<>())
                    .add(l);
        }
        List<String> errors = new ArrayList<>();
        Map<Binding, PortRouter> routers = new LinkedHashMap<>();
        groups.forEach((binding, listeners) -> {
            PortRouter router = compileGroup(binding, listeners, errors);
            if (router != null) {
                routers.put(binding, router);
            }
        });
        if (!errors.isEmpty()) {
            // HTTPS listeners are checked by both the SNI and the HTTP router of their socket: report problems once
            throw new ConfigValidationException(List.copyOf(new LinkedHashSet<>(errors)));
        }
        return new RouterTable(snapshot, routers);
    }

    private static PortRouter compileGroup(Binding binding, List<Listener> listeners, List<String> errors) {
        EnumSet<ListenerProtocol> protocols = EnumSet.noneOf(ListenerProtocol.class);
        listeners.forEach(l -> protocols.add(l.protocol()));
        if (protocols.equals(EnumSet.of(ListenerProtocol.HTTP))) {
            HttpRouter router = HttpRouter.compile(listeners, errors);
            return router == null ? null : new PortRouter.Http(binding, router);
        }
        if (EnumSet.of(ListenerProtocol.HTTPS, ListenerProtocol.TLS).containsAll(protocols)) {
            SniRouter sni = SniRouter.compile(listeners, errors);
            List<Listener> https = new ArrayList<>();
            listeners.forEach(l -> {
                if (l.protocol() == ListenerProtocol.HTTPS) {
                    https.add(l);
                }
            });
            HttpRouter httpsRouter = https.isEmpty() ? null : HttpRouter.compile(https, errors);
            if (sni == null || (!https.isEmpty() && httpsRouter == null)) {
                return null;
            }
            return new PortRouter.Tls(binding, sni, Optional.ofNullable(httpsRouter));
        }
        if (listeners.size() > 1) {
            List<String> names = new ArrayList<>();
            listeners.forEach(l -> names.add(l.name()));
            errors.add("listeners " + names + " cannot share " + binding + " with protocols " + protocols);
            return null;
        }
        Listener l = listeners.get(0);
        if (l.routes() instanceof ListenerRoutes.Tcp tcp) {
            Optional<TcpRoute> route =
                    tcp.routes().stream().filter(r -> serves(r.backends())).findFirst();
            return new PortRouter.Tcp(binding, l, route);
        }
        if (l.routes() instanceof ListenerRoutes.Udp udp) {
            Optional<UdpRoute> route =
                    udp.routes().stream().filter(r -> serves(r.backends())).findFirst();
            return new PortRouter.Udp(binding, l, route);
        }
        errors.add("listener " + l.name() + " on " + binding + " has protocol " + l.protocol() + " and routes of type "
                + l.routes().getClass().getSimpleName());
        return null;
    }

    /** A layer-4 route serves when a backend has weight; an invalid backend's share is then refused. */
    private static boolean serves(List<L4Backend> backends) {
        for (L4Backend b : backends) {
            if (b.weight() > 0) {
                return true;
            }
        }
        return false;
    }

    /** The compiled snapshot. */
    public ConfigSnapshot snapshot() {
        return snapshot;
    }

    /** The snapshot's version. */
    public String version() {
        return snapshot.version();
    }

    /** The sockets to open, in the order their first listener appears in the snapshot. */
    public Set<Binding> bindings() {
        return routers.keySet();
    }

    /** What serves {@code binding}, or {@code null} when the table does not bind it. */
    public PortRouter router(Binding binding) {
        return routers.get(binding);
    }

    /** Every socket's router, keyed and ordered like {@link #bindings()}. */
    public Map<Binding, PortRouter> routers() {
        return routers;
    }

    @Override
    public String toString() {
        return "RouterTable[version=" + snapshot.version() + ", bindings=" + routers.keySet() + "]";
    }
}
