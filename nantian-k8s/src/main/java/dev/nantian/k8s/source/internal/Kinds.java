package dev.nantian.k8s.source.internal;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The kinds a manifest directory may hold, by {@code apiVersion} and {@code kind}. */
public final class Kinds {
    private Kinds() {}

    private static final String GATEWAY_V1 = "gateway.networking.k8s.io/v1";
    private static final String GATEWAY_V1BETA1 = "gateway.networking.k8s.io/v1beta1";

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry(GATEWAY_V1 + "/GatewayClass", GatewayClass.class),
            Map.entry(GATEWAY_V1 + "/Gateway", Gateway.class),
            Map.entry(GATEWAY_V1 + "/HTTPRoute", HTTPRoute.class),
            Map.entry(GATEWAY_V1 + "/GRPCRoute", GRPCRoute.class),
            Map.entry(GATEWAY_V1 + "/ReferenceGrant", ReferenceGrant.class),
            // v1beta1 is served by the same CRDs with the same schema for these kinds
            Map.entry(GATEWAY_V1BETA1 + "/GatewayClass", GatewayClass.class),
            Map.entry(GATEWAY_V1BETA1 + "/Gateway", Gateway.class),
            Map.entry(GATEWAY_V1BETA1 + "/HTTPRoute", HTTPRoute.class),
            Map.entry(GATEWAY_V1BETA1 + "/ReferenceGrant", ReferenceGrant.class),
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
