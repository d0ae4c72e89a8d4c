package dev.nantian.testing.echo.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the echo document exactly as upstream's {@code json.MarshalIndent(assertions, "", " ")} does: fields in
 * struct order, header names canonicalised and sorted, one-space indentation, Go's string escaping (including its
 * HTML-safe escapes of {@code <}, {@code >} and {@code &}). Hand-written because this module carries no JSON library.
 */
public final class EchoJson {

    private EchoJson() {}

    /** The identity fields of a backend pod (upstream's environment variables). */
    public record Identity(String namespace, String ingress, String service, String pod) {}

    /** The echo body for {@code request}; {@code httpPort} is the value upstream reads from {@code HTTP_PORT}. */
    public static String echo(EchoRequest request, Identity identity, String httpPort) {
        StringBuilder sb = new StringBuilder(1024);
        sb.append("{\n");
        field(sb, 1, "path", GoHttp.wireToUtf8(request.requestUri()), true);
        field(sb, 1, "host", GoHttp.wireToUtf8(request.host()), true);
        field(sb, 1, "method", request.method(), true);
        field(sb, 1, "proto", request.proto(), true);
        headers(sb, request);
        field(sb, 1, "httpPort", httpPort, true);
        field(sb, 1, "namespace", identity.namespace(), true);
        field(sb, 1, "ingress", identity.ingress(), true);
        field(sb, 1, "service", identity.service(), true);
        TlsInfo tls = request.tls();
        field(sb, 1, "pod", identity.pod(), tls != null);
        if (tls != null) {
            tls(sb, tls);
        }
        return sb.append('}').toString();
    }

    /** Upstream's error body, {@code json.Marshal} of {@code {message}} without indentation. */
    public static String message(String message) {
        StringBuilder sb = new StringBuilder("{\"message\":");
        string(sb, message);
        return sb.append('}').toString();
    }

    private static void headers(StringBuilder sb, EchoRequest request) {
        // Go's http.Header is a map keyed by canonical name; encoding/json sorts map keys.
        Map<String, List<String>> canonical = new TreeMap<>();
        for (Map.Entry<String, String> header : request.headers()) {
            canonical
                    .computeIfAbsent(GoHttp.canonicalHeaderKey(header.getKey()), k -> new ArrayList<>())
                    .add(header.getValue());
        }
        indent(sb, 1);
        string(sb, "headers");
        if (canonical.isEmpty()) {
            sb.append(": {},\n");
            return;
        }
        sb.append(": {\n");
        int remaining = canonical.size();
        for (Map.Entry<String, List<String>> entry : canonical.entrySet()) {
            indent(sb, 2);
            string(sb, GoHttp.wireToUtf8(entry.getKey()));
            sb.append(": ");
            stringArray(sb, 2, entry.getValue());
            sb.append(--remaining > 0 ? ",\n" : "\n");
        }
        indent(sb, 1);
        sb.append("},\n");
    }

    private static void tls(StringBuilder sb, TlsInfo tls) {
        indent(sb, 1);
        string(sb, "tls");
        sb.append(": {\n");
        field(sb, 2, "version", tls.version(), true);
        if (!tls.peerCertificates().isEmpty()) {
            indent(sb, 2);
            string(sb, "peerCertificates");
            sb.append(": ");
            stringArray(sb, 2, tls.peerCertificates());
            sb.append(",\n");
        }
        field(sb, 2, "serverName", tls.serverName(), true);
        if (!tls.negotiatedProtocol().isEmpty()) {
            field(sb, 2, "negotiatedProtocol", tls.negotiatedProtocol(), true);
        }
        field(sb, 2, "cipherSuite", tls.cipherSuite(), false);
        indent(sb, 1);
        sb.append("}\n");
    }

    private static void stringArray(StringBuilder sb, int depth, List<String> values) {
        sb.append("[\n");
        for (int i = 0; i < values.size(); i++) {
            indent(sb, depth + 1);
            string(sb, GoHttp.wireToUtf8(values.get(i)));
            sb.append(i + 1 < values.size() ? ",\n" : "\n");
        }
        indent(sb, depth);
        sb.append(']');
    }

    private static void field(StringBuilder sb, int depth, String name, String value, boolean more) {
        indent(sb, depth);
        string(sb, name);
        sb.append(": ");
        string(sb, value);
        sb.append(more ? ",\n" : "\n");
    }

    private static void indent(StringBuilder sb, int depth) {
        for (int i = 0; i < depth; i++) {
            sb.append(' ');
        }
    }

    /** {@code s} as a JSON string literal with Go's {@code encoding/json} escaping. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        string(sb, s);
        return sb.toString();
    }

    /** Appends {@code s} as a JSON string with Go's {@code encoding/json} escaping. */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\b':
                    sb.append("\\b");
                    break;
                case '\f':
                    sb.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        // Go escapes control characters and, for HTML safety, < > & and the JS line separators.
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isSurrogate(c)
                            && !(Character.isHighSurrogate(c)
                                    && i + 1 < s.length()
                                    && Character.isLowSurrogate(s.charAt(i + 1)))
                            && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)))) {
                        // A lone surrogate is not valid UTF-8; Go writes the replacement character.
                        sb.append("\\ufffd");
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
