package dev.nantian.proxy.internal;

import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.SessionPersistence;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * How one exchange chooses its upstream: the rule's weighted backend, then an endpoint of its cluster per attempt,
 * honouring the rule's session persistence and the cluster's consistent-hash key; and what the response must carry
 * so that the client's next request sticks. Runs on the exchange's event loop.
 *
 * <p><b>Session persistence</b> (Gateway API {@code sessionPersistence} of a route rule) pins a session to one
 * backend and endpoint. The session token names both: it is the URL-safe base64 of {@code cluster}, {@code host:port}
 * and the absolute expiry, sent as a cookie ({@code Path=/; HttpOnly}, with {@code Max-Age} only for permanent
 * cookies with an {@code absoluteTimeout}) or a response header, named {@code sessionName} or
 * {@value #DEFAULT_SESSION_NAME}. A request whose token names an available endpoint of one of the rule's backends
 * goes there; otherwise the backend and endpoint are picked as usual and the response carries a new token. Tokens
 * are not signed: a client can only choose among the rule's own endpoints, which it could reach anyway.
 *
 * <p><b>Consistent hashing</b> hashes the cluster's key (a header, a cookie or the client IP); a request without the
 * key is spread at random, except for a cookie key with a TTL: then a random cookie value is made up, hashed, and
 * set on the response ({@code Max-Age} the TTL, none for a TTL of 0), so the client sticks from then on.
 */
final class UpstreamSelection {
    /** The session cookie or header name when the rule names none. */
    static final String DEFAULT_SESSION_NAME = "nantian-session";

    private final CompiledRoute route;
    private final HttpHeaders request;
    private final Supplier<String> clientIp;
    private final SessionPersistence session;
    private final String sessionName;

    private ClusterState pinnedCluster;
    private UpstreamHost pinned;
    private ClusterState chosenCluster;
    private UpstreamHost chosen;
    private boolean issueSession;
    private Cookie hashCookie;

    private UpstreamSelection(CompiledRoute route, HttpHeaders request, Supplier<String> clientIp) {
        this.route = route;
        this.request = request;
        this.clientIp = clientIp;
        this.session = route.route().sessionPersistence().orElse(null);
        this.sessionName = session == null ? null : session.sessionName().orElse(DEFAULT_SESSION_NAME);
    }

    /**
     * The selection of one request of a forwarding rule.
     *
     * @param route the matched rule
     * @param request the request headers, read for session tokens and hash keys
     * @param clientIp the client's address, asked only when a cluster hashes on it
     */
    static UpstreamSelection of(CompiledRoute route, HttpHeaders request, Supplier<String> clientIp) {
        return new UpstreamSelection(route, request, clientIp);
    }

    /** The rule's backend for this request: the session's, or one picked by weight; {@code null} when none. */
    CompiledRoute.Target target() {
        WeightedPicker<CompiledRoute.Target> targets = route.targets();
        if (session != null) {
            String[] token = decode(sessionToken());
            if (token != null) {
                for (CompiledRoute.Target t : targets.items()) {
                    ClusterState c = t.cluster();
                    long expiry = Long.parseLong(token[2]);
                    if (c != null
                            && c.name().equals(token[0])
                            && (expiry == 0 || c.health().clock().millis() <= expiry)) {
                        UpstreamHost h = c.available(token[1]);
                        if (h != null) {
                            pinnedCluster = c;
                            pinned = h;
                            return t;
                        }
                    }
                }
            }
            issueSession = true;
        }
        return targets.pick();
    }

    /** Picks the endpoint of {@code cluster} for the next attempt and leases it; {@code null} when it has none. */
    EndpointLease lease(ClusterState cluster) {
        UpstreamHost host;
        if (pinned != null && cluster == pinnedCluster) {
            host = pinned;
            pinned = null; // a retry picks anew, and re-pins the session to whichever endpoint answers
        } else {
            host = cluster.pickHost(hash(cluster));
            if (host == null) {
                return null;
            }
            issueSession |= session != null;
        }
        chosenCluster = cluster;
        chosen = host;
        return cluster.lease(host);
    }

    /** Adds the session token and the hash cookie that the client should send next time. */
    void onResponseHeaders(HttpHeaders response) {
        if (issueSession && chosen != null) {
            long expiry = session.absoluteTimeout()
                    .map(d -> chosenCluster.health().clock().millis() + d.toMillis())
                    .orElse(0L);
            String token = encode(chosenCluster.name(), chosen.authority(), expiry);
            if (session.type() == SessionPersistence.Type.HEADER) {
                response.set(sessionName, token);
            } else {
                Cookie c = new DefaultCookie(sessionName, token);
                c.setPath("/");
                c.setHttpOnly(true);
                if (session.permanentCookie() && session.absoluteTimeout().isPresent()) {
                    c.setMaxAge(session.absoluteTimeout().get().toSeconds());
                }
                response.add(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(c));
            }
        }
        if (hashCookie != null) {
            response.add(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(hashCookie));
        }
    }

    private long hash(ClusterState cluster) {
        if (!(cluster.cluster().loadBalancing() instanceof LoadBalancing.ConsistentHash ch)) {
            return HostPicker.NO_HASH;
        }
        LoadBalancing.HashKey key = ch.key();
        if (key instanceof LoadBalancing.HashKey.Header h) {
            String v = request.get(h.name());
            return v == null ? HostPicker.NO_HASH : HostPicker.hash(v);
        }
        if (key instanceof LoadBalancing.HashKey.Cookie c) {
            String v = cookie(c.name());
            if (v == null && hashCookie != null && hashCookie.name().equals(c.name())) {
                v = hashCookie.value(); // a retry of a request whose cookie was made up on the first attempt
            }
            if (v == null && c.ttl().isPresent()) {
                v = Long.toHexString(ThreadLocalRandom.current().nextLong())
                        + Long.toHexString(ThreadLocalRandom.current().nextLong());
                Cookie made = new DefaultCookie(c.name(), v);
                made.setPath(c.path().isEmpty() ? "/" : c.path());
                made.setHttpOnly(true);
                Duration ttl = c.ttl().get();
                if (!ttl.isZero()) {
                    made.setMaxAge(Math.max(1, ttl.toSeconds()));
                }
                hashCookie = made;
            }
            return v == null ? HostPicker.NO_HASH : HostPicker.hash(v);
        }
        String ip = clientIp.get();
        return ip == null ? HostPicker.NO_HASH : HostPicker.hash(ip);
    }

    private String sessionToken() {
        return session.type() == SessionPersistence.Type.HEADER ? request.get(sessionName) : cookie(sessionName);
    }

    /** The value of the request's cookie {@code name}, or {@code null}. */
    private String cookie(String name) {
        List<String> headers = request.getAll(HttpHeaderNames.COOKIE);
        for (String header : headers) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (c.name().equals(name)) {
                    return c.value();
                }
            }
        }
        return null;
    }

    static String encode(String cluster, String authority, long expiryMillis) {
        String plain = cluster + "\n" + authority + "\n" + expiryMillis;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code [cluster, host:port, expiry]} of a well-formed token; {@code null} for anything else. */
    private static String[] decode(String token) {
        if (token == null || token.isEmpty() || token.length() > 1024) {
            return null;
        }
        String plain;
        try {
            plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null; // not ours, or tampered with: a new session
        }
        String[] parts = plain.split("\n", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return null;
        }
        return parts;
    }
}
