package dev.nantian.proxy.internal;

import dev.nantian.proxy.accesslog.internal.ResponseFlags;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.net.SocketAddress;

/**
 * The account of one exchange for the access log and metrics: the {@link Exchange} fills it in as it goes (status,
 * bytes sent, endpoint, {@link ResponseFlags}) and hands it to {@link Telemetry} exactly once, when it ends. Confined
 * to the exchange's event loop.
 */
final class ExchangeRecord {
    private static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");

    final long startMillis = System.currentTimeMillis();
    final long startNanos = System.nanoTime();
    final HttpRequest request;
    final boolean h2;
    /** The status sent downstream, 0 until a response head goes out. */
    int status;
    /** {@link ResponseFlags} bits. */
    int flags;
    /** Response body bytes written downstream. */
    long bytesSent;
    /** The endpoint of the last attempt, or {@code null}. */
    EndpointKey upstream;
    /** What extension filters recorded for the log ({@code ExchangeStats.logFields()}); empty without a chain. */
    java.util.Map<String, String> logFields = java.util.Map.of();

    long durationNanos;
    long bytesReceived;
    CompiledRoute route;
    ClusterState cluster;
    SocketAddress client;
    private boolean finished;

    /**
     * The request headers the access log shows, as the client sent them: read when the exchange starts, since the
     * request's headers become the upstream request's and filters change them. {@code null} without an access log.
     */
    String host;

    String userAgent;
    String requestId;

    ExchangeRecord(HttpRequest request, boolean h2, boolean logged) {
        this.request = request;
        this.h2 = h2;
        if (logged) {
            HttpHeaders h = request.headers();
            host = h.get(HttpHeaderNames.HOST);
            userAgent = h.get(HttpHeaderNames.USER_AGENT);
            requestId = h.get(X_REQUEST_ID);
        }
    }

    /** Closes the account; returns false if it was closed already. */
    boolean finish(int flag, CompiledRoute route, ClusterState cluster, long bytesReceived, SocketAddress client) {
        if (finished) {
            return false;
        }
        finished = true;
        this.flags |= flag;
        this.durationNanos = System.nanoTime() - startNanos;
        this.route = route;
        this.cluster = cluster;
        this.bytesReceived = bytesReceived;
        this.client = client;
        return true;
    }
}
