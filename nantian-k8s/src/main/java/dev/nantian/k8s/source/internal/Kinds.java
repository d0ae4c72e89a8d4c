package dev.nantian.k8s.source.internal;

import dev.nantian.k8s.crd.AIService;
import dev.nantian.k8s.crd.BackendLBPolicy;
import dev.nantian.k8s.crd.ExtensionResource;
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
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The kinds a manifest directory may hold, by {@code apiVersion} and {@code kind}. */
public final class Kinds {
    private Kinds() {}

    private static final String GATEWAY_V1 = "gateway.networking.k8s.io/v1";
    private static final String GATEWAY_V1BETA1 = "gateway.networking.k8s.io/v1beta1";
    private static final String GATEWAY_V1ALPHA2 = "gateway.networking.k8s.io/v1alpha2";
    private static final String GATEWAY_V1ALPHA3 = "gateway.networking.k8s.io/v1alpha3";
    private static final String NANTIAN = ExtensionResource.API_VERSION;

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry(GATEWAY_V1 + "/GatewayClass", GatewayClass.class),
            Map.entry(GATEWAY_V1 + "/Gateway", Gateway.class),
            Map.entry(GATEWAY_V1 + "/HTTPRoute", HTTPRoute.class),
            Map.entry(GATEWAY_V1 + "/GRPCRoute", GRPCRoute.class),
            Map.entry(GATEWAY_V1 + "/ReferenceGrant", ReferenceGrant.class),
            Map.entry(GATEWAY_V1 + "/ListenerSet", ListenerSet.class),
            Map.entry(GATEWAY_V1 + "/TLSRoute", TLSRoute.class),
            Map.entry(GATEWAY_V1 + "/TCPRoute", TCPRoute.class),
            Map.entry(GATEWAY_V1 + "/UDPRoute", UDPRoute.class),
            Map.entry(GATEWAY_V1 + "/BackendTLSPolicy", BackendTLSPolicy.class),
            // v1beta1 is served by the same CRDs with the same schema for these kinds
            Map.entry(GATEWAY_V1BETA1 + "/GatewayClass", GatewayClass.class),
            Map.entry(GATEWAY_V1BETA1 + "/Gateway", Gateway.class),
            Map.entry(GATEWAY_V1BETA1 + "/HTTPRoute", HTTPRoute.class),
            Map.entry(GATEWAY_V1BETA1 + "/ReferenceGrant", ReferenceGrant.class),
            // the alpha versions of these kinds are still served, with the fields of v1 that the translator reads
            Map.entry(GATEWAY_V1ALPHA2 + "/TLSRoute", TLSRoute.class),
            Map.entry(GATEWAY_V1ALPHA3 + "/TLSRoute", TLSRoute.class),
            Map.entry(GATEWAY_V1ALPHA2 + "/TCPRoute", TCPRoute.class),
            Map.entry(GATEWAY_V1ALPHA2 + "/UDPRoute", UDPRoute.class),
            Map.entry(GATEWAY_V1ALPHA3 + "/BackendTLSPolicy", BackendTLSPolicy.class),
            Map.entry(NANTIAN + "/AIService", AIService.class),
            Map.entry(NANTIAN + "/TokenPolicy", TokenPolicy.class),
            Map.entry(NANTIAN + "/WasmPlugin", WasmPlugin.class),
            Map.entry(NANTIAN + "/BackendLBPolicy", BackendLBPolicy.class),
            // experimental, in no fabric8 model: session persistence per Service (GEP-1619)
            Map.entry(GATEWAY_V1ALPHA2 + "/BackendLBPolicy", GatewayBackendLBPolicy.class),
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("discovery.k8s.io/v1/EndpointSlice", EndpointSlice.class));

    /** The model class for {@code apiVersion}/{@code kind}, or null when the kind is not supported. */
    public static Class<? extends HasMetadata> lookup(String apiVersion, String kind) {
        return KINDS.get(apiVersion + "/" + kind);
    }

    /** Every supported {@code apiVersion/kind}, sorted, for error messages. */
    public static Set<String> supported() {
        return new TreeSet<>(KINDS.keySet());
    }
}
