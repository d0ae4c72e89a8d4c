package dev.nantian.proxy.internal;

import dev.nantian.core.model.L4Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The weighted backends of one TLS, TCP or UDP route, compiled: a connection (or UDP flow) picks a backend by weight,
 * then an endpoint of its cluster. A pick that lands on an invalid reference, or on a cluster without endpoints,
 * yields {@code null}, and the connection is refused (Gateway API: an invalid backend's share fails).
 */
final class L4Targets {
    private final WeightedPicker<Slot> picker;

    L4Targets(List<L4Backend> backends, Map<String, ClusterState> clusters) {
        List<Slot> items = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        for (L4Backend b : backends) {
            // An unresolved reference keeps its weight but has no cluster.
            items.add(new Slot(b.isInvalid() ? null : clusters.get(b.cluster())));
            weights.add(b.weight());
        }
        this.picker = WeightedPicker.of(items, weights);
    }

    /** The endpoint for a new connection or flow, or {@code null} to refuse it. Any thread. */
    EndpointKey pick() {
        Slot s = picker.pick();
        if (s == null || s.cluster == null || s.cluster.isEmpty()) {
            return null;
        }
        return s.cluster.pick();
    }

    /** A picker item: {@link List#copyOf} refuses nulls, so each possibly missing cluster is boxed. */
    private static final class Slot {
        final ClusterState cluster;

        Slot(ClusterState cluster) {
            this.cluster = cluster;
        }
    }
}
