package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.HttpRoute;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTTPRoute or GRPCRoute, converted: its route entries (independent of the listener they end up on) and the
 * outcome that goes into every parent's status.
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
