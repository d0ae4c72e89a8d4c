package dev.nantian.proxy.internal;

import dev.nantian.core.model.RouteFilter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Locale;

/**
 * A compiled Gateway API {@code HTTPCORSFilter}. The allowed origin is always echoed rather than answered with
 * {@code *}: that is correct with and without credentials. Wildcard methods and headers are answered with what the
 * preflight asked for, for the same reason (a literal {@code *} is not honoured by browsers for credentialed
 * requests).
 */
public final class CorsPolicy {
    private final List<String> exactOrigins;
    private final List<String[]> wildcardOrigins;
    private final boolean anyOrigin;
    private final boolean allowCredentials;
    private final boolean anyMethod;
    private final String allowMethods;
    private final boolean anyHeader;
    private final String allowHeaders;
    private final String exposeHeaders;
    private final String maxAge;

    public CorsPolicy(RouteFilter.Cors cors) {
        boolean any = false;
        List<String> exact = new java.util.ArrayList<>();
        List<String[]> wild = new java.util.ArrayList<>();
        for (String o : cors.allowOrigins()) {
            String origin = o.toLowerCase(Locale.ROOT);
            int star = origin.indexOf('*');
            if (origin.equals("*")) {
                any = true;
            } else if (star >= 0) {
                wild.add(new String[] {origin.substring(0, star), origin.substring(star + 1)});
            } else {
                exact.add(origin);
            }
        }
        this.anyOrigin = any;
        this.exactOrigins = List.copyOf(exact);
        this.wildcardOrigins = List.copyOf(wild);
        this.allowCredentials = cors.allowCredentials();
        this.anyMethod = cors.allowMethods().contains("*");
        this.allowMethods = String.join(", ", cors.allowMethods());
        this.anyHeader = cors.allowHeaders().contains("*");
        this.allowHeaders = String.join(", ", cors.allowHeaders());
        this.exposeHeaders = String.join(", ", cors.exposeHeaders());
        long seconds = cors.maxAge().getSeconds();
        this.maxAge = seconds > 0 ? Long.toString(seconds) : null;
    }

    /** True when {@code origin} may make cross-origin requests. */
    public boolean allowsOrigin(String origin) {
        if (origin == null || origin.isEmpty()) {
            return false;
        }
        if (anyOrigin) {
            return true;
        }
        String o = origin.toLowerCase(Locale.ROOT);
        if (exactOrigins.contains(o)) {
            return true;
        }
        for (String[] w : wildcardOrigins) {
            if (o.length() > w[0].length() + w[1].length() && o.startsWith(w[0]) && o.endsWith(w[1])) {
                return true;
            }
        }
        return false;
    }

    /** True for a CORS preflight: {@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}. */
    public static boolean isPreflight(HttpMethod method, HttpHeaders headers) {
        return HttpMethod.OPTIONS.equals(method)
                && headers.contains(HttpHeaderNames.ORIGIN)
                && headers.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    /** Fills the headers of a preflight answer; adds nothing when the origin is not allowed. */
    public void preflight(HttpHeaders request, HttpHeaders out) {
        String origin = request.get(HttpHeaderNames.ORIGIN);
        if (!allowsOrigin(origin)) {
            return;
        }
        common(origin, out);
        String method = anyMethod ? request.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD) : allowMethods;
        if (method != null && !method.isEmpty()) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, method);
        }
        String headers = anyHeader ? request.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS) : allowHeaders;
        if (headers != null && !headers.isEmpty()) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, headers);
        }
        if (maxAge != null) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, maxAge);
        }
    }

    /** Adds CORS headers to an actual (non-preflight) response when the request's origin is allowed. */
    public void actual(String origin, HttpHeaders out) {
        if (allowsOrigin(origin)) {
            common(origin, out);
        }
    }

    private void common(String origin, HttpHeaders out) {
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        out.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        if (allowCredentials) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if (!exposeHeaders.isEmpty()) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, exposeHeaders);
        }
    }
}
