package dev.nantian.testing.echo.internal;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * One request as the echo logic sees it, independent of HTTP/1.x or HTTP/2 framing.
 *
 * @param method the request method
 * @param requestUri the request-target as received (Go's {@code RequestURI}), wire text
 * @param host the {@code Host} header or {@code :authority}, wire text
 * @param proto {@code HTTP/1.0}, {@code HTTP/1.1} or {@code HTTP/2.0}
 * @param headers the header fields in arrival order with their names as received (Host already removed where Go
 *     removes it); values are wire text (one char per byte)
 * @param remoteAddress the client address as Go prints it ({@code 127.0.0.1:50000}, {@code [::1]:50000})
 * @param tls the connection's TLS state, or {@code null} on a cleartext connection
 * @param port which listener received the request
 */
public record EchoRequest(
        String method,
        String requestUri,
        String host,
        String proto,
        List<Map.Entry<String, String>> headers,
        String remoteAddress,
        TlsInfo tls,
        PortKind port) {

    public EchoRequest {
        requireNonNull(method, "method");
        requireNonNull(requestUri, "requestUri");
        requireNonNull(host, "host");
        requireNonNull(proto, "proto");
        headers = List.copyOf(headers);
        requireNonNull(remoteAddress, "remoteAddress");
        requireNonNull(port, "port");
    }

    /** Every value of the headers whose canonical name is {@code canonicalName}, in arrival order. */
    public List<String> headerValues(String canonicalName) {
        return headers.stream()
                .filter(e -> GoHttp.canonicalHeaderKey(e.getKey()).equals(canonicalName))
                .map(Map.Entry::getValue)
                .toList();
    }

    /** Whether this is a HEAD request, whose response carries no body. */
    public boolean isHead() {
        return method.equals("HEAD");
    }
}
