package dev.nantian.proxy.internal;

import dev.nantian.proxy.EndpointHealth;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the proxy knows about one endpoint of one cluster, kept across config swaps while the cluster keeps the
 * endpoint: requests in flight (least request), the active health checker's verdict, and the passive outlier
 * detector's consecutive failures and ejection.
 *
 * <p>Fields read on the request path are atomics or volatiles; the ejection bookkeeping ({@link #ejections},
 * {@link #lastEjectionEnd}) is written only under the owning {@link ClusterHealth}'s lock, which only the rare
 * ejection path takes. {@link #activeHealthy} changes under this object's monitor, which only health checkers
 * (when their verdict flips) and config swaps (when a check goes away) take.
 */
final class HostHealth {
    final String authority;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** Starts healthy: a new endpoint serves until a health check says otherwise (no 503s after a swap). */
    volatile boolean activeHealthy = true;
    /** Whether {@link #ejectedUntil} is meaningful. */
    volatile boolean ejected;
    /** {@code System.nanoTime()}-based end of the current ejection. */
    volatile long ejectedUntil;

    /** Ejections so far, decayed while the endpoint behaves; guarded by the cluster's lock. */
    int ejections;
    /** When the last ejection ended (nano time); guarded by the cluster's lock. */
    long lastEjectionEnd;

    HostHealth(String authority) {
        this.authority = authority;
    }

    /** True while outlier detection keeps the endpoint out. */
    boolean isEjected(long now) {
        return ejected && now - ejectedUntil < 0;
    }

    /** True when load balancers may pick the endpoint. */
    boolean isAvailable(long now) {
        return activeHealthy && !isEjected(now);
    }

    EndpointHealth status(long now) {
        if (!activeHealthy) {
            return EndpointHealth.UNHEALTHY;
        }
        return isEjected(now) ? EndpointHealth.EJECTED : EndpointHealth.HEALTHY;
    }

    @Override
    public String toString() {
        return "HostHealth[" + authority + ", active=" + activeHealthy + ", ejected=" + ejected + "]";
    }
}
