package dev.nantian.core.routing;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.core.routing.internal.HostMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes HTTP requests arriving on one socket (the HTTP or HTTPS listeners that share an address and port) to a route
 * entry. Immutable and safe to share between event loops; compile a new one per config snapshot.
 *
 * <p>Matching follows Gateway API:
 *
 * <ol>
 *   <li><b>Listener isolation.</b> The {@code Host} picks the listener with the most specific hostname: exact, then
 *       the longest {@code *.} wildcard, then a listener without hostname. Only that listener's routes are seen.
 *   <li><b>Virtual host.</b> Within the listener: exact domain, then the longest {@code *.} wildcard (which needs at
 *       least one label in front: {@code *.example.com} matches {@code a.b.example.com}, not {@code example.com}),
 *       then {@code *}. Host matching ignores case and a {@code :port} suffix; IPv6 literals ({@code [::1]:80}) are
 *       accepted and can only match {@code *} or a listener without hostname.
 *   <li><b>Route precedence</b> across all entries of the virtual host: {@code Exact} path first; then
 *       {@code RegularExpression} paths (their rank is implementation-specific: we follow Envoy Gateway and put them
 *       before prefixes, longer pattern first); then {@code PathPrefix}, longer prefix first; then a method match before none; more header matches; more
 *       query parameter matches; the oldest route; {@code namespace/name} alphabetically; rule index; match index.
 * </ol>
 *
 * <p>Path conditions compare the path without the query and without decoding: {@code Exact} is a string comparison,
 * {@code PathPrefix} is segment-aware ({@code /abc} matches {@code /abc}, {@code /abc/} and {@code /abc/x}, not
 * {@code /abcd}), and a regular expression must match the whole path. Query parameter names and values are compared
 * as sent, without percent-decoding; the first occurrence of a name counts, as does the first value of a header.
 *
 * <pre>{@code
 * HttpRouter router = HttpRouter.compile(List.of(httpListener));
 * HttpRouteMatchResult r = router.match(request.host(), request.uri(), request.method(), request.headers()::first);
 * if (!r.isMatched()) {
 *     return notFound(r.outcome());
 * }
 * }</pre>
 */
public final class HttpRouter {
    private final String address;
    private final int port;
    private final List<Listener> listeners;
    private final HostMatcher<ListenerMatcher> listenersByHost;
    private final HttpRouteMatchResult noListener;

    private HttpRouter(List<Listener> listeners, HostMatcher<ListenerMatcher> listenersByHost) {
        this.address = listeners.get(0).address();
        this.port = listeners.get(0).port();
        this.listeners = List.copyOf(listeners);
        this.listenersByHost = listenersByHost;
        this.noListener = new HttpRouteMatchResult(HttpRouteMatchResult.Outcome.NO_LISTENER, null, null, null, -1);
    }

    /**
     * Compiles the HTTP or HTTPS listeners of one address and port.
     *
     * @throws ConfigValidationException listing every problem: listeners on different sockets or of other protocols,
     *     repeated listener hostnames, or a domain served by two virtual hosts of one listener
     */
    public static HttpRouter compile(List<Listener> listeners) {
        List<String> errors = new ArrayList<>();
        HttpRouter router = compile(listeners, errors);
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors);
        }
        return router;
    }

    /** Compiles, adding problems to {@code errors}; returns {@code null} when there were any. */
    static HttpRouter compile(List<Listener> listeners, List<String> errors) {
        requireNonNull(listeners, "listeners");
        if (listeners.isEmpty()) {
            errors.add("an HTTP router needs at least one listener");
            return null;
        }
        int before = errors.size();
        Listener first = listeners.get(0);
        HostMatcher.Builder<ListenerMatcher> byHost = HostMatcher.builder();
        for (Listener l : listeners) {
            String where = "listener " + l.name();
            if (!l.address().equals(first.address()) || l.port() != first.port()) {
                errors.add(where + " is on " + l.address() + ":" + l.port() + ", not " + first.address() + ":"
                        + first.port() + " like " + first.name());
                continue;
            }
            if (l.protocol() != ListenerProtocol.HTTP && l.protocol() != ListenerProtocol.HTTPS
                    || l.protocol() != first.protocol()) {
                errors.add(where + " has protocol " + l.protocol() + "; an HTTP router takes only HTTP or only HTTPS"
                        + " listeners (" + first.name() + " is " + first.protocol() + ")");
                continue;
            }
            ListenerMatcher matcher = ListenerMatcher.compile(l, errors);
            if (!byHost.putIfAbsent(l.hostname().orElse("*"), matcher)) {
                errors.add(where + " repeats hostname " + l.hostname().orElse("<any>") + " on " + l.address() + ":"
                        + l.port());
            }
        }
        return errors.size() == before ? new HttpRouter(listeners, byHost.build()) : null;
    }

    /**
     * Finds the route for a request. Allocation-free unless a candidate route has a regular expression.
     *
     * @param host the {@code Host} header or {@code :authority}, possibly with a port; {@code null} when absent
     * @param pathWithQuery the request target in origin form, {@code /path?query}, already normalised by the proxy
     * @param method the request method, as sent (case-sensitive)
     * @param headers the request headers
     * @return the result; never {@code null}
     */
    public HttpRouteMatchResult match(String host, String pathWithQuery, String method, HeaderLookup headers) {
        int hostEnd = host == null ? 0 : HostMatcher.hostEnd(host);
        ListenerMatcher listener = listenersByHost.find(host, hostEnd);
        if (listener == null) {
            return noListener;
        }
        VirtualHostMatcher vhost = listener.vhosts.find(host, hostEnd);
        if (vhost == null) {
            return listener.noVirtualHost;
        }
        return vhost.match(pathWithQuery, method, headers);
    }

    /**
     * The listener that requests for {@code host} go to, or {@code null} when none accepts it. On an HTTPS socket the
     * proxy compares it with the listener that SNI chose ({@link SniRouter}) and answers 421 Misdirected Request when
     * they differ.
     */
    public Listener listenerFor(String host) {
        ListenerMatcher m = listenersByHost.find(host);
        return m == null ? null : m.listener;
    }

    /** The bind address shared by the listeners. */
    public String address() {
        return address;
    }

    /** The port shared by the listeners. */
    public int port() {
        return port;
    }

    /** The listeners, in the order given. */
    public List<Listener> listeners() {
        return listeners;
    }

    @Override
    public String toString() {
        return "HttpRouter[" + address + ":" + port + ", listeners=" + listeners.size() + "]";
    }

    /** One listener's virtual hosts by domain. */
    private static final class ListenerMatcher {
        final Listener listener;
        final HostMatcher<VirtualHostMatcher> vhosts;
        final HttpRouteMatchResult noVirtualHost;

        private ListenerMatcher(Listener listener, HostMatcher<VirtualHostMatcher> vhosts) {
            this.listener = listener;
            this.vhosts = vhosts;
            this.noVirtualHost =
                    new HttpRouteMatchResult(HttpRouteMatchResult.Outcome.NO_VIRTUAL_HOST, listener, null, null, -1);
        }

        static ListenerMatcher compile(Listener l, List<String> errors) {
            HostMatcher.Builder<VirtualHostMatcher> vhosts = HostMatcher.builder();
            Map<String, String> owners = new HashMap<>();
            for (VirtualHost vh : ((ListenerRoutes.Http) l.routes()).virtualHosts()) {
                VirtualHostMatcher matcher = new VirtualHostMatcher(l, vh);
                for (String domain : vh.domains()) {
                    String owner = owners.putIfAbsent(domain, vh.name());
                    if (owner != null) {
                        if (!owner.equals(vh.name())) {
                            errors.add("listener " + l.name() + ": domain " + domain + " is served by virtual hosts "
                                    + owner + " and " + vh.name());
                        }
                        continue;
                    }
                    vhosts.putIfAbsent(domain, matcher);
                }
            }
            return new ListenerMatcher(l, vhosts.build());
        }
    }
}
