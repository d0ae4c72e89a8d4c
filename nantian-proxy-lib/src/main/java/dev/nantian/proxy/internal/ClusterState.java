package dev.nantian.proxy.internal;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.OutlierDetection;
import dev.nantian.proxy.internal.tls.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster compiled for one config: its endpoints as pool keys, each with the health state it shares with other
 * configs (see {@link ClusterHealth}), behind the cluster's load-balancing policy.
 *
 * <p><b>Health.</b> Load balancers only see available endpoints: those the active health check has not marked
 * unhealthy and outlier detection has not ejected. The picker over them is rebuilt when the cluster's health epoch
 * moves or an ejection runs out, by whichever event loop notices first; the request path itself reads one volatile
 * field and takes no lock.
 *
 * <p><b>Panic mode.</b> When no endpoint is available, every endpoint is: a request to an endpoint that may be bad
 * beats a certain 503. This is Envoy's panic mode with a threshold of 0% rather than Envoy's default 50%: Gateway
 * API backends often have two or three replicas, where a 50% threshold would send traffic to a known-bad replica
 * as soon as one of two fails, which is what health checking is meant to prevent.
 */
public final class ClusterState {
    private final Cluster cluster;
    private final UpstreamHost[] hosts;
    private final List<EndpointKey> keys;
    private final ClusterHealth health;
    private final OutlierDetection outlier;
    private final boolean tracked;
    private final EndpointLease[] untracked;
    private volatile View view;

    /** The load balancer over the endpoints available at one health epoch. */
    private static final class View {
        final long epoch;
        final boolean expires;
        final long nextExpiry;
        final boolean panic;
        final HostPicker picker;

        View(long epoch, boolean expires, long nextExpiry, boolean panic, HostPicker picker) {
            this.epoch = epoch;
            this.expires = expires;
            this.nextExpiry = nextExpiry;
            this.panic = panic;
            this.picker = picker;
        }
    }

    ClusterState(Cluster cluster) {
        this(cluster, null);
    }

    /**
     * @param tls the cluster's compiled upstream TLS, or {@code null} for cleartext
     */
    ClusterState(Cluster cluster, UpstreamTlsContext tls) {
        this(cluster, tls, ClusterHealth.detached(cluster.name()));
    }

    /**
     * @param tls the cluster's compiled upstream TLS, or {@code null} for cleartext
     * @param health the cluster's health, shared with the other configs that have the cluster
     */
    ClusterState(Cluster cluster, UpstreamTlsContext tls, ClusterHealth health) {
        this.cluster = cluster;
        this.health = health;
        this.outlier = cluster.outlierDetection().orElse(null);
        this.tracked = outlier != null || cluster.loadBalancing() instanceof LoadBalancing.LeastRequest;
        int connectMillis =
                (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeout().toMillis());
        List<UpstreamHost> hs = new ArrayList<>();
        List<EndpointKey> ks = new ArrayList<>();
        for (Endpoint e : cluster.endpoints()) {
            EndpointKey key = new EndpointKey(e.address(), e.port(), cluster.protocol(), connectMillis, tls);
            hs.add(new UpstreamHost(key, e, health.host(e.authority())));
            ks.add(key);
        }
        this.hosts = hs.toArray(new UpstreamHost[0]);
        this.keys = List.copyOf(ks);
        this.untracked = new EndpointLease[hosts.length];
        for (int i = 0; i < hosts.length; i++) {
            untracked[i] = EndpointLease.untracked(hosts[i]);
        }
        this.view = hosts.length == 0 ? null : build(health.epoch());
    }

    /** The cluster's model. */
    public Cluster cluster() {
        return cluster;
    }

    /** The cluster's name. */
    public String name() {
        return cluster.name();
    }

    /** True when the cluster has no endpoint to send to (Gateway API: 503). */
    public boolean isEmpty() {
        return hosts.length == 0;
    }

    /** The next endpoint for a request without a hash key, or {@code null} when there is none. Any thread. */
    public EndpointKey pick() {
        UpstreamHost h = pickHost(HostPicker.NO_HASH);
        return h == null ? null : h.key();
    }

    /** Every endpoint, available or not. */
    public List<EndpointKey> endpoints() {
        return keys;
    }

    /** True when every endpoint is unavailable and requests go to all of them (see the class comment). */
    boolean inPanic() {
        View v = current();
        return v != null && v.panic;
    }

    ClusterHealth health() {
        return health;
    }

    /** The endpoint for a request, or {@code null} when the cluster has none. Any thread. */
    UpstreamHost pickHost(long hash) {
        View v = current();
        return v == null ? null : v.picker.pick(hash);
    }

    /** The endpoint of this cluster at {@code authority} when load balancers may pick it now, else {@code null}. */
    UpstreamHost available(String authority) {
        View v = current();
        if (v == null) {
            return null;
        }
        for (UpstreamHost h : v.picker.hosts) {
            if (h.authority().equals(authority)) {
                return h;
            }
        }
        return null;
    }

    /** The endpoint whose pool key is {@code key}, available or not; {@code null} when the cluster has none such. */
    UpstreamHost host(EndpointKey key) {
        for (UpstreamHost h : hosts) {
            if (h.key().equals(key)) {
                return h;
            }
        }
        return null;
    }

    /** Starts an attempt on {@code host}: counts it in flight when the policy needs that. */
    EndpointLease lease(UpstreamHost host) {
        if (!tracked) {
            for (int i = 0; i < hosts.length; i++) {
                if (hosts[i] == host) {
                    return untracked[i];
                }
            }
            return EndpointLease.untracked(host);
        }
        return EndpointLease.tracked(host, this);
    }

    /** Feeds one attempt's outcome to outlier detection. Event loop. */
    void recordOutcome(UpstreamHost host, boolean success) {
        if (outlier == null) {
            return;
        }
        if (success) {
            health.recordSuccess(host.health());
        } else {
            health.recordFailure(host.health(), outlier, hosts.length);
        }
    }

    private View current() {
        View v = view;
        if (v == null) {
            return null;
        }
        long epoch = health.epoch();
        if (v.epoch != epoch || (v.expires && health.nanoTime() - v.nextExpiry >= 0)) {
            // Racing rebuilds on several loops build equal views; the last write wins.
            v = build(epoch);
            view = v;
        }
        return v;
    }

    private View build(long epoch) {
        long now = health.nanoTime();
        List<UpstreamHost> available = new ArrayList<>(hosts.length);
        boolean expires = false;
        long nextExpiry = 0;
        for (UpstreamHost h : hosts) {
            HostHealth s = h.health();
            if (s.isAvailable(now)) {
                available.add(h);
            } else if (s.isEjected(now) && (!expires || s.ejectedUntil - nextExpiry < 0)) {
                expires = true;
                nextExpiry = s.ejectedUntil;
            }
        }
        boolean panic = available.isEmpty();
        UpstreamHost[] set = panic ? hosts : available.toArray(new UpstreamHost[0]);
        return new View(epoch, expires, nextExpiry, panic, HostPicker.of(cluster.loadBalancing(), set));
    }
}
