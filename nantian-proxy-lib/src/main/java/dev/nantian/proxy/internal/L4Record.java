package dev.nantian.proxy.internal;

import dev.nantian.proxy.accesslog.internal.ResponseFlags;
import java.net.SocketAddress;

/**
 * One TCP or TLS connection or UDP flow of a layer-4 route, for load balancing, the access log and metrics: the
 * endpoint it leased ({@link L4Targets#open}), what it moved each way and why it ended ({@link ResponseFlags}). The
 * lease is held from the pick until {@link #finish()}, so least request counts open connections, and the connect
 * outcome goes to outlier detection. Handed to {@link Telemetry#l4Done} exactly once, when it ends.
 *
 * <p>Confined to the connection's (or the UDP listener's) event loop.
 */
final class L4Record {
    static final String TCP = "TCP";
    static final String TLS = "TLS";
    static final String UDP = "UDP";

    final long startMillis = System.currentTimeMillis();
    final long startNanos = System.nanoTime();
    /** {@link #TCP}, {@link #TLS} or {@link #UDP}. */
    final String protocol;
    /** The route, or {@code null} when none serves the connection. */
    final RouteTelemetry route;

    final SocketAddress client;
    /** The picked backend's cluster, or {@code null} when the pick landed on an invalid backend (or no route). */
    ClusterState cluster;
    /** The leased endpoint, or {@code null} when the connection is refused. */
    EndpointLease lease;
    /** The leased endpoint once the proxy tried to reach it; {@code null} until then (the log shows none). */
    EndpointKey upstream;
    /** {@link ResponseFlags} bits. */
    int flags;
    /** Bytes received from the client. */
    long bytesReceived;
    /** Bytes sent to the client. */
    long bytesSent;

    long durationNanos;
    private boolean finished;

    L4Record(String protocol, RouteTelemetry route, SocketAddress client) {
        this.protocol = protocol;
        this.route = route;
        this.client = client;
    }

    /** The account of a connection that no route serves. */
    static L4Record noRoute(String protocol, SocketAddress client) {
        L4Record r = new L4Record(protocol, null, client);
        r.flags = ResponseFlags.NO_ROUTE;
        return r;
    }

    /** The endpoint to connect to, or {@code null} when the connection is refused. */
    EndpointKey endpoint() {
        return lease == null ? null : lease.endpoint();
    }

    /** The connection to the endpoint opened. */
    void connected() {
        if (lease != null) {
            lease.connected();
        }
    }

    /** No connection to the endpoint could be opened. */
    void connectFailed() {
        flags |= ResponseFlags.UPSTREAM_CONNECT_FAILURE;
        if (lease != null) {
            lease.failed();
        }
    }

    /** Ends the account and releases the lease; returns false if it was ended already. */
    boolean finish() {
        if (finished) {
            return false;
        }
        finished = true;
        durationNanos = System.nanoTime() - startNanos;
        if (lease != null) {
            lease.release();
        }
        return true;
    }
}
