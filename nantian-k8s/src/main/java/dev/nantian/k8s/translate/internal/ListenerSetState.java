package dev.nantian.k8s.translate.internal;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSet;
import java.util.ArrayList;
import java.util.List;

/** What the translator has worked out about one ListenerSet whose parent is a Gateway of ours. */
final class ListenerSetState {
    final ListenerSet object;
    final String namespace;
    final String name;
    final GatewayState gateway;
    final List<ListenerState> listeners = new ArrayList<>();

    /** Why the Gateway does not take the set ({@code NotAllowed}, {@code ParentNotAccepted}), or null. */
    String rejectReason;

    String rejectMessage = "";

    ListenerSetState(ListenerSet object, GatewayState gateway) {
        this.object = object;
        this.namespace = Objects2.ns(object);
        this.name = object.getMetadata().getName();
        this.gateway = gateway;
    }

    String key() {
        return namespace + "/" + name;
    }

    /** Whether the Gateway took the set and at least one of its listeners is valid. */
    boolean accepted() {
        if (rejectReason != null) {
            return false;
        }
        for (ListenerState l : listeners) {
            if (l.programmable()) {
                return true;
            }
        }
        return false;
    }
}
