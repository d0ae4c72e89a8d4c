package dev.nantian.k8s.translate;

import static java.util.Objects.requireNonNull;

import dev.nantian.k8s.crd.AIService;
import dev.nantian.k8s.crd.BackendLBPolicy;
import dev.nantian.k8s.crd.GatewayBackendLBPolicy;
import dev.nantian.k8s.crd.TokenPolicy;
import dev.nantian.k8s.crd.WasmPlugin;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicy;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSet;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRoute;
import java.util.ArrayList;
import java.util.List;

/**
 * The input of one translation: every object the translator may read, as fabric8 model objects (Gateway API v1
 * kinds, core kinds) and our own {@link dev.nantian.k8s.crd} kinds.
 *
 * <p>The set is immutable in the sense that matters here: its lists cannot change, and the translator never modifies
 * the objects in them (fabric8 objects are mutable, so callers that share them, e.g. informer caches, must not
 * either). Objects are kept in the order added; the translator sorts where order matters, so the result does not
 * depend on it.
 *
 * <pre>{@code
 * ResourceSet input = ResourceSet.builder().add(gatewayClass).add(gateway).add(route).addAll(services).build();
 * }</pre>
 */
public final class ResourceSet {
    private final List<GatewayClass> gatewayClasses;
    private final List<Gateway> gateways;
    private final List<ListenerSet> listenerSets;
    private final List<HTTPRoute> httpRoutes;
    private final List<GRPCRoute> grpcRoutes;
    private final List<TLSRoute> tlsRoutes;
    private final List<TCPRoute> tcpRoutes;
    private final List<UDPRoute> udpRoutes;
    private final List<ReferenceGrant> referenceGrants;
    private final List<BackendTLSPolicy> backendTlsPolicies;
    private final List<Namespace> namespaces;
    private final List<Service> services;
    private final List<EndpointSlice> endpointSlices;
    private final List<Secret> secrets;
    private final List<ConfigMap> configMaps;
    private final List<AIService> aiServices;
    private final List<TokenPolicy> tokenPolicies;
    private final List<WasmPlugin> wasmPlugins;
    private final List<BackendLBPolicy> backendLbPolicies;
    private final List<GatewayBackendLBPolicy> gatewayBackendLbPolicies;

    private ResourceSet(Builder b) {
        gatewayClasses = List.copyOf(b.gatewayClasses);
        gateways = List.copyOf(b.gateways);
        listenerSets = List.copyOf(b.listenerSets);
        httpRoutes = List.copyOf(b.httpRoutes);
        grpcRoutes = List.copyOf(b.grpcRoutes);
        tlsRoutes = List.copyOf(b.tlsRoutes);
        tcpRoutes = List.copyOf(b.tcpRoutes);
        udpRoutes = List.copyOf(b.udpRoutes);
        referenceGrants = List.copyOf(b.referenceGrants);
        backendTlsPolicies = List.copyOf(b.backendTlsPolicies);
        namespaces = List.copyOf(b.namespaces);
        services = List.copyOf(b.services);
        endpointSlices = List.copyOf(b.endpointSlices);
        secrets = List.copyOf(b.secrets);
        configMaps = List.copyOf(b.configMaps);
        aiServices = List.copyOf(b.aiServices);
        tokenPolicies = List.copyOf(b.tokenPolicies);
        wasmPlugins = List.copyOf(b.wasmPlugins);
        backendLbPolicies = List.copyOf(b.backendLbPolicies);
        gatewayBackendLbPolicies = List.copyOf(b.gatewayBackendLbPolicies);
    }

    /** An empty set. */
    public static ResourceSet empty() {
        return builder().build();
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether {@link Builder#add} accepts objects of this class. */
    public static boolean supports(Class<?> type) {
        return type == GatewayClass.class
                || type == Gateway.class
                || type == ListenerSet.class
                || type == HTTPRoute.class
                || type == GRPCRoute.class
                || type == TLSRoute.class
                || type == TCPRoute.class
                || type == UDPRoute.class
                || type == ReferenceGrant.class
                || type == BackendTLSPolicy.class
                || type == Namespace.class
                || type == Service.class
                || type == EndpointSlice.class
                || type == Secret.class
                || type == ConfigMap.class
                || type == AIService.class
                || type == TokenPolicy.class
                || type == WasmPlugin.class
                || type == BackendLBPolicy.class
                || type == GatewayBackendLBPolicy.class;
    }

    public List<GatewayClass> gatewayClasses() {
        return gatewayClasses;
    }

    public List<Gateway> gateways() {
        return gateways;
    }

    public List<ListenerSet> listenerSets() {
        return listenerSets;
    }

    public List<HTTPRoute> httpRoutes() {
        return httpRoutes;
    }

    public List<GRPCRoute> grpcRoutes() {
        return grpcRoutes;
    }

    public List<TLSRoute> tlsRoutes() {
        return tlsRoutes;
    }

    public List<TCPRoute> tcpRoutes() {
        return tcpRoutes;
    }

    public List<UDPRoute> udpRoutes() {
        return udpRoutes;
    }

    public List<ReferenceGrant> referenceGrants() {
        return referenceGrants;
    }

    public List<BackendTLSPolicy> backendTlsPolicies() {
        return backendTlsPolicies;
    }

    public List<Namespace> namespaces() {
        return namespaces;
    }

    public List<Service> services() {
        return services;
    }

    public List<EndpointSlice> endpointSlices() {
        return endpointSlices;
    }

    public List<Secret> secrets() {
        return secrets;
    }

    public List<ConfigMap> configMaps() {
        return configMaps;
    }

    public List<AIService> aiServices() {
        return aiServices;
    }

    public List<TokenPolicy> tokenPolicies() {
        return tokenPolicies;
    }

    public List<WasmPlugin> wasmPlugins() {
        return wasmPlugins;
    }

    /** Our {@code gateway.nantian.dev} BackendLBPolicies: load balancing, health checks, outlier detection. */
    public List<BackendLBPolicy> backendLbPolicies() {
        return backendLbPolicies;
    }

    /** Gateway API's experimental {@code v1alpha2} BackendLBPolicies: session persistence. */
    public List<GatewayBackendLBPolicy> gatewayBackendLbPolicies() {
        return gatewayBackendLbPolicies;
    }

    /** The number of objects in the set. */
    public int size() {
        return gatewayClasses.size()
                + gateways.size()
                + listenerSets.size()
                + httpRoutes.size()
                + grpcRoutes.size()
                + tlsRoutes.size()
                + tcpRoutes.size()
                + udpRoutes.size()
                + referenceGrants.size()
                + backendTlsPolicies.size()
                + namespaces.size()
                + services.size()
                + endpointSlices.size()
                + secrets.size()
                + configMaps.size()
                + aiServices.size()
                + tokenPolicies.size()
                + wasmPlugins.size()
                + backendLbPolicies.size()
                + gatewayBackendLbPolicies.size();
    }

    /** Every object, grouped by kind. */
    public List<HasMetadata> all() {
        List<HasMetadata> all = new ArrayList<>(size());
        all.addAll(gatewayClasses);
        all.addAll(gateways);
        all.addAll(listenerSets);
        all.addAll(httpRoutes);
        all.addAll(grpcRoutes);
        all.addAll(tlsRoutes);
        all.addAll(tcpRoutes);
        all.addAll(udpRoutes);
        all.addAll(referenceGrants);
        all.addAll(backendTlsPolicies);
        all.addAll(namespaces);
        all.addAll(services);
        all.addAll(endpointSlices);
        all.addAll(secrets);
        all.addAll(configMaps);
        all.addAll(aiServices);
        all.addAll(tokenPolicies);
        all.addAll(wasmPlugins);
        all.addAll(backendLbPolicies);
        all.addAll(gatewayBackendLbPolicies);
        return all;
    }

    @Override
    public String toString() {
        return "ResourceSet[gatewayClasses=" + gatewayClasses.size() + ", gateways=" + gateways.size()
                + ", listenerSets=" + listenerSets.size() + ", httpRoutes=" + httpRoutes.size() + ", grpcRoutes="
                + grpcRoutes.size() + ", tlsRoutes=" + tlsRoutes.size() + ", tcpRoutes=" + tcpRoutes.size()
                + ", udpRoutes=" + udpRoutes.size() + ", total=" + size() + "]";
    }

    /** Builds {@link ResourceSet}s. */
    public static final class Builder {
        private final List<GatewayClass> gatewayClasses = new ArrayList<>();
        private final List<Gateway> gateways = new ArrayList<>();
        private final List<ListenerSet> listenerSets = new ArrayList<>();
        private final List<HTTPRoute> httpRoutes = new ArrayList<>();
        private final List<GRPCRoute> grpcRoutes = new ArrayList<>();
        private final List<TLSRoute> tlsRoutes = new ArrayList<>();
        private final List<TCPRoute> tcpRoutes = new ArrayList<>();
        private final List<UDPRoute> udpRoutes = new ArrayList<>();
        private final List<ReferenceGrant> referenceGrants = new ArrayList<>();
        private final List<BackendTLSPolicy> backendTlsPolicies = new ArrayList<>();
        private final List<Namespace> namespaces = new ArrayList<>();
        private final List<Service> services = new ArrayList<>();
        private final List<EndpointSlice> endpointSlices = new ArrayList<>();
        private final List<Secret> secrets = new ArrayList<>();
        private final List<ConfigMap> configMaps = new ArrayList<>();
        private final List<AIService> aiServices = new ArrayList<>();
        private final List<TokenPolicy> tokenPolicies = new ArrayList<>();
        private final List<WasmPlugin> wasmPlugins = new ArrayList<>();
        private final List<BackendLBPolicy> backendLbPolicies = new ArrayList<>();
        private final List<GatewayBackendLBPolicy> gatewayBackendLbPolicies = new ArrayList<>();

        private Builder() {}

        /**
         * Adds one object.
         *
         * @throws IllegalArgumentException if its class is not one the translator reads (see {@link #supports})
         *     or it has no metadata name
         */
        public Builder add(HasMetadata object) {
            requireNonNull(object, "object");
            if (object.getMetadata() == null || object.getMetadata().getName() == null) {
                throw new IllegalArgumentException(object.getKind() + " without metadata.name");
            }
            if (object instanceof GatewayClass o) {
                gatewayClasses.add(o);
            } else if (object instanceof Gateway o) {
                gateways.add(o);
            } else if (object instanceof ListenerSet o) {
                listenerSets.add(o);
            } else if (object instanceof HTTPRoute o) {
                httpRoutes.add(o);
            } else if (object instanceof GRPCRoute o) {
                grpcRoutes.add(o);
            } else if (object instanceof TLSRoute o) {
                tlsRoutes.add(o);
            } else if (object instanceof TCPRoute o) {
                tcpRoutes.add(o);
            } else if (object instanceof UDPRoute o) {
                udpRoutes.add(o);
            } else if (object instanceof ReferenceGrant o) {
                referenceGrants.add(o);
            } else if (object instanceof BackendTLSPolicy o) {
                backendTlsPolicies.add(o);
            } else if (object instanceof Namespace o) {
                namespaces.add(o);
            } else if (object instanceof Service o) {
                services.add(o);
            } else if (object instanceof EndpointSlice o) {
                endpointSlices.add(o);
            } else if (object instanceof Secret o) {
                secrets.add(o);
            } else if (object instanceof ConfigMap o) {
                configMaps.add(o);
            } else if (object instanceof AIService o) {
                aiServices.add(o);
            } else if (object instanceof TokenPolicy o) {
                tokenPolicies.add(o);
            } else if (object instanceof WasmPlugin o) {
                wasmPlugins.add(o);
            } else if (object instanceof BackendLBPolicy o) {
                backendLbPolicies.add(o);
            } else if (object instanceof GatewayBackendLBPolicy o) {
                gatewayBackendLbPolicies.add(o);
            } else {
                throw new IllegalArgumentException("unsupported kind " + object.getKind() + " ("
                        + object.getClass().getName() + ")");
            }
            return this;
        }

        /** Adds every object; see {@link #add}. */
        public Builder addAll(Iterable<? extends HasMetadata> objects) {
            requireNonNull(objects, "objects").forEach(this::add);
            return this;
        }

        public ResourceSet build() {
            return new ResourceSet(this);
        }
    }
}
