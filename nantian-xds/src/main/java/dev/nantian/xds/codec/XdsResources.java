package dev.nantian.xds.codec;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.nantian.core.ConfigValidationException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One consistent set of Envoy v3 resources: what {@link EnvoyCodec#encode} produces from a snapshot and what
 * {@link EnvoyCodec#decode} reads back. Immutable. Resources are kept in the order given; names are unique per type
 * in what the codec produces, and {@link EnvoyCodec#decode} reports duplicates.
 *
 * <pre>{@code
 * XdsResources resources = EnvoyCodec.encode(snapshot);
 * Map<String, List<Any>> wire = resources.toAnyByTypeUrl(); // for a DiscoveryResponse per type
 * }</pre>
 */
public final class XdsResources {
    /** LDS. */
    public static final String LISTENER_TYPE_URL = "type.googleapis.com/envoy.config.listener.v3.Listener";
    /** RDS. */
    public static final String ROUTE_TYPE_URL = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    /** CDS. */
    public static final String CLUSTER_TYPE_URL = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    /** EDS. */
    public static final String ENDPOINT_TYPE_URL = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    /** SDS. */
    public static final String SECRET_TYPE_URL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    /** ECDS, which carries {@link dev.nantian.core.model.ExtensionConfig}s. */
    public static final String EXTENSION_CONFIG_TYPE_URL =
            "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig";

    /** The type URLs in the order a client should apply them (clusters before endpoints, listeners before routes). */
    public static final List<String> TYPE_URLS = List.of(
            CLUSTER_TYPE_URL,
            ENDPOINT_TYPE_URL,
            SECRET_TYPE_URL,
            EXTENSION_CONFIG_TYPE_URL,
            LISTENER_TYPE_URL,
            ROUTE_TYPE_URL);

    private final String version;
    private final List<Listener> listeners;
    private final List<RouteConfiguration> routeConfigurations;
    private final List<Cluster> clusters;
    private final List<ClusterLoadAssignment> clusterLoadAssignments;
    private final List<Secret> secrets;
    private final List<TypedExtensionConfig> extensionConfigs;

    private XdsResources(Builder b) {
        this.version = b.version;
        this.listeners = List.copyOf(b.listeners);
        this.routeConfigurations = List.copyOf(b.routeConfigurations);
        this.clusters = List.copyOf(b.clusters);
        this.clusterLoadAssignments = List.copyOf(b.clusterLoadAssignments);
        this.secrets = List.copyOf(b.secrets);
        this.extensionConfigs = List.copyOf(b.extensionConfigs);
    }

    /** Starts a builder. */
    public static Builder builder(String version) {
        return new Builder(version);
    }

    /**
     * Parses resources as they arrive in discovery responses, keyed by type URL.
     *
     * @throws ConfigValidationException naming every resource that is of the wrong type or cannot be parsed, and
     *     every unknown type URL
     */
    public static XdsResources fromAnyByTypeUrl(String version, Map<String, List<Any>> resources) {
        Builder b = builder(version);
        List<String> errors = new ArrayList<>();
        resources.forEach((typeUrl, anys) -> {
            for (int i = 0; i < anys.size(); i++) {
                Any any = anys.get(i);
                if (!any.getTypeUrl().equals(typeUrl)) {
                    errors.add(typeUrl + " resource " + i + " has type " + any.getTypeUrl());
                    continue;
                }
                try {
                    switch (typeUrl) {
                        case LISTENER_TYPE_URL:
                            b.addListener(any.unpack(Listener.class));
                            break;
                        case ROUTE_TYPE_URL:
                            b.addRouteConfiguration(any.unpack(RouteConfiguration.class));
                            break;
                        case CLUSTER_TYPE_URL:
                            b.addCluster(any.unpack(Cluster.class));
                            break;
                        case ENDPOINT_TYPE_URL:
                            b.addClusterLoadAssignment(any.unpack(ClusterLoadAssignment.class));
                            break;
                        case SECRET_TYPE_URL:
                            b.addSecret(any.unpack(Secret.class));
                            break;
                        case EXTENSION_CONFIG_TYPE_URL:
                            b.addExtensionConfig(any.unpack(TypedExtensionConfig.class));
                            break;
                        default:
                            errors.add("unsupported type URL " + typeUrl);
                            i = anys.size();
                    }
                } catch (InvalidProtocolBufferException e) {
                    errors.add(typeUrl + " resource " + i + " cannot be parsed: " + e.getMessage());
                }
            }
        });
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors);
        }
        return b.build();
    }

    /** The resources as {@link Any}s by type URL, every type present (possibly empty), in {@link #TYPE_URLS} order. */
    public Map<String, List<Any>> toAnyByTypeUrl() {
        Map<String, List<Any>> out = new LinkedHashMap<>();
        out.put(CLUSTER_TYPE_URL, pack(clusters));
        out.put(ENDPOINT_TYPE_URL, pack(clusterLoadAssignments));
        out.put(SECRET_TYPE_URL, pack(secrets));
        out.put(EXTENSION_CONFIG_TYPE_URL, pack(extensionConfigs));
        out.put(LISTENER_TYPE_URL, pack(listeners));
        out.put(ROUTE_TYPE_URL, pack(routeConfigurations));
        return out;
    }

    private static List<Any> pack(List<? extends Message> messages) {
        List<Any> out = new ArrayList<>(messages.size());
        messages.forEach(m -> out.add(Any.pack(m)));
        return List.copyOf(out);
    }

    /** The version these resources were built for. */
    public String version() {
        return version;
    }

    public List<Listener> listeners() {
        return listeners;
    }

    public List<RouteConfiguration> routeConfigurations() {
        return routeConfigurations;
    }

    public List<Cluster> clusters() {
        return clusters;
    }

    public List<ClusterLoadAssignment> clusterLoadAssignments() {
        return clusterLoadAssignments;
    }

    public List<Secret> secrets() {
        return secrets;
    }

    public List<TypedExtensionConfig> extensionConfigs() {
        return extensionConfigs;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XdsResources other
                && version.equals(other.version)
                && listeners.equals(other.listeners)
                && routeConfigurations.equals(other.routeConfigurations)
                && clusters.equals(other.clusters)
                && clusterLoadAssignments.equals(other.clusterLoadAssignments)
                && secrets.equals(other.secrets)
                && extensionConfigs.equals(other.extensionConfigs);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(
                version, listeners, routeConfigurations, clusters, clusterLoadAssignments, secrets, extensionConfigs);
    }

    /** Counts only: resources may hold secrets. */
    @Override
    public String toString() {
        return "XdsResources[version=" + version + ", listeners=" + listeners.size() + ", routeConfigurations="
                + routeConfigurations.size() + ", clusters=" + clusters.size() + ", clusterLoadAssignments="
                + clusterLoadAssignments.size() + ", secrets=" + secrets.size() + ", extensionConfigs="
                + extensionConfigs.size() + "]";
    }

    /** Builds {@link XdsResources}. */
    public static final class Builder {
        private final String version;
        private final List<Listener> listeners = new ArrayList<>();
        private final List<RouteConfiguration> routeConfigurations = new ArrayList<>();
        private final List<Cluster> clusters = new ArrayList<>();
        private final List<ClusterLoadAssignment> clusterLoadAssignments = new ArrayList<>();
        private final List<Secret> secrets = new ArrayList<>();
        private final List<TypedExtensionConfig> extensionConfigs = new ArrayList<>();

        private Builder(String version) {
            this.version = requireNonNull(version, "version");
        }

        public Builder addListener(Listener listener) {
            listeners.add(requireNonNull(listener, "listener"));
            return this;
        }

        public Builder addRouteConfiguration(RouteConfiguration routeConfiguration) {
            routeConfigurations.add(requireNonNull(routeConfiguration, "routeConfiguration"));
            return this;
        }

        public Builder addCluster(Cluster cluster) {
            clusters.add(requireNonNull(cluster, "cluster"));
            return this;
        }

        public Builder addClusterLoadAssignment(ClusterLoadAssignment assignment) {
            clusterLoadAssignments.add(requireNonNull(assignment, "assignment"));
            return this;
        }

        public Builder addSecret(Secret secret) {
            secrets.add(requireNonNull(secret, "secret"));
            return this;
        }

        public Builder addExtensionConfig(TypedExtensionConfig extensionConfig) {
            extensionConfigs.add(requireNonNull(extensionConfig, "extensionConfig"));
            return this;
        }

        /** Adds {@code builder.build()}, as protobuf builders' {@code addX(X.Builder)} do. */
        public Builder addListener(Listener.Builder builder) {
            return addListener(builder.build());
        }

        /** Adds {@code builder.build()}. */
        public Builder addRouteConfiguration(RouteConfiguration.Builder builder) {
            return addRouteConfiguration(builder.build());
        }

        /** Adds {@code builder.build()}. */
        public Builder addCluster(Cluster.Builder builder) {
            return addCluster(builder.build());
        }

        /** Adds {@code builder.build()}. */
        public Builder addClusterLoadAssignment(ClusterLoadAssignment.Builder builder) {
            return addClusterLoadAssignment(builder.build());
        }

        public XdsResources build() {
            return new XdsResources(this);
        }
    }
}
