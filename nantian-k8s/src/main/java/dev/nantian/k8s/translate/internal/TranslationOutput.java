package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.k8s.translate.ResourceKey;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import java.util.List;
import java.util.Map;

/** The raw result of a {@link Translation}; the public API wraps it. */
public record TranslationOutput(
        ConfigSnapshot snapshot,
        List<String> errors,
        Map<ResourceKey, GatewayClassStatus> gatewayClasses,
        Map<ResourceKey, GatewayStatus> gateways,
        Map<ResourceKey, HTTPRouteStatus> httpRoutes,
        Map<ResourceKey, GRPCRouteStatus> grpcRoutes) {

    /** A failed translation: no snapshot, no statuses. */
    public static TranslationOutput failed(List<String> errors) {
        return new TranslationOutput(null, errors, Map.of(), Map.of(), Map.of(), Map.of());
    }
}
