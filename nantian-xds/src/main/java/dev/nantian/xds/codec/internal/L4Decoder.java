package dev.nantian.xds.codec.internal;

import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.xds.proto.config.v1.L4Route;
import dev.nantian.xds.proto.config.v1.L4Target;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads layer-4 routes: our {@link L4Route} metadata when present, else Envoy's TCP proxy. */
final class L4Decoder {
    private L4Decoder() {}

    static RouteMeta defaultMeta(String kind, String name, int index) {
        return new RouteMeta(kind, "", name, Instant.EPOCH, index, Optional.empty(), 0, Map.of());
    }

    static RouteMeta meta(L4Route r, Errors errors, String where) {
        return errors.attempt(where + ".meta", () -> IrProtos.meta(r.getMeta()));
    }

    static List<L4Backend> backends(L4Route r, Errors errors, String where) {
        List<L4Backend> out = new ArrayList<>();
        for (L4Target t : r.getBackendsList()) {
            L4Backend b = errors.attempt(where, () -> new L4Backend(t.getCluster(), t.getWeight()));
            if (b != null) {
                out.add(b);
            }
        }
        return out;
    }

    /** The backends of a TCP proxy filter; the invalid cluster stands for an unresolved reference. */
    static List<L4Backend> tcpProxy(Filter f, Errors errors, String where) {
        TcpProxy tp = Protos.unpack(f.getTypedConfig(), TcpProxy.class, errors, where + ".typed_config");
        if (tp == null) {
            return List.of();
        }
        Protos.onlyFields(tp, errors, where, "stat_prefix", "cluster", "weighted_clusters");
        List<L4Backend> out = new ArrayList<>();
        if (tp.hasWeightedClusters()) {
            Protos.onlyFields(tp.getWeightedClusters(), errors, where + ".weighted_clusters", "clusters");
            for (TcpProxy.WeightedCluster.ClusterWeight cw :
                    tp.getWeightedClusters().getClustersList()) {
                Protos.onlyFields(cw, errors, where + ".weighted_clusters", "name", "weight");
                out.add(new L4Backend(cluster(cw.getName()), cw.getWeight()));
            }
        } else if (!tp.getCluster().equals(Names.INVALID_CLUSTER)) {
            out.add(new L4Backend(cluster(tp.getCluster()), 1));
        }
        return out;
    }

    static String cluster(String name) {
        return name.equals(Names.INVALID_CLUSTER) ? "" : name;
    }
}
