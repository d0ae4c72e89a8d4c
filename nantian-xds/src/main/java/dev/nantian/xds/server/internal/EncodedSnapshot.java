package dev.nantian.xds.server.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.xds.codec.EnvoyCodec;
import dev.nantian.xds.codec.XdsResources;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A resource set packed once for the wire: per type URL, the {@link Any}s by resource name in the codec's order.
 * Every stream that serves it shares the same packed messages. Immutable in what it serves; it memoises what is
 * derived on demand (proxyless gRPC's api listeners, per-resource versions for incremental xDS).
 */
public final class EncodedSnapshot {
    /** The most api listeners memoised: clients pick the names, so they must not grow our memory at will. */
    private static final int MAX_API_LISTENERS = 10_000;
    /** Bounds the version memo the same way: every encoded resource plus the api listeners above. */
    private static final int MAX_MEMOISED_VERSIONS = 1_000_000;

    private final String version;
    private final Optional<ConfigSnapshot> snapshot;
    private final Map<String, Map<String, Any>> byType;
    private final Map<String, Optional<Any>> apiListeners = new ConcurrentHashMap<>();
    private final Map<Any, String> resourceVersions = Collections.synchronizedMap(new java.util.IdentityHashMap<>());

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
     * names} that exist, in the order of the set. Named listeners that are no socket listener are proxyless gRPC
     * {@linkplain EnvoyCodec#apiListener api listeners}, after the others in the order of {@code names}; a wildcard
     * gets none of them.
     */
    public List<Any> select(String typeUrl, boolean wildcard, Set<String> names) {
        Map<String, Any> resources = all(typeUrl);
        if (wildcard) {
            return List.copyOf(resources.values());
        }
        List<Any> out = new ArrayList<>();
        resources.forEach((name, any) -> {
            if (names.contains(name)) {
                out.add(any);
            }
        });
        if (typeUrl.equals(XdsResources.LISTENER_TYPE_URL)) {
            for (String name : names) {
                if (!resources.containsKey(name)) {
                    apiListener(name).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** Every resource of {@code typeUrl} a wildcard subscription gets, by name. */
    public Map<String, Any> all(String typeUrl) {
        return byType.getOrDefault(requireNonNull(typeUrl, "typeUrl"), Map.of());
    }

    /** The resource {@code name} of {@code typeUrl}, including api listeners derived on demand. */
    public Optional<Any> resource(String typeUrl, String name) {
        Any any = all(typeUrl).get(name);
        if (any != null) {
            return Optional.of(any);
        }
        return typeUrl.equals(XdsResources.LISTENER_TYPE_URL) ? apiListener(name) : Optional.empty();
    }

    private Optional<Any> apiListener(String name) {
        if (snapshot.isEmpty()) {
            return Optional.empty();
        }
        Optional<Any> cached = apiListeners.get(name);
        if (cached != null) {
            return cached;
        }
        Optional<Any> encoded = EnvoyCodec.apiListener(snapshot.get(), name).map(Any::pack);
        if (apiListeners.size() < MAX_API_LISTENERS) {
            apiListeners.putIfAbsent(name, encoded);
        }
        return encoded;
    }

    /**
     * The version of one resource for incremental xDS: a digest of its wire form, so an unchanged resource keeps
     * its version across snapshots and control-plane restarts, and a client's {@code initial_resource_versions}
     * spare resending what it has.
     */
    public String resourceVersion(Any resource) {
        String v = resourceVersions.get(resource);
        if (v == null) {
            MessageDigest sha = sha256();
            sha.update(resource.getTypeUrlBytes().asReadOnlyByteBuffer());
            sha.update(resource.getValue().asReadOnlyByteBuffer());
            v = HexFormat.of().formatHex(sha.digest(), 0, 12);
            if (resourceVersions.size() < MAX_MEMOISED_VERSIONS) {
                resourceVersions.put(resource, v);
            }
        }
        return v;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
