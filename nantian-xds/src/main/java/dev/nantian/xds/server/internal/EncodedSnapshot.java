package dev.nantian.xds.server.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.xds.codec.EnvoyCodec;
import dev.nantian.xds.codec.XdsResources;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A resource set packed once for the wire: per type URL, the {@link Any}s by resource name in the codec's order.
 * Every stream that serves it shares the same packed messages. Immutable.
 */
public final class EncodedSnapshot {
    private final String version;
    private final Optional<ConfigSnapshot> snapshot;
    private final Map<String, Map<String, Any>> byType;

    private EncodedSnapshot(String version, Optional<ConfigSnapshot> snapshot, XdsResources resources) {
        this.version = version;
        this.snapshot = snapshot;
        Map<String, Map<String, Any>> types = new LinkedHashMap<>();
        types.put(XdsResources.CLUSTER_TYPE_URL, byName(resources.clusters(), c -> c.getName()));
        types.put(XdsResources.ENDPOINT_TYPE_URL, byName(resources.clusterLoadAssignments(), a -> a.getClusterName()));
        types.put(XdsResources.SECRET_TYPE_URL, byName(resources.secrets(), s -> s.getName()));
        types.put(XdsResources.EXTENSION_CONFIG_TYPE_URL, byName(resources.extensionConfigs(), e -> e.getName()));
        types.put(XdsResources.LISTENER_TYPE_URL, byName(resources.listeners(), l -> l.getName()));
        types.put(XdsResources.ROUTE_TYPE_URL, byName(resources.routeConfigurations(), r -> r.getName()));
        this.byType = Collections.unmodifiableMap(types);
    }

    /** Encodes {@code snapshot} with {@link EnvoyCodec#encode}. */
    public static EncodedSnapshot of(ConfigSnapshot snapshot) {
        return new EncodedSnapshot(snapshot.version(), Optional.of(snapshot), EnvoyCodec.encode(snapshot));
    }

    /** Serves {@code resources} as they are, without an IR snapshot behind them. */
    public static EncodedSnapshot of(XdsResources resources) {
        return new EncodedSnapshot(resources.version(), Optional.empty(), resources);
    }

    private static <T extends Message> Map<String, Any> byName(List<T> resources, Function<T, String> name) {
        // A duplicate name keeps its first resource: a set with duplicates is invalid anyway and clients see the
        // same choice on every stream.
        Map<String, Any> out = new LinkedHashMap<>();
        for (T r : resources) {
            out.putIfAbsent(name.apply(r), Any.pack(r));
        }
        return Collections.unmodifiableMap(out);
    }

    public String version() {
        return version;
    }

    /** The IR snapshot these resources were encoded from, absent for resources served as they are. */
    public Optional<ConfigSnapshot> snapshot() {
        return snapshot;
    }

    /**
     * The resources of {@code typeUrl} a subscription asks for: all of them for a wildcard, else those of {@code
     * names} that exist, in the order of the set.
     */
    public List<Any> select(String typeUrl, boolean wildcard, Set<String> names) {
        Map<String, Any> resources = byType.getOrDefault(requireNonNull(typeUrl, "typeUrl"), Map.of());
        if (wildcard) {
            return List.copyOf(resources.values());
        }
        List<Any> out = new ArrayList<>();
        resources.forEach((name, any) -> {
            if (names.contains(name)) {
                out.add(any);
            }
        });
        return out;
    }
}
