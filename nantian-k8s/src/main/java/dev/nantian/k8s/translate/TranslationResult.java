package dev.nantian.k8s.translate;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.k8s.crd.ExtensionStatus;
import dev.nantian.k8s.translate.internal.TranslationOutput;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSetStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRouteStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one translation produced: the route model snapshot to serve and a new status for every object this
 * controller is responsible for: GatewayClasses with our controller name, their Gateways, ListenerSets whose parent
 * is such a Gateway, routes with at least one parentRef to such a Gateway or ListenerSet, BackendTLSPolicies that
 * apply to a Service those routes use, and our own {@code gateway.nantian.dev} objects. Status objects are new;
 * apply them with a status writer, or print them.
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
    private final Map<ResourceKey, ListenerSetStatus> listenerSets;
    private final Map<ResourceKey, TLSRouteStatus> tlsRoutes;
    private final Map<ResourceKey, TCPRouteStatus> tcpRoutes;
    private final Map<ResourceKey, UDPRouteStatus> udpRoutes;
    private final Map<ResourceKey, PolicyStatus> backendTlsPolicies;
    private final Map<ResourceKey, PolicyStatus> backendLbPolicies;
    private final Map<ResourceKey, ExtensionStatus> extensions;

    TranslationResult(TranslationOutput out) {
        this.snapshot = Optional.ofNullable(out.snapshot());
        this.errors = List.copyOf(out.errors());
        this.gatewayClasses = freeze(out.gatewayClasses());
        this.gateways = freeze(out.gateways());
        this.httpRoutes = freeze(out.httpRoutes());
        this.grpcRoutes = freeze(out.grpcRoutes());
        this.listenerSets = freeze(out.listenerSets());
        this.tlsRoutes = freeze(out.tlsRoutes());
        this.tcpRoutes = freeze(out.tcpRoutes());
        this.udpRoutes = freeze(out.udpRoutes());
        this.backendTlsPolicies = freeze(out.backendTlsPolicies());
        this.backendLbPolicies = freeze(out.backendLbPolicies());
        this.extensions = freeze(out.extensions());
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

    /** The status of each ListenerSet whose parent is a Gateway of ours. */
    public Map<ResourceKey, ListenerSetStatus> listenerSetStatuses() {
        return listenerSets;
    }

    /** The status of each TLSRoute with a parent of ours. */
    public Map<ResourceKey, TLSRouteStatus> tlsRouteStatuses() {
        return tlsRoutes;
    }

    /** The status of each TCPRoute with a parent of ours. */
    public Map<ResourceKey, TCPRouteStatus> tcpRouteStatuses() {
        return tcpRoutes;
    }

    /** The status of each UDPRoute with a parent of ours. */
    public Map<ResourceKey, UDPRouteStatus> udpRouteStatuses() {
        return udpRoutes;
    }

    /** The status of each BackendTLSPolicy that applies to a Service used by routes of our Gateways. */
    public Map<ResourceKey, PolicyStatus> backendTlsPolicyStatuses() {
        return backendTlsPolicies;
    }

    /**
     * The status of each Gateway API (experimental {@code v1alpha2}) BackendLBPolicy that applies to a Service used
     * by routes of our Gateways, or that is invalid or conflicted.
     */
    public Map<ResourceKey, PolicyStatus> backendLbPolicyStatuses() {
        return backendLbPolicies;
    }

    /**
     * The status of each AIService, TokenPolicy, WasmPlugin and {@code gateway.nantian.dev} BackendLBPolicy. The
     * last shares its kind name with Gateway API's BackendLBPolicy: in {@link #allStatuses()} a Gateway API one of the
     * same namespace and name hides ours.
     */
    public Map<ResourceKey, ExtensionStatus> extensionStatuses() {
        return extensions;
    }

    /** Every status above in one map, by object, for writers and printers that treat them alike. */
    public Map<ResourceKey, Object> allStatuses() {
        Map<ResourceKey, Object> all = new LinkedHashMap<>();
        all.putAll(gatewayClasses);
        all.putAll(gateways);
        all.putAll(listenerSets);
        all.putAll(httpRoutes);
        all.putAll(grpcRoutes);
        all.putAll(tlsRoutes);
        all.putAll(tcpRoutes);
        all.putAll(udpRoutes);
        all.putAll(backendTlsPolicies);
        all.putAll(extensions);
        all.putAll(backendLbPolicies);
        return Collections.unmodifiableMap(all);
    }

    /** The status of one ListenerSet, if its parent is a Gateway of ours. */
    public Optional<ListenerSetStatus> listenerSetStatus(String namespace, String name) {
        return Optional.ofNullable(listenerSets.get(new ResourceKey("ListenerSet", namespace, name)));
    }

    /** The status of one TLSRoute, if it has a parent of ours. */
    public Optional<TLSRouteStatus> tlsRouteStatus(String namespace, String name) {
        return Optional.ofNullable(tlsRoutes.get(new ResourceKey("TLSRoute", namespace, name)));
    }

    /** The status of one TCPRoute, if it has a parent of ours. */
    public Optional<TCPRouteStatus> tcpRouteStatus(String namespace, String name) {
        return Optional.ofNullable(tcpRoutes.get(new ResourceKey("TCPRoute", namespace, name)));
    }

    /** The status of one UDPRoute, if it has a parent of ours. */
    public Optional<UDPRouteStatus> udpRouteStatus(String namespace, String name) {
        return Optional.ofNullable(udpRoutes.get(new ResourceKey("UDPRoute", namespace, name)));
    }

    /** The status of one BackendTLSPolicy, if it applies to a Service used through our Gateways. */
    public Optional<PolicyStatus> backendTlsPolicyStatus(String namespace, String name) {
        return Optional.ofNullable(backendTlsPolicies.get(new ResourceKey("BackendTLSPolicy", namespace, name)));
    }

    /** The status of one Gateway API BackendLBPolicy; see {@link #backendLbPolicyStatuses()}. */
    public Optional<PolicyStatus> backendLbPolicyStatus(String namespace, String name) {
        return Optional.ofNullable(backendLbPolicies.get(new ResourceKey("BackendLBPolicy", namespace, name)));
    }

    /** The status of one of our own objects, by kind ({@code AIService}, {@code TokenPolicy}, {@code WasmPlugin}). */
    public Optional<ExtensionStatus> extensionStatus(String kind, String namespace, String name) {
        return Optional.ofNullable(extensions.get(new ResourceKey(kind, namespace, name)));
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
                + errors + ", gateways=" + gateways.size() + ", listenerSets=" + listenerSets.size() + ", routes="
                + (httpRoutes.size() + grpcRoutes.size() + tlsRoutes.size() + tcpRoutes.size() + udpRoutes.size())
                + ", backendTlsPolicies=" + backendTlsPolicies.size() + ", extensions=" + extensions.size() + "]";
    }
}
