package dev.nantian.proxy;

/**
 * The health of one endpoint of a served cluster as the proxy sees it, for {@link NantianProxy#endpointHealth}.
 * Load balancers only pick {@link #HEALTHY} endpoints, except in panic mode: when none of a cluster's endpoints is
 * healthy, requests go to all of them.
 */
public enum EndpointHealth {
    /** Picked by load balancers. */
    HEALTHY,
    /** The cluster's active health check failed {@code unhealthyThreshold} times in a row. */
    UNHEALTHY,
    /** Outlier detection ejected it after consecutive failures; it returns when its ejection time is over. */
    EJECTED
}
