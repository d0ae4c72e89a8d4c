package dev.nantian.xds.codec.internal;

import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.SessionPersistence;
import io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy;
import java.time.Duration;

/**
 * The route hash policies that stand for session persistence and for a consistent-hash cluster's key (Envoy puts
 * hash keys on routes, the IR on clusters). Both encoder and decoder derive them here, so the decoder can check
 * that a route's hash policies are exactly the derived ones.
 */
public final class HashPolicies {
    /** The cookie used for cookie session persistence without a session name. */
    public static final String DEFAULT_SESSION_COOKIE = "nantian-session";
    /** The header used for header session persistence without a session name. */
    public static final String DEFAULT_SESSION_HEADER = "x-nantian-session";

    private HashPolicies() {}

    public static HashPolicy forSession(SessionPersistence s) {
        if (s.type() == SessionPersistence.Type.HEADER) {
            return header(s.sessionName().orElse(DEFAULT_SESSION_HEADER));
        }
        // A TTL makes Envoy set the cookie when the request has none; 0 makes it a browser-session cookie.
        Duration ttl = s.permanentCookie() ? s.absoluteTimeout().orElse(Duration.ZERO) : Duration.ZERO;
        return HashPolicy.newBuilder()
                .setCookie(HashPolicy.Cookie.newBuilder()
                        .setName(s.sessionName().orElse(DEFAULT_SESSION_COOKIE))
                        .setTtl(Protos.duration(ttl))
                        .setPath("/"))
                .build();
    }

    public static HashPolicy forKey(LoadBalancing.HashKey key) {
        if (key instanceof LoadBalancing.HashKey.Header h) {
            return header(h.name());
        }
        if (key instanceof LoadBalancing.HashKey.Cookie c) {
            HashPolicy.Cookie.Builder cb =
                    HashPolicy.Cookie.newBuilder().setName(c.name()).setPath(c.path());
            c.ttl().ifPresent(t -> cb.setTtl(Protos.duration(t)));
            return HashPolicy.newBuilder().setCookie(cb).build();
        }
        return HashPolicy.newBuilder()
                .setConnectionProperties(
                        HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true))
                .build();
    }

    private static HashPolicy header(String name) {
        return HashPolicy.newBuilder()
                .setHeader(HashPolicy.Header.newBuilder().setHeaderName(name))
                .build();
    }
}
