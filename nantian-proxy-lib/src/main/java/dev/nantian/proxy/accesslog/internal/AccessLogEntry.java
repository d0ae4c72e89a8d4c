package dev.nantian.proxy.accesslog.internal;

import java.net.SocketAddress;
import java.util.Map;

/**
 * What one log line says about one exchange: captured on the event loop as raw values, formatted on the writer
 * thread. It holds no Netty objects, so it may outlive the connection.
 *
 * @param startMillis wall-clock time the request head arrived
 * @param durationNanos from the request head to the last response byte written (or the failure)
 * @param client the client's address
 * @param method the request method
 * @param path the request target as received, with its query
 * @param protocol {@code HTTP/1.0}, {@code HTTP/1.1} or {@code HTTP/2}
 * @param host the {@code Host} (or {@code :authority}) the client sent, or {@code null}
 * @param status the status sent to the client, 0 if none was
 * @param flags {@link ResponseFlags} bits
 * @param bytesReceived request body bytes received
 * @param bytesSent response body bytes sent
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
    public AccessLogEntry {
        logFields = logFields == null ? Map.of() : logFields;
    }
}
