package dev.nantian.core.routing;

import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.core.routing.internal.PathTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The routes of one virtual host, compiled. Entries are grouped into buckets that share their path criterion: one
 * bucket per exact path and per prefix, each sorted by {@link RoutePrecedence#SAME_PATH}, and one list of
 * regular-expression entries sorted by {@link RoutePrecedence#REGEX}. Walking the exact bucket for the path, then
 * the regexes, then the prefix buckets from the longest prefix of the path to the shortest, visits candidates in
 * precedence order while skipping every entry whose path cannot match. Gateway API leaves the rank of regular
 * expressions to implementations; putting them between exact paths and prefixes (as Envoy Gateway does) keeps a
 * catch-all {@code PathPrefix /} from hiding every regex route of its host.
 */
final class VirtualHostMatcher {
    private final PathTable<RouteEntry[]> exact;
    private final PathTable<RouteEntry[]> prefixes;
    /** {@code prefixLengths[n]} is true when some prefix has {@code n} characters. */
    private final boolean[] prefixLengths;

    private final RouteEntry[] regexes;
    final HttpRouteMatchResult noRoute;

    VirtualHostMatcher(Listener listener, VirtualHost vhost) {
        Map<String, List<HttpRoute>> exactRoutes = new HashMap<>();
        Map<String, List<HttpRoute>> prefixRoutes = new HashMap<>();
        List<HttpRoute> regexRoutes = new ArrayList<>();
        int maxPrefix = 0;
        for (HttpRoute r : vhost.routes()) {
            PathMatch path = r.match().path();
            if (path instanceof PathMatch.Exact) {
                exactRoutes
                        .computeIfAbsent(path.value(), k -> new ArrayList<>())
                        .add(r);
            } else if (path instanceof PathMatch.Prefix) {
                prefixRoutes
                        .computeIfAbsent(path.value(), k -> new ArrayList<>())
                        .add(r);
                maxPrefix = Math.max(maxPrefix, path.value().length());
            } else {
                regexRoutes.add(r);
            }
        }
        exact = PathTable.of(buckets(exactRoutes, listener, vhost, false));
        prefixes = PathTable.of(buckets(prefixRoutes, listener, vhost, true));
        prefixLengths = new boolean[maxPrefix + 1];
        prefixRoutes.keySet().forEach(p -> prefixLengths[p.length()] = true);
        regexRoutes.sort(RoutePrecedence.REGEX);
        regexes = regexRoutes.stream()
                .map(r -> new RouteEntry(
                        r.match(),
                        Pattern.compile(r.match().path().value()),
                        new HttpRouteMatchResult(HttpRouteMatchResult.Outcome.MATCHED, listener, vhost, r, -1)))
                .toArray(RouteEntry[]::new);
        noRoute = new HttpRouteMatchResult(HttpRouteMatchResult.Outcome.NO_ROUTE, listener, vhost, null, -1);
    }

    private static Map<String, RouteEntry[]> buckets(
            Map<String, List<HttpRoute>> byPath, Listener listener, VirtualHost vhost, boolean prefix) {
        Map<String, RouteEntry[]> buckets = new LinkedHashMap<>();
        byPath.forEach((path, routes) -> {
            routes.sort(RoutePrecedence.SAME_PATH);
            int prefixLength = prefix ? path.length() : -1;
            buckets.put(
                    path,
                    routes.stream()
                            .map(r -> new RouteEntry(
                                    r.match(),
                                    null,
                                    new HttpRouteMatchResult(
                                            HttpRouteMatchResult.Outcome.MATCHED, listener, vhost, r, prefixLength)))
                            .toArray(RouteEntry[]::new));
        });
        return buckets;
    }

    HttpRouteMatchResult match(String target, String method, HeaderLookup headers) {
        int pathEnd = target.indexOf('?');
        if (pathEnd < 0) {
            pathEnd = target.length();
        }
        // One forward pass hashes the whole path (for the exact table) and remembers the hash at the longest
        // prefix length that any prefix route has; shorter prefixes' hashes are derived walking back.
        int top = Math.min(pathEnd, prefixLengths.length - 1);
        int hash = 0;
        int topHash = 0;
        for (int i = 0; i < pathEnd; i++) {
            hash = PathTable.extend(hash, target.charAt(i));
            if (i + 1 == top) {
                topHash = hash;
            }
        }
        if (!exact.isEmpty()) {
            RouteEntry[] bucket = exact.get(target, pathEnd, hash);
            if (bucket != null) {
                RouteEntry e = RouteEntry.first(bucket, target, pathEnd, method, headers);
                if (e != null) {
                    return e.result;
                }
            }
        }
        if (regexes.length != 0) {
            RouteEntry e = RouteEntry.first(regexes, target, pathEnd, method, headers);
            if (e != null) {
                return e.result;
            }
        }
        if (top > 0 && target.charAt(0) == '/') {
            int h = topHash;
            for (int len = top; len >= 1; len--) {
                char last = target.charAt(len - 1);
                // Segment-aware: the prefix must end the path, be followed by '/', or itself end in '/' ("/").
                if (prefixLengths[len] && (len == pathEnd || target.charAt(len) == '/' || last == '/')) {
                    RouteEntry[] bucket = prefixes.get(target, len, h);
                    if (bucket != null) {
                        RouteEntry e = RouteEntry.first(bucket, target, pathEnd, method, headers);
                        if (e != null) {
                            return e.result;
                        }
                    }
                }
                h = PathTable.shorten(h, last);
            }
        }
        return noRoute;
    }
}
