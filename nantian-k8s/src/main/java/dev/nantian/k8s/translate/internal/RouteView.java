package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.RouteMeta;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One route, converted: for HTTPRoutes and GRPCRoutes the route entries, for TLSRoutes, TCPRoutes and UDPRoutes the
 * weighted backends of each rule (both independent of the listener they end up on), and the outcome that goes into
 * every parent's status.
 */
final class RouteView {
    final HasMetadata object;
    final String kind;
    final String namespace;
    final String name;
    final List<String> hostnames;
    final List<ParentReference> parentRefs;
    final List<RouteParentStatus> previousParents;
    final List<HttpRoute> entries = new ArrayList<>();
    /** The rules of a TLS, TCP or UDP route. */
    final List<L4Rule> l4Rules = new ArrayList<>();
    /** Clusters the route sends traffic to, for the status of the BackendTLSPolicies behind them. */
    final Set<String> clusters = new LinkedHashSet<>();

    /** First failed reference: ResolvedRefs False with this reason; null when all resolved. */
    String refsReason;

    final List<String> refsMessages = new ArrayList<>();
    int rules;
    int invalidRules;
    final List<String> invalidMessages = new ArrayList<>();

    RouteView(
            HasMetadata object,
            List<String> hostnames,
            List<ParentReference> parentRefs,
            List<RouteParentStatus> previousParents) {
        this.object = object;
        this.kind = object.getKind();
        this.namespace = Objects2.ns(object);
        this.name = object.getMetadata().getName();
        this.hostnames = Objects2.list(hostnames);
        this.parentRefs = Objects2.list(parentRefs);
        this.previousParents = Objects2.list(previousParents);
    }

    /** One rule of a TLS, TCP or UDP route. */
    record L4Rule(RouteMeta meta, List<L4Backend> backends) {}

    /** Whether this is a TLSRoute, TCPRoute or UDPRoute. */
    boolean isL4() {
        return kind.equals("TLSRoute") || kind.equals("TCPRoute") || kind.equals("UDPRoute");
    }

    String key() {
        return kind + " " + namespace + "/" + name;
    }

    void unresolved(String reason, String message) {
        if (refsReason == null) {
            refsReason = reason;
        }
        refsMessages.add(message);
    }

    void invalidRule(String message) {
        invalidRules++;
        invalidMessages.add(message);
    }
}
