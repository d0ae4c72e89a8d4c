package dev.nantian.k8s.crd;

import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * A {@code gateway.nantian.dev/v1alpha1 BackendLBPolicy}: how the gateway balances, health-checks and ejects the
 * endpoints of the Services named in its {@code targetRefs}, for what Gateway API has no field for.
 *
 * <pre>{@code
 * apiVersion: gateway.nantian.dev/v1alpha1
 * kind: BackendLBPolicy
 * metadata: {name: web, namespace: shop}
 * spec:
 *   targetRefs:
 *   - {group: "", kind: Service, name: web}          # sectionName: a port name, for one port only
 *   loadBalancer:
 *     type: ConsistentHash                           # RoundRobin (default) | LeastRequest | Random | ConsistentHash
 *     consistentHash: {cookie: {name: shop-session, ttl: 1h, path: /}}   # or header: {name: ...} or sourceIP: {}
 *   healthCheck:
 *     http: {path: /healthz, expectedStatuses: {min: 200, max: 299}}
 *     interval: 5s
 *     timeout: 1s
 *     healthyThreshold: 2
 *     unhealthyThreshold: 3
 *   outlierDetection: {consecutiveErrors: 5, baseEjectionTime: 30s, maxEjectionPercent: 10}
 * }</pre>
 *
 * <p>Session persistence comes from Gateway API itself: a route rule's {@code sessionPersistence}, or the upstream
 * experimental {@link GatewayBackendLBPolicy}. The two kinds may target the same Service.
 */
@JsonDeserialize(using = ValueDeserializer.None.class) // a plain bean, not fabric8's registry of kinds
public final class BackendLBPolicy extends ExtensionResource {
    /** The kind. */
    public static final String KIND = "BackendLBPolicy";

    public BackendLBPolicy() {}

    @Override
    public String getKind() {
        return KIND;
    }
}
