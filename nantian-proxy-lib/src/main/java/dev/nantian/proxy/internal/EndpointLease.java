package dev.nantian.proxy.internal;

/**
 * One attempt's use of one endpoint: counts the request in flight (for least request) until {@link #release()} and
 * feeds its outcome to outlier detection. A TCP or TLS connection or a UDP flow of a layer-4 route holds one lease for
 * its whole life, so that least request counts open connections. Clusters that need neither hand out a shared lease whose methods do
 * nothing, so the default path allocates nothing. Every method is idempotent after the first outcome or release.
 * Called on the exchange's event loop.
 */
final class EndpointLease {
    private final UpstreamHost host;
    /** Null for the shared no-op lease. */
    private final ClusterState cluster;

    private boolean reported;
    private boolean released;

    private EndpointLease(UpstreamHost host, ClusterState cluster) {
        this.host = host;
        this.cluster = cluster;
    }

    /** A lease that tracks nothing, shareable between threads. */
    static EndpointLease untracked(UpstreamHost host) {
        return new EndpointLease(host, null);
    }

    /** A lease that counts the request in flight from now on. */
    static EndpointLease tracked(UpstreamHost host, ClusterState cluster) {
        host.health().inFlight.incrementAndGet();
        return new EndpointLease(host, cluster);
    }

    /** The endpoint to send to. */
    EndpointKey endpoint() {
        return host.key();
    }

    UpstreamHost host() {
        return host;
    }

    /** The upstream answered with {@code status} (a final status, not 1xx). */
    void responded(int status) {
        if (cluster != null && !reported) {
            reported = true;
            cluster.recordOutcome(host, status < 500);
        }
    }

    /** A layer-4 connection to the endpoint opened (or a UDP flow got its first reply): a success. */
    void connected() {
        if (cluster != null && !reported) {
            reported = true;
            cluster.recordOutcome(host, true);
        }
    }

    /** No connection could be opened, or the connection failed or timed out before a response. */
    void failed() {
        if (cluster != null && !reported) {
            reported = true;
            cluster.recordOutcome(host, false);
        }
    }

    /** The attempt is over, whichever way. */
    void release() {
        if (cluster != null && !released) {
            released = true;
            host.health().inFlight.decrementAndGet();
        }
    }
}
