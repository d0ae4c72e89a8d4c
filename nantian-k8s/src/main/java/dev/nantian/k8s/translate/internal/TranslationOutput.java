package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.k8s.crd.ExtensionStatus;
import dev.nantian.k8s.translate.ResourceKey;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSetStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRouteStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The raw result of a {@link Translation}; the public API wraps it. Maps are filled by the translation. */
public record TranslationOutput(
        ConfigSnapshot snapshot,
        List<String> errors,
        Map<ResourceKey, GatewayClassStatus> gatewayClasses,
        Map<ResourceKey, GatewayStatus> gateways,
        Map<ResourceKey, ListenerSetStatus> listenerSets,
        Map<ResourceKey, HTTPRouteStatus> httpRoutes,
        Map<ResourceKey, GRPCRouteStatus> grpcRoutes,
        Map<ResourceKey, TLSRouteStatus> tlsRoutes,
        Map<ResourceKey, TCPRouteStatus> tcpRoutes,
        Map<ResourceKey, UDPRouteStatus> udpRoutes,
        Map<ResourceKey, PolicyStatus> backendTlsPolicies,
        Map<ResourceKey, PolicyStatus> backendLbPolicies,
        Map<ResourceKey, ExtensionStatus> extensions) {

    /** An output with empty status maps, to be filled. */
    static TranslationOutput empty(ConfigSnapshot snapshot, List<String> errors) {
        return new TranslationOutput(
                snapshot,
                errors,
                new LinkedHashMap<>(),
                new LinkedHashMap<>(),
                new LinkedHashMap<>(),
                new LinkedHashMap<>(),
                new LinkedHashMap<>(),
                new LinkedHashMap<>(),
                new LinkedHashMap<>(),
                new LinkedHashMap<>(),
                new LinkedHashMap<>(),
                new LinkedHashMap<>(),
                new LinkedHashMap<>());
    }

    /** A failed translation: no snapshot, no statuses. */
    public static TranslationOutput failed(List<String> errors) {
        return empty(null, List.copyOf(errors));
    }
}
