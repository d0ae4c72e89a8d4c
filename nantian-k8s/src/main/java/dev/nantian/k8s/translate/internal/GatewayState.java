package dev.nantian.k8s.translate.internal;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import java.util.ArrayList;
import java.util.List;

/** What the translator has worked out about one Gateway of our class; internal to a translation. */
final class GatewayState {
    final Gateway gateway;
    final String namespace;
    final String name;
    /** The Gateway's own listeners. */
    final List<ListenerState> listeners = new ArrayList<>();
    /** ListenerSets whose parent is this Gateway, in precedence order, whether the Gateway took them or not. */
    final List<ListenerSetState> listenerSets = new ArrayList<>();

    /** Gateway-level rejection (parameters, addresses), or null. */
    String rejectReason;

    String rejectMessage = "";
    String address;
    String addressProblemReason;
    String addressProblemMessage = "";
    boolean wantsAllocatedAddress = true;

    /** Whether {@code spec.tls.backend} names a client certificate, and whether it resolved. */
    boolean hasBackendTls;

    String backendTlsReason;
    String backendTlsMessage = "";
    /** The snapshot name of the client certificate presented to TLS backends, or null. */
    String backendClientCertificate;

    /** Whether some listener accepts clients without a valid certificate ({@code AllowInsecureFallback}). */
    boolean insecureFrontendValidation;

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

    /** The Gateway's own listeners, then those of the ListenerSets it took, in precedence order. */
    List<ListenerState> allListeners() {
        List<ListenerState> all = new ArrayList<>(listeners);
        for (ListenerSetState set : listenerSets) {
            if (set.rejectReason == null) {
                all.addAll(set.listeners);
            }
        }
        return all;
    }
}
