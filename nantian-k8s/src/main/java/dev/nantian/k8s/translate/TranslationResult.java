package dev.nantian.k8s.translate;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.k8s.translate.internal.TranslationOutput;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one translation produced: the route model snapshot to serve and a new status for every object this
 * controller is responsible for (GatewayClasses with our controller name, their Gateways, and routes with at least
 * one parentRef to such a Gateway). Status objects are new; apply them with a status writer, or print them.
 *
 * <p>A translation fails as a whole only when the input cannot be translated at all (e.g. more objects than
 * {@link GatewayTranslator.Builder#maxInputObjects}): then {@link #snapshot()} is empty, {@link #errors()} says why and
 * the caller keeps serving its last good snapshot. Problems of single objects never fail a translation; they show
 * up in those objects' status.
 */
public final class TranslationResult {
    private final Optional<ConfigSnapshot> snapshot;
    private final List<String> errors;
    private final Map<ResourceKey, GatewayClassStatus> gatewayClasses;
    private final Map<ResourceKey, GatewayStatus> gateways;
    private final Map<ResourceKey, HTTPRouteStatus> httpRoutes;
    private final Map<ResourceKey, GRPCRouteStatus> grpcRoutes;

    TranslationResult(TranslationOutput out) {
        this.snapshot = Optional.ofNullable(out.snapshot());
        this.errors = List.copyOf(out.errors());
        this.gatewayClasses = freeze(out.gatewayClasses());
        this.gateways = freeze(out.gateways());
        this.httpRoutes = freeze(out.httpRoutes());
        this.grpcRoutes = freeze(out.grpcRoutes());
    }

    private static <V> Map<ResourceKey, V> freeze(Map<ResourceKey, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** The snapshot to serve; empty when the translation failed. */
    public Optional<ConfigSnapshot> snapshot() {
        return snapshot;
    }

    /** Why the translation failed; empty on success. */
    public List<String> errors() {
        return errors;
    }

    /** Whether there is a snapshot to serve. */
    public boolean isSuccess() {
        return snapshot.isPresent();
    }

    /** The status of each GatewayClass of ours. */
    public Map<ResourceKey, GatewayClassStatus> gatewayClassStatuses() {
        return gatewayClasses;
    }

    /** The status of each Gateway of our classes. */
    public Map<ResourceKey, GatewayStatus> gatewayStatuses() {
        return gateways;
    }

    /** The status of each HTTPRoute with a parent of ours. */
    public Map<ResourceKey, HTTPRouteStatus> httpRouteStatuses() {
        return httpRoutes;
    }

    /** The status of each GRPCRoute with a parent of ours. */
    public Map<ResourceKey, GRPCRouteStatus> grpcRouteStatuses() {
        return grpcRoutes;
    }

    /** The status of one GatewayClass, if it is ours. */
    public Optional<GatewayClassStatus> gatewayClassStatus(String name) {
        return Optional.ofNullable(gatewayClasses.get(new ResourceKey("GatewayClass", "", name)));
    }

    /** The status of one Gateway, if it is of our classes. */
    public Optional<GatewayStatus> gatewayStatus(String namespace, String name) {
        return Optional.ofNullable(gateways.get(new ResourceKey("Gateway", namespace, name)));
    }

    /** The status of one HTTPRoute, if it has a parent of ours. */
    public Optional<HTTPRouteStatus> httpRouteStatus(String namespace, String name) {
        return Optional.ofNullable(httpRoutes.get(new ResourceKey("HTTPRoute", namespace, name)));
    }

    /** The status of one GRPCRoute, if it has a parent of ours. */
    public Optional<GRPCRouteStatus> grpcRouteStatus(String namespace, String name) {
        return Optional.ofNullable(grpcRoutes.get(new ResourceKey("GRPCRoute", namespace, name)));
    }

    @Override
    public String toString() {
        return "TranslationResult[snapshot="
                + snapshot.map(ConfigSnapshot::toString).orElse("none") + ", errors="
                + errors + ", gateways=" + gateways.size() + ", httpRoutes=" + httpRoutes.size() + ", grpcRoutes="
                + grpcRoutes.size() + "]";
    }
}
