package dev.nantian.proxy.internal;

import static io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * Converts between HTTP/2 header blocks and the HTTP/1 objects an {@link Exchange} speaks, for
 * {@link Http2DownstreamStream}. It does what Netty's {@code HttpConversionUtil} does for a server (cookies joined per
 * RFC 9113 section 8.2.3, {@code :authority} as {@code Host}, connection-specific headers left out) without its
 * {@code x-http2-*} extension headers, which the proxy would only have to strip again.
 *
 * <p>The header blocks arrive validated by Netty's decoder (names, values, pseudo-header order and connection-specific
 * fields), so only what it leaves to the application is checked here: that a request names a method and a path.
 */
final class Http2Messages {
    private static final String EXTENSION_PREFIX = "x-http2-";

    private Http2Messages() {}

    /**
     * The request a HEADERS frame opens: a {@code FullHttpRequest} without body when the frame also ends the stream,
     * else a head whose body follows.
     *
     * @throws Http2Exception a stream error ({@code PROTOCOL_ERROR}) for a malformed request
     */
    static HttpRequest request(int streamId, Http2Headers h2, boolean endOfStream) throws Http2Exception {
        CharSequence method = h2.method();
        if (method == null) {
            throw Http2Exception.streamError(streamId, PROTOCOL_ERROR, "request without :method");
        }
        CharSequence authority = h2.authority();
        // CONNECT names its target in :authority and has no :path; the exchange refuses it as it does over HTTP/1.1.
        CharSequence target = HttpMethod.CONNECT.asciiName().contentEquals(method) ? authority : h2.path();
        if (target == null || target.length() == 0) {
            throw Http2Exception.streamError(streamId, PROTOCOL_ERROR, "request without :path");
        }
        HttpHeaders headers = new DefaultHttpHeaders();
        try {
            copyRequestHeaders(streamId, h2, authority, headers);
            HttpMethod m = HttpMethod.valueOf(method.toString());
            return endOfStream
                    ? new DefaultFullHttpRequest(
                            HttpVersion.HTTP_1_1,
                            m,
                            target.toString(),
                            Unpooled.EMPTY_BUFFER,
                            headers,
                            EmptyHttpHeaders.INSTANCE)
                    : new DefaultHttpRequest(HttpVersion.HTTP_1_1, m, target.toString(), headers);
        } catch (IllegalArgumentException e) {
            // An invalid method token or request target.
            throw Http2Exception.streamError(streamId, PROTOCOL_ERROR, e, "malformed request: %s", e.getMessage());
        }
    }

    private static void copyRequestHeaders(int streamId, Http2Headers in, CharSequence authority, HttpHeaders out)
            throws Http2Exception {
        if (authority != null) {
            out.add(HttpHeaderNames.HOST, authority);
        }
        boolean hostSeen = authority != null;
        CharSequence cookie = null;
        StringBuilder cookies = null;
        for (Map.Entry<CharSequence, CharSequence> e : in) {
            CharSequence name = e.getKey();
            if (name.length() == 0 || name.charAt(0) == ':' || isExtension(name)) {
                // Pseudo-headers were read above; x-http2-* would steer Netty's upstream HTTP/2 conversion.
                continue;
            }
            CharSequence value = e.getValue();
            if (HttpHeaderNames.COOKIE.contentEqualsIgnoreCase(name)) {
                // HTTP/2 may split cookies into several fields; HTTP/1.1 wants one, joined with "; ".
                if (cookie == null) {
                    cookie = value;
                } else {
                    if (cookies == null) {
                        cookies = new StringBuilder(cookie);
                    }
                    cookies.append("; ").append(value);
                }
            } else if (HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)) {
                // RFC 9113 section 8.3.1: a Host that contradicts :authority makes the request malformed.
                if (!hostSeen) {
                    hostSeen = true;
                    out.add(HttpHeaderNames.HOST, value);
                } else if (!AsciiString.contentEqualsIgnoreCase(out.get(HttpHeaderNames.HOST), value)) {
                    throw Http2Exception.streamError(streamId, PROTOCOL_ERROR, "conflicting :authority and host");
                }
            } else if (!HttpHeaderNames.TRAILER.contentEqualsIgnoreCase(name)) {
                // Trailer is dropped as Netty's conversion does: the proxy frames the upstream body itself.
                out.add(name, value);
            }
        }
        if (cookies != null) {
            out.add(HttpHeaderNames.COOKIE, cookies.toString());
        } else if (cookie != null) {
            out.add(HttpHeaderNames.COOKIE, cookie);
        }
    }

    /**
     * The request trailers of a HEADERS frame that ends the stream, as the last content of the body.
     *
     * @throws Http2Exception a stream error for a field HTTP/1.1 does not allow in trailers
     */
    static LastHttpContent trailers(int streamId, Http2Headers h2) throws Http2Exception {
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        try {
            for (Map.Entry<CharSequence, CharSequence> e : h2) {
                CharSequence name = e.getKey();
                if (name.length() > 0 && name.charAt(0) != ':' && !isExtension(name)) {
                    last.trailingHeaders().add(name, e.getValue());
                }
            }
        } catch (IllegalArgumentException e) {
            throw Http2Exception.streamError(streamId, PROTOCOL_ERROR, e, "malformed trailers: %s", e.getMessage());
        }
        return last;
    }

    /** The HEADERS of a response head: {@code :status} and the headers, without connection-specific ones. */
    static Http2Headers responseHeaders(HttpResponse response) {
        HttpHeaders in = response.headers();
        Http2Headers out = new DefaultHttp2Headers(false, in.size() + 1);
        out.status(response.status().codeAsText());
        copyResponseHeaders(in, out);
        return out;
    }

    /** The trailing HEADERS of a response. */
    static Http2Headers responseTrailers(HttpHeaders trailers) {
        Http2Headers out = new DefaultHttp2Headers(false, trailers.size());
        copyResponseHeaders(trailers, out);
        return out;
    }

    /**
     * Copies HTTP/1 headers into an HTTP/2 block, names lower-cased as HTTP/2 requires. The exchange removed the
     * hop-by-hop headers already (including those {@code Connection} names), so this only leaves out the fields
     * HTTP/2 forbids, as a safety net, and Netty's extension headers.
     */
    private static void copyResponseHeaders(HttpHeaders in, Http2Headers out) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = lowerCase(e.getKey());
            if (!isConnectionSpecific(name) && !isExtension(name)) {
                out.add(name, e.getValue());
            }
        }
    }

    /** {@code name} itself when it has no upper-case letter, which is the common case: no copy. */
    static CharSequence lowerCase(CharSequence name) {
        if (name instanceof AsciiString ascii) {
            return ascii.toLowerCase();
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return AsciiString.of(name).toLowerCase();
            }
        }
        return name;
    }

    /** Fields RFC 9113 section 8.2.2 forbids in HTTP/2 (a lower-case name); {@code te} has no place in a response. */
    private static boolean isConnectionSpecific(CharSequence name) {
        switch (name.length()) {
            case 2:
                return AsciiString.contentEquals(name, HttpHeaderNames.TE);
            case 4:
                return AsciiString.contentEquals(name, HttpHeaderNames.HOST);
            case 7:
                return AsciiString.contentEquals(name, HttpHeaderNames.UPGRADE);
            case 10:
                return AsciiString.contentEquals(name, HttpHeaderNames.CONNECTION)
                        || AsciiString.contentEquals(name, HttpHeaderNames.KEEP_ALIVE);
            case 16:
                return AsciiString.contentEquals(name, HttpHeaderNames.PROXY_CONNECTION);
            case 17:
                return AsciiString.contentEquals(name, HttpHeaderNames.TRANSFER_ENCODING);
            default:
                return false;
        }
    }

    private static boolean isExtension(CharSequence name) {
        return name.length() > EXTENSION_PREFIX.length()
                && (name.charAt(0) == 'x' || name.charAt(0) == 'X')
                && AsciiString.regionMatches(name, true, 0, EXTENSION_PREFIX, 0, EXTENSION_PREFIX.length());
    }
}
