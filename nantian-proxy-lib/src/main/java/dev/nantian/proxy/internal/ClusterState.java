package dev.nantian.proxy.internal;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.Endpoint;
import dev.nantian.proxy.internal.tls.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster compiled for one config: its endpoints as pool keys behind a weighted round-robin picker. Other load
 * balancing policies of the model fall back to weighted round robin for now.
 */
public final class ClusterState {
    private final Cluster cluster;
    private final WeightedPicker<EndpointKey> picker;

    ClusterState(Cluster cluster) {
        this(cluster, null);
    }

    /**
     * @param tls the cluster's compiled upstream TLS, or {@code null} for cleartext
     */
    ClusterState(Cluster cluster, UpstreamTlsContext tls) {
        this.cluster = cluster;
        int connectMillis =
                (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeout().toMillis());
        List<EndpointKey> keys = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        for (Endpoint e : cluster.endpoints()) {
            keys.add(new EndpointKey(e.address(), e.port(), cluster.protocol(), connectMillis, tls));
            weights.add(e.weight());
        }
        this.picker = WeightedPicker.of(keys, weights);
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
        return picker.isEmpty();
    }

    /** The next endpoint, or {@code null} when there is none. */
    public EndpointKey pick() {
        return picker.pick();
    }

    /** Every endpoint. */
    public List<EndpointKey> endpoints() {
        return picker.items();
    }
}
