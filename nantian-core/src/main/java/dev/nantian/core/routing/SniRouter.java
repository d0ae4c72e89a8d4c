package dev.nantian.core.routing;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.TlsRoute;
import dev.nantian.core.routing.internal.HostMatcher;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Routes TLS connections on one socket (the HTTPS and TLS listeners that share an address and port) by the client's
 * SNI server name, once per connection. Immutable and thread-safe.
 *
 * <p>The server name first picks the listener with the most specific hostname (exact, longest {@code *.} wildcard,
 * then no hostname), exactly as {@link HttpRouter} does with {@code Host}. An HTTPS listener then terminates TLS and
 * hands requests to the socket's {@link HttpRouter}, whose {@link HttpRouter#listenerFor} must agree (else 421). A
 * TLS listener picks one of its {@link TlsRoute}s by the same rules over the routes' hostnames (a route without
 * hostnames serves any name); when two routes claim one hostname the older route wins, then the alphabetically first
 * {@code namespace/name}, as Gateway API resolves conflicts.
 */
public final class SniRouter {
    private static final Comparator<TlsRoute> CONFLICT_ORDER = Comparator.<TlsRoute, Instant>comparing(
                    r -> r.meta().creationTimestamp())
            .thenComparing(r -> r.meta().namespace() + "/" + r.meta().name())
            .thenComparingInt(r -> r.meta().ruleIndex());

    private final List<Listener> listeners;
    private final HostMatcher<ListenerEntry> listenersBySni;
    private final SniMatchResult noListener;

    private SniRouter(List<Listener> listeners, HostMatcher<ListenerEntry> listenersBySni) {
        this.listeners = List.copyOf(listeners);
        this.listenersBySni = listenersBySni;
        this.noListener = new SniMatchResult(SniMatchResult.Outcome.NO_LISTENER, null, null);
    }

    /**
     * Compiles the HTTPS and TLS listeners of one address and port.
     *
     * @throws ConfigValidationException listing every problem: listeners on different sockets or of other protocols,
     *     or repeated listener hostnames
     */
    public static SniRouter compile(List<Listener> listeners) {
        List<String> errors = new ArrayList<>();
        SniRouter router = compile(listeners, errors);
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors);
        }
        return router;
    }

    /** Compiles, adding problems to {@code errors}; returns {@code null} when there were any. */
    static SniRouter compile(List<Listener> listeners, List<String> errors) {
        requireNonNull(listeners, "listeners");
        if (listeners.isEmpty()) {
            errors.add("an SNI router needs at least one listener");
            return null;
        }
        int before = errors.size();
        Listener first = listeners.get(0);
        HostMatcher.Builder<ListenerEntry> bySni = HostMatcher.builder();
        for (Listener l : listeners) {
            String where = "listener " + l.name();
            if (!l.address().equals(first.address()) || l.port() != first.port()) {
                errors.add(where + " is on " + l.address() + ":" + l.port() + ", not " + first.address() + ":"
                        + first.port() + " like " + first.name());
                continue;
            }
            if (l.protocol() != ListenerProtocol.HTTPS && l.protocol() != ListenerProtocol.TLS) {
                errors.add(where + " has protocol " + l.protocol() + "; an SNI router takes HTTPS and TLS listeners");
                continue;
            }
            if (!bySni.putIfAbsent(l.hostname().orElse("*"), ListenerEntry.compile(l))) {
                errors.add(where + " repeats hostname " + l.hostname().orElse("<any>") + " on " + l.address() + ":"
                        + l.port());
            }
        }
        return errors.size() == before ? new SniRouter(listeners, bySni.build()) : null;
    }

    /**
     * Picks the listener and, for TLS listeners, the route for a connection.
     *
     * @param serverName the SNI host name from the ClientHello, or {@code null} when the client sent none (then
     *     only a listener without hostname and a route without hostnames can serve it)
     * @return the result; never {@code null}
     */
    public SniMatchResult match(String serverName) {
        ListenerEntry entry = listenersBySni.find(serverName);
        if (entry == null) {
            return noListener;
        }
        if (entry.routes == null) {
            return entry.https;
        }
        SniMatchResult r = entry.routes.find(serverName);
        return r != null ? r : entry.noRoute;
    }

    /** The listeners, in the order given. */
    public List<Listener> listeners() {
        return listeners;
    }

    @Override
    public String toString() {
        Listener l = listeners.get(0);
        return "SniRouter[" + l.address() + ":" + l.port() + ", listeners=" + listeners.size() + "]";
    }

    /** A listener and, for TLS listeners, its routes by server name. */
    private static final class ListenerEntry {
        final SniMatchResult https;
        final HostMatcher<SniMatchResult> routes;
        final SniMatchResult noRoute;

        private ListenerEntry(SniMatchResult https, HostMatcher<SniMatchResult> routes, SniMatchResult noRoute) {
            this.https = https;
            this.routes = routes;
            this.noRoute = noRoute;
        }

        static ListenerEntry compile(Listener l) {
            if (l.protocol() == ListenerProtocol.HTTPS) {
                return new ListenerEntry(new SniMatchResult(SniMatchResult.Outcome.HTTPS, l, null), null, null);
            }
            List<TlsRoute> routes = new ArrayList<>(((ListenerRoutes.Tls) l.routes()).routes());
            routes.sort(CONFLICT_ORDER);
            HostMatcher.Builder<SniMatchResult> byName = HostMatcher.builder();
            for (TlsRoute r : routes) {
                SniMatchResult result = new SniMatchResult(SniMatchResult.Outcome.TLS_ROUTE, l, r);
                if (r.hostnames().isEmpty()) {
                    byName.putAnyIfAbsent(result);
                }
                r.hostnames().forEach(h -> byName.putIfAbsent(h, result));
            }
            return new ListenerEntry(
                    null, byName.build(), new SniMatchResult(SniMatchResult.Outcome.NO_ROUTE, l, null));
        }
    }
}
