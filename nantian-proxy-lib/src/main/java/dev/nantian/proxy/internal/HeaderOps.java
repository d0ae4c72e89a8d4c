package dev.nantian.proxy.internal;

import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpHeader;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Header rules shared by requests and responses: hop-by-hop stripping, Gateway API modifiers, forwarding headers. */
public final class HeaderOps {
    private static final String HTTP2_EXTENSION_PREFIX = "x-http2-";
    // Constants: an AsciiString caches its hash, a String literal is hashed again on every lookup.
    private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");

    private HeaderOps() {}

    /**
     * Removes hop-by-hop headers (RFC 9110 section 7.6.1): {@code Connection} and every header it names,
     * {@code Keep-Alive}, {@code Proxy-Connection}, {@code Transfer-Encoding}, {@code Upgrade}, {@code HTTP2-Settings}
     * and {@code TE} except its {@code trailers} token, which gRPC needs end to end.
     *
     * @param keepWebSocketUpgrade keep {@code Upgrade: websocket} and answer it with {@code Connection: Upgrade}
     */
    public static void stripHopByHop(HttpHeaders headers, boolean keepWebSocketUpgrade) {
        // Read before the Connection tokens are processed: "Connection: Upgrade" names it.
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        // contains() first: getAll() allocates a list even for an absent header, and this runs twice per exchange.
        List<String> connections =
                headers.contains(HttpHeaderNames.CONNECTION) ? headers.getAll(HttpHeaderNames.CONNECTION) : List.of();
        for (String connection : connections) {
            if (connection.indexOf(',') < 0) {
                // The usual single token ("keep-alive", "close"): no split.
                String name = connection.trim();
                if (!name.isEmpty()) {
                    headers.remove(name);
                }
                continue;
            }
            for (String token : connection.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    headers.remove(name);
                }
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(HttpHeaderNames.PROXY_CONNECTION);
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.remove(HTTP2_SETTINGS);
        headers.remove(HttpHeaderNames.UPGRADE);
        if (keepWebSocketUpgrade && upgrade != null && isWebSocket(upgrade)) {
            headers.set(HttpHeaderNames.UPGRADE, upgrade);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        if (!headers.contains(HttpHeaderNames.TE)) {
            return;
        }
        boolean trailers = false;
        for (String te : headers.getAll(HttpHeaderNames.TE)) {
            for (String token : te.split(",")) {
                if (token.trim().toLowerCase(Locale.ROOT).startsWith("trailers")) {
                    trailers = true;
                }
            }
        }
        headers.remove(HttpHeaderNames.TE);
        if (trailers) {
            headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
    }

    /** Removes the {@code x-http2-*} headers Netty's HTTP/2 to HTTP/1 adapter adds. */
    public static void stripHttp2Extensions(HttpHeaders headers) {
        List<String> names = null;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            // Compared in place: this runs on every response, and lower-casing each name allocated two copies of it.
            if (name.length() > HTTP2_EXTENSION_PREFIX.length()
                    && AsciiString.regionMatches(
                            name, true, 0, HTTP2_EXTENSION_PREFIX, 0, HTTP2_EXTENSION_PREFIX.length())) {
                if (names == null) {
                    names = new ArrayList<>(4);
                }
                names.add(name.toString());
            }
        }
        if (names != null) {
            names.forEach(headers::remove);
        }
    }

    /** True for an {@code Upgrade} value that asks for WebSocket. */
    public static boolean isWebSocket(String upgrade) {
        return upgrade != null && upgrade.trim().equalsIgnoreCase("websocket");
    }

    /** Applies a Gateway API header modifier: remove, then set, then add. */
    public static void apply(HeaderModifier modifier, HttpHeaders headers) {
        for (String name : modifier.remove()) {
            headers.remove(name);
        }
        for (HttpHeader h : modifier.set()) {
            headers.set(h.name(), h.value());
        }
        for (HttpHeader h : modifier.add()) {
            headers.add(h.name(), h.value());
        }
    }

    /**
     * Adds the de-facto forwarding headers: the client address is appended to {@code X-Forwarded-For};
     * {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} describe this hop and replace what the client sent.
     */
    public static void addForwarded(HttpHeaders headers, String clientIp, String scheme, String originalHost) {
        String xff = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, xff == null || xff.isBlank() ? clientIp : xff + ", " + clientIp);
        headers.set(X_FORWARDED_PROTO, scheme);
        if (originalHost != null) {
            headers.set(X_FORWARDED_HOST, originalHost);
        }
    }
}
