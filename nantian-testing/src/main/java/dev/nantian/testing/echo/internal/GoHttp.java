package dev.nantian.testing.echo.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Small ports of Go {@code net/http}, {@code net/textproto} and {@code net/url} rules the upstream echo server gets
 * for free from its runtime, so our answers match it byte for byte where the conformance suite looks.
 */
public final class GoHttp {

    private GoHttp() {}

    /**
     * Go's {@code textproto.CanonicalMIMEHeaderKey}: the first letter and every letter after a hyphen upper case, the
     * rest lower case ({@code x-echo-set-header} becomes {@code X-Echo-Set-Header}); a name with a byte that is not a
     * token character is returned unchanged.
     */
    public static String canonicalHeaderKey(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (!isTokenChar(name.charAt(i))) {
                return name;
            }
        }
        StringBuilder sb = new StringBuilder(name.length());
        boolean upper = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (upper && c >= 'a' && c <= 'z') {
                c = (char) (c - ('a' - 'A'));
            } else if (!upper && c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            sb.append(c);
            upper = c == '-';
        }
        return sb.toString();
    }

    /** Go's {@code httpguts.ValidHeaderFieldName}: a non-empty RFC 7230 token. */
    public static boolean isValidHeaderName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isTokenChar(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isTokenChar(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /**
     * Turns text that Netty decoded byte-per-char (ISO-8859-1) back into the bytes on the wire and reads them as
     * UTF-8, the way a Go string holding those bytes is JSON-encoded (invalid sequences become U+FFFD).
     */
    public static String wireToUtf8(CharSequence wire) {
        String s = wire.toString();
        boolean ascii = true;
        for (int i = 0; i < s.length() && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        return ascii ? s : new String(s.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** The path of a request-target (origin form or absolute form), not decoded. */
    public static String rawPath(String requestUri) {
        String withoutQuery = stripQuery(requestUri);
        int scheme = withoutQuery.indexOf("://");
        if (!withoutQuery.startsWith("/") && scheme > 0) {
            int slash = withoutQuery.indexOf('/', scheme + 3);
            return slash < 0 ? "" : withoutQuery.substring(slash);
        }
        return withoutQuery;
    }

    /** The query of a request-target, without the {@code ?}; empty when there is none. */
    public static String rawQuery(String requestUri) {
        int q = requestUri.indexOf('?');
        return q < 0 ? "" : requestUri.substring(q + 1);
    }

    private static String stripQuery(String requestUri) {
        int q = requestUri.indexOf('?');
        return q < 0 ? requestUri : requestUri.substring(0, q);
    }

    /**
     * The first value of query parameter {@code name} as Go's {@code Request.FormValue} reads the URL query:
     * {@code +} and {@code %XX} decoded, pairs with a semicolon or a bad escape skipped.
     */
    public static Optional<String> queryValue(String rawQuery, String name) {
        if (rawQuery.isEmpty()) {
            return Optional.empty();
        }
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty() || pair.indexOf(';') >= 0) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = queryUnescape(eq < 0 ? pair : pair.substring(0, eq));
            if (key == null || !key.equals(name)) {
                continue;
            }
            String value = queryUnescape(eq < 0 ? "" : pair.substring(eq + 1));
            if (value != null) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private static String queryUnescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '+') {
                out.write(' ');
            } else if (b == '%') {
                if (i + 2 >= bytes.length) {
                    return null;
                }
                int hi = Character.digit(bytes[i + 1], 16);
                int lo = Character.digit(bytes[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                out.write(b);
            }
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    /**
     * Go's {@code http.cleanPath}: {@code path.Clean} on a rooted path, keeping a trailing slash. {@code ServeMux}
     * redirects to it when it differs from the request path.
     */
    public static String cleanPath(String p) {
        if (p.isEmpty()) {
            return "/";
        }
        if (p.charAt(0) != '/') {
            p = "/" + p;
        }
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : p.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                segments.pollLast();
            } else {
                segments.addLast(segment);
            }
        }
        String cleaned = "/" + String.join("/", segments);
        if (p.endsWith("/") && !cleaned.equals("/")) {
            cleaned += "/";
        }
        return cleaned;
    }

    /** Go's {@code html.EscapeString} subset used by {@code http.Redirect}. */
    public static String htmlEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<':
                    sb.append("&lt;");
                    break;
                case '>':
                    sb.append("&gt;");
                    break;
                case '&':
                    sb.append("&amp;");
                    break;
                case '\'':
                    sb.append("&#39;");
                    break;
                case '"':
                    sb.append("&#34;");
                    break;
                default:
                    sb.append(c);
            }
        }
        return sb.toString();
    }
}
