package dev.nantian.core.routing;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.HeaderMatch;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.QueryParamMatch;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.TlsRoute;
import dev.nantian.core.model.VirtualHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Short ways to build route model records in tests. */
final class Fixtures {
    private Fixtures() {}

    /** Starts a route entry of the HTTPRoute {@code namespace/name}. */
    static Entry entry(String namespaceAndName) {
        return new Entry(namespaceAndName);
    }

    /** A virtual host named after its first domain. */
    static VirtualHost vhost(List<String> domains, HttpRoute... routes) {
        return new VirtualHost(domains.get(0), domains, List.of(routes));
    }

    /** An HTTP listener on 0.0.0.0:80. */
    static Listener http(String name, String hostname, VirtualHost... vhosts) {
        Listener.Builder b =
                Listener.builder(name, 80, ListenerProtocol.HTTP, new ListenerRoutes.Http(List.of(vhosts)));
        if (hostname != null) {
            b.hostname(hostname);
        }
        return b.build();
    }

    /** An HTTPS listener on 0.0.0.0:443. */
    static Listener https(String name, String hostname, VirtualHost... vhosts) {
        Listener.Builder b = Listener.builder(
                        name, 443, ListenerProtocol.HTTPS, new ListenerRoutes.Http(List.of(vhosts)))
                .tls(ListenerTls.terminate(List.of("default/cert")));
        if (hostname != null) {
            b.hostname(hostname);
        }
        return b.build();
    }

    /** A passthrough TLS listener on 0.0.0.0:443. */
    static Listener tls(String name, String hostname, TlsRoute... routes) {
        Listener.Builder b = Listener.builder(name, 443, ListenerProtocol.TLS, new ListenerRoutes.Tls(List.of(routes)))
                .tls(ListenerTls.passthrough());
        if (hostname != null) {
            b.hostname(hostname);
        }
        return b.build();
    }

    /** A TLS route created {@code createdSeconds} after the epoch. */
    static TlsRoute tlsRoute(String namespaceAndName, long createdSeconds, String... hostnames) {
        String[] nn = namespaceAndName.split("/", 2);
        RouteMeta meta = new RouteMeta(
                "TLSRoute", nn[0], nn[1], Instant.ofEpochSecond(createdSeconds), 0, Optional.empty(), 0, Map.of());
        return new TlsRoute(meta, List.of(hostnames), List.of(new L4Backend(namespaceAndName, 1)));
    }

    /** A router over one HTTP listener whose only virtual host serves every host. */
    static HttpRouter router(HttpRoute... routes) {
        return HttpRouter.compile(List.of(http("gw/http", null, vhost(List.of("*"), routes))));
    }

    /** Identifies the matched entry as {@code namespace/name/rule/match}, or the outcome when nothing matched. */
    static String id(HttpRouteMatchResult r) {
        if (!r.isMatched()) {
            return r.outcome().name();
        }
        RouteMeta m = r.route().meta();
        return m.namespace() + "/" + m.name() + "/" + m.ruleIndex() + "/" + m.matchIndex();
    }

    /** Headers from {@code name, value, name, value...}; names are matched case-insensitively. */
    static HeaderLookup headers(String... nameValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            map.putIfAbsent(nameValues[i].toLowerCase(java.util.Locale.ROOT), nameValues[i + 1]);
        }
        return map::get;
    }

    /** Builds one route entry. */
    static final class Entry {
        private final String namespace;
        private final String name;
        private PathMatch path = PathMatch.any();
        private String method;
        private final List<HeaderMatch> headers = new ArrayList<>();
        private final List<QueryParamMatch> query = new ArrayList<>();
        private Instant created = Instant.EPOCH;
        private int rule;
        private int match;

        private Entry(String namespaceAndName) {
            String[] nn = namespaceAndName.split("/", 2);
            namespace = nn[0];
            name = nn[1];
        }

        Entry exact(String value) {
            path = new PathMatch.Exact(value);
            return this;
        }

        Entry prefix(String value) {
            path = new PathMatch.Prefix(value);
            return this;
        }

        Entry regex(String value) {
            path = new PathMatch.RegularExpression(value);
            return this;
        }

        Entry method(String value) {
            method = value;
            return this;
        }

        Entry header(String headerName, String value) {
            headers.add(HeaderMatch.exact(headerName, value));
            return this;
        }

        Entry headerRegex(String headerName, String pattern) {
            headers.add(HeaderMatch.regex(headerName, pattern));
            return this;
        }

        Entry query(String paramName, String value) {
            query.add(QueryParamMatch.exact(paramName, value));
            return this;
        }

        Entry queryRegex(String paramName, String pattern) {
            query.add(QueryParamMatch.regex(paramName, pattern));
            return this;
        }

        Entry created(long epochSeconds) {
            created = Instant.ofEpochSecond(epochSeconds);
            return this;
        }

        Entry rule(int ruleIndex, int matchIndex) {
            rule = ruleIndex;
            match = matchIndex;
            return this;
        }

        HttpRoute build() {
            RouteMeta meta =
                    new RouteMeta("HTTPRoute", namespace, name, created, rule, Optional.empty(), match, Map.of());
            return HttpRoute.builder(meta, new RouteAction.Forward(List.of(Backend.ClusterBackend.of("c"))))
                    .match(new HttpRouteMatch(path, Optional.ofNullable(method), headers, query))
                    .build();
        }
    }
}
