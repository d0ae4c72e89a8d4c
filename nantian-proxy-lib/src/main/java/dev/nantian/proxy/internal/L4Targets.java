package dev.nantian.proxy.internal;

import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.proxy.accesslog.internal.ResponseFlags;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The weighted backends of one TLS, TCP or UDP route, compiled: a connection (or UDP flow) picks a backend by weight,
 * then an endpoint of its cluster through the cluster's load-balancing policy, and leases it for its whole life
 * ({@link L4Record}). A pick that lands on an invalid reference, or on a cluster without endpoints, leases nothing,
 * and the connection is refused (Gateway API: an invalid backend's share fails).
 *
 * <p>A consistent-hash cluster hashes the client's source IP for layer-4 traffic whatever key it is configured with:
 * headers and cookies do not exist below HTTP, so a cluster keyed on one of them still keeps one client IP on one
 * endpoint here rather than spreading its connections at random.
 */
final class L4Targets {
    private final WeightedPicker<Slot> picker;
    private final RouteTelemetry telemetry;

    L4Targets(RouteMeta meta, List<L4Backend> backends, Map<String, ClusterState> clusters) {
        List<Slot> items = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        for (L4Backend b : backends) {
            // An unresolved reference keeps its weight but has no cluster.
            items.add(new Slot(b.isInvalid() ? null : clusters.get(b.cluster())));
            weights.add(b.weight());
        }
        this.picker = WeightedPicker.of(items, weights);
        this.telemetry = new RouteTelemetry(meta);
    }

    /**
     * Picks and leases the endpoint of a new connection or flow from {@code client}. The result always names the
     * route; it has no lease (and flags saying why) when the connection is to be refused. Any event loop.
     *
     * @param protocol {@link L4Record#TCP}, {@link L4Record#TLS} or {@link L4Record#UDP}
     */
    L4Record open(String protocol, SocketAddress client) {
        return open(protocol, client, true);
    }

    /**
     * As {@link #open}, but a refusal yields {@code null} and allocates nothing: for UDP, where every datagram of an
     * unserved client is refused anew. Any event loop.
     */
    L4Record openOrNull(String protocol, SocketAddress client) {
        return open(protocol, client, false);
    }

    private L4Record open(String protocol, SocketAddress client, boolean accountRefusal) {
        Slot s = picker.pick();
        ClusterState cluster = s == null ? null : s.cluster;
        UpstreamHost host = cluster == null || cluster.isEmpty() ? null : cluster.pickHost(hash(cluster, client));
        if (host == null && !accountRefusal) {
            return null;
        }
        L4Record r = new L4Record(protocol, telemetry, client);
        r.cluster = cluster;
        if (cluster == null) {
            r.flags = ResponseFlags.NO_CLUSTER;
        } else if (host == null) {
            r.flags = ResponseFlags.NO_HEALTHY_UPSTREAM;
        } else {
            r.lease = cluster.lease(host);
        }
        return r;
    }

    /** The source-IP hash for a consistent-hash cluster (see the class comment); {@link HostPicker#NO_HASH} else. */
    private static long hash(ClusterState cluster, SocketAddress client) {
        if (!(cluster.cluster().loadBalancing() instanceof LoadBalancing.ConsistentHash)
                || !(client instanceof InetSocketAddress inet)
                || inet.getAddress() == null) {
            return HostPicker.NO_HASH;
        }
        // The same string the HTTP path hashes for a source-IP key, so both agree on a client's endpoint.
        return HostPicker.hash(inet.getAddress().getHostAddress());
    }

    /** A picker item: {@link List#copyOf} refuses nulls, so each possibly missing cluster is boxed. */
    private static final class Slot {
        final ClusterState cluster;

        Slot(ClusterState cluster) {
            this.cluster = cluster;
        }
    }
}
