package dev.nantian.k8s.translate.internal;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import java.util.ArrayList;
import java.util.List;

/** What the translator has worked out about one Gateway of our class; internal to a translation. */
final class GatewayState {
    final Gateway gateway;
    final String namespace;
    final String name;
    final List<ListenerState> listeners = new ArrayList<>();

    /** Gateway-level rejection (parameters, addresses), or null. */
    String rejectReason;

    String rejectMessage = "";
    String address;
    String addressProblemReason;
    String addressProblemMessage = "";
    boolean wantsAllocatedAddress = true;

    GatewayState(Gateway gateway) {
        this.gateway = gateway;
        this.namespace = Objects2.ns(gateway);
        this.name = gateway.getMetadata().getName();
    }

    String key() {
        return namespace + "/" + name;
    }

    boolean accepted() {
        if (rejectReason != null) {
            return false;
        }
        for (ListenerState l : listeners) {
            if (l.accepted) {
                return true;
            }
        }
        return false;
    }

    ListenerState listener(String name) {
        for (ListenerState l : listeners) {
            if (l.name.equals(name)) {
                return l;
            }
        }
        return null;
    }
}
