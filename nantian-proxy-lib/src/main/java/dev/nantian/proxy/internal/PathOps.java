package dev.nantian.proxy.internal;

import dev.nantian.core.model.PathModifier;
import dev.nantian.core.model.RouteAction;

/** Gateway API path rewrites and redirect locations. Pure functions over strings. */
public final class PathOps {
    private PathOps() {}

    /**
     * Removes {@code .} and {@code ..} segments from the path of an origin-form request target (RFC 3986 section
     * 5.2.4), so that {@code /public/../admin} cannot slip past a {@code /public} route. The query is kept as is.
     */
    public static String normalize(String uri) {
        String path = path(uri);
        if (path.indexOf("/.") < 0) {
            return uri;
        }
        String[] segments = path.split("/", -1);
        java.util.ArrayDeque<String> out = new java.util.ArrayDeque<>(segments.length);
        for (int i = 1; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.equals(".") || s.equals("..")) {
                if (s.equals("..")) {
                    out.pollLast();
                }
                if (last) {
                    out.addLast("");
                }
            } else {
                out.addLast(s);
            }
        }
        return "/" + String.join("/", out) + query(uri);
    }

    /** The path of an origin-form request target, without the query. */
    public static String path(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /** The query of a request target including its {@code ?}, or the empty string. */
    public static String query(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? "" : uri.substring(q);
    }

    /**
     * Applies a path modifier to a path (no query).
     *
     * @param matchedPrefixLength what the router reported for the rule's {@code PathPrefix}; ignored for full-path
     *     replacement
     */
    public static String modify(PathModifier modifier, String path, int matchedPrefixLength) {
        if (modifier instanceof PathModifier.ReplaceFullPath full) {
            return full.path().isEmpty() ? "/" : full.path();
        }
        return replacePrefix(path, matchedPrefixLength, ((PathModifier.ReplacePrefixMatch) modifier).prefix());
    }

    /**
     * Replaces the first {@code matchedLength} characters of {@code path} with {@code replacement} the way Gateway
     * API's {@code ReplacePrefixMatch} table prescribes: the two parts are joined with exactly one slash, a trailing
     * slash of the replacement never doubles the request's, and an empty result becomes {@code /}. So {@code /foo/bar}
     * matched by {@code /foo} becomes {@code /xyz/bar} for both {@code /xyz} and {@code /xyz/}, {@code /bar} for the
     * empty replacement, and {@code /foo/} becomes {@code /xyz/}.
     */
    public static String replacePrefix(String path, int matchedLength, String replacement) {
        int len = Math.max(0, Math.min(matchedLength, path.length()));
        String rest = path.substring(len);
        String head = replacement.endsWith("/") ? replacement.substring(0, replacement.length() - 1) : replacement;
        if (!rest.isEmpty() && rest.charAt(0) != '/') {
            // The router reports 1 for the prefix "/": the remainder lost its leading slash.
            rest = "/" + rest;
        }
        String out = head + rest;
        return out.isEmpty() ? "/" : out;
    }

    /** The well-known port of {@code http} or {@code https}. */
    public static int defaultPort(String scheme) {
        return "https".equals(scheme) ? 443 : 80;
    }

    /**
     * The {@code Location} of a Gateway API redirect.
     *
     * @param redirect the redirect
     * @param requestScheme the scheme the request came in on
     * @param requestHost the request's host without port (IPv6 literals bracketed)
     * @param listenerPort the port of the listener that received the request
     * @param uri the request target, {@code /path?query}
     * @param matchedPrefixLength the router's matched prefix length, for {@code ReplacePrefixMatch}
     */
    public static String redirectLocation(
            RouteAction.Redirect redirect,
            String requestScheme,
            String requestHost,
            int listenerPort,
            String uri,
            int matchedPrefixLength) {
        String scheme = redirect.scheme().orElse(requestScheme);
        String host = redirect.hostname().orElse(requestHost);
        // Gateway API: an explicit port wins; a new scheme without port means that scheme's port; otherwise the
        // listener's port. The scheme's default port is left out of Location.
        int port = redirect.port().orElseGet(() -> redirect.scheme().isPresent() ? defaultPort(scheme) : listenerPort);
        String path = path(uri);
        if (redirect.path().isPresent()) {
            path = modify(redirect.path().get(), path, matchedPrefixLength);
        }
        StringBuilder sb = new StringBuilder(scheme).append("://").append(host);
        if (port != defaultPort(scheme)) {
            sb.append(':').append(port);
        }
        return sb.append(path).append(query(uri)).toString();
    }
}
