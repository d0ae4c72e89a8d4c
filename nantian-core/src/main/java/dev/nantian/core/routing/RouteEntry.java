package dev.nantian.core.routing;

import dev.nantian.core.model.HeaderMatch;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.QueryParamMatch;
import dev.nantian.core.model.StringMatchType;
import java.util.regex.Pattern;

/**
 * One compiled route entry: the non-path conditions (and the pattern of a regular-expression path) with regexes
 * compiled once, plus the precomputed result returned when it matches.
 */
final class RouteEntry {
    private static final HeaderCondition[] NO_HEADERS = {};
    private static final QueryCondition[] NO_QUERY = {};

    private final String method;
    private final HeaderCondition[] headers;
    private final QueryCondition[] queryParams;
    private final Pattern pathPattern;
    final HttpRouteMatchResult result;

    RouteEntry(HttpRouteMatch match, Pattern pathPattern, HttpRouteMatchResult result) {
        method = match.method().orElse(null);
        headers = match.headers().isEmpty()
                ? NO_HEADERS
                : match.headers().stream().map(HeaderCondition::of).toArray(HeaderCondition[]::new);
        queryParams = match.queryParams().isEmpty()
                ? NO_QUERY
                : match.queryParams().stream().map(QueryCondition::of).toArray(QueryCondition[]::new);
        this.pathPattern = pathPattern;
        this.result = result;
    }

    /**
     * Whether the request meets every condition but the (already checked) exact or prefix path.
     *
     * @param target the request target, path and query
     * @param pathEnd where the path ends: the index of {@code ?}, or the length
     */
    boolean matches(String target, int pathEnd, String method, HeaderLookup lookup) {
        if (this.method != null && !this.method.equals(method)) {
            return false;
        }
        for (HeaderCondition h : headers) {
            if (!h.test(lookup)) {
                return false;
            }
        }
        if (pathPattern != null
                && !pathPattern.matcher(target).region(0, pathEnd).matches()) {
            return false;
        }
        if (queryParams.length != 0) {
            if (pathEnd >= target.length()) {
                return false;
            }
            for (QueryCondition q : queryParams) {
                if (!q.test(target, pathEnd + 1)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Returns the first entry of {@code bucket} (in precedence order) that matches, or {@code null}. */
    static RouteEntry first(RouteEntry[] bucket, String target, int pathEnd, String method, HeaderLookup lookup) {
        for (RouteEntry e : bucket) {
            if (e.matches(target, pathEnd, method, lookup)) {
                return e;
            }
        }
        return null;
    }

    /** A header condition; exactly one of {@code exact} and {@code pattern} is set. */
    private record HeaderCondition(String name, String exact, Pattern pattern) {
        static HeaderCondition of(HeaderMatch m) {
            return m.type() == StringMatchType.EXACT
                    ? new HeaderCondition(m.name(), m.value(), null)
                    : new HeaderCondition(m.name(), null, Pattern.compile(m.value()));
        }

        boolean test(HeaderLookup lookup) {
            String value = lookup.first(name);
            if (value == null) {
                return false;
            }
            return exact != null ? exact.equals(value) : pattern.matcher(value).matches();
        }
    }

    /**
     * A query parameter condition; exactly one of {@code exact} and {@code pattern} is set. Names and values are
     * compared as sent, without percent- or {@code +}-decoding (Gateway API conformance sends them literally), and
     * the first occurrence of a name counts.
     */
    private record QueryCondition(String name, String exact, Pattern pattern) {
        static QueryCondition of(QueryParamMatch m) {
            return m.type() == StringMatchType.EXACT
                    ? new QueryCondition(m.name(), m.value(), null)
                    : new QueryCondition(m.name(), null, Pattern.compile(m.value()));
        }

        boolean test(String target, int queryStart) {
            int len = target.length();
            int n = name.length();
            for (int i = queryStart; i <= len; ) {
                int amp = target.indexOf('&', i);
                if (amp < 0) {
                    amp = len;
                }
                if (amp - i >= n && target.startsWith(name, i) && (i + n == amp || target.charAt(i + n) == '=')) {
                    int from = i + n == amp ? amp : i + n + 1;
                    return exact != null
                            ? amp - from == exact.length() && target.startsWith(exact, from)
                            : pattern.matcher(target).region(from, amp).matches();
                }
                i = amp + 1;
            }
            return false;
        }
    }
}
