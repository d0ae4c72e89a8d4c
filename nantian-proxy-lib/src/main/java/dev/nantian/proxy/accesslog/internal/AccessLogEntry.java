package dev.nantian.proxy.accesslog.internal;

import java.net.SocketAddress;
import java.util.Map;

/**
 * What one log line says about one exchange, or about one layer-4 connection or UDP flow ({@link #layer4}):
 * captured on the event loop as raw values, formatted on the writer thread. It holds no Netty objects, so it may
 * outlive the connection.
 *
 * <p>A layer-4 entry has no method, path, host, status, user agent or request id: those are absent ({@code -} in
 * text, {@code null} in JSON), its protocol is {@code TCP}, {@code TLS} or {@code UDP}, and its bytes are the
 * stream's (or the flow's datagrams') payload bytes in each direction.
 *
 * @param startMillis wall-clock time the request head arrived (layer 4: the connection was accepted, or the flow's
 *     first datagram arrived)
 * @param durationNanos from the request head to the last response byte written (or the failure); layer 4: until the
 *     connection closed or the flow ended
 * @param client the client's address
 * @param method the request method
 * @param path the request target as received, with its query
 * @param protocol {@code HTTP/1.0}, {@code HTTP/1.1} or {@code HTTP/2}; {@code TCP}, {@code TLS} or {@code UDP} for
 *     layer 4
 * @param host the {@code Host} (or {@code :authority}) the client sent, or {@code null}
 * @param status the status sent to the client, 0 if none was; {@link #NO_STATUS} for layer 4
 * @param flags {@link ResponseFlags} bits
 * @param bytesReceived request body bytes received (layer 4: bytes received from the client)
 * @param bytesSent response body bytes sent (layer 4: bytes sent to the client)
 * @param upstreamAddress the last endpoint tried, or {@code null} if the request never left the proxy
 * @param upstreamPort its port
 * @param cluster the cluster the request was sent to, or {@code null}
 * @param route the route's display name, or {@code null} when no route matched
 * @param userAgent the {@code User-Agent} header, or {@code null}
 * @param requestId the {@code X-Request-Id} header, or {@code null}
 * @param logFields what extension filters recorded for the log, by name, in the order first set; empty without any
 */
public record AccessLogEntry(
        long startMillis,
        long durationNanos,
        SocketAddress client,
        String method,
        String path,
        String protocol,
        String host,
        int status,
        int flags,
        long bytesReceived,
        long bytesSent,
        String upstreamAddress,
        int upstreamPort,
        String cluster,
        String route,
        String userAgent,
        String requestId,
        Map<String, String> logFields) {
    /** The status of an entry that has none because it is not HTTP (layer 4); logged as absent. */
    public static final int NO_STATUS = -1;

    public AccessLogEntry {
        logFields = logFields == null ? Map.of() : logFields;
    }

    /**
     * The entry of one TCP or TLS connection or UDP flow: the HTTP-only fields are absent.
     *
     * @param protocol {@code TCP}, {@code TLS} or {@code UDP}
     */
    public static AccessLogEntry layer4(
            long startMillis,
            long durationNanos,
            SocketAddress client,
            String protocol,
            int flags,
            long bytesReceived,
            long bytesSent,
            String upstreamAddress,
            int upstreamPort,
            String cluster,
            String route) {
        return new AccessLogEntry(
                startMillis,
                durationNanos,
                client,
                null,
                null,
                protocol,
                null,
                NO_STATUS,
                flags,
                bytesReceived,
                bytesSent,
                upstreamAddress,
                upstreamPort,
                cluster,
                route,
                null,
                null,
                Map.of());
    }
}
