package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.ListenerProtocol;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What the translator has worked out about one Gateway listener; filled in stages, internal to a translation. */
final class ListenerState {
    final Listener spec;
    final String name;
    final int port;
    final String hostname;
    /** The IR protocol, or null when the listener's protocol is not supported. */
    final ListenerProtocol protocol;

    final List<RouteGroupKind> supportedKinds = new ArrayList<>();
    final List<String> certificates = new ArrayList<>();

    boolean accepted = true;
    String acceptedReason = Reasons.ACCEPTED;
    String acceptedMessage = "";
    boolean resolvedRefs = true;
    String resolvedRefsReason = Reasons.RESOLVED_REFS;
    String resolvedRefsMessage = "";
    boolean conflicted;
    String conflictedReason = Reasons.NO_CONFLICTS;
    String conflictedMessage = "";

    /** Routes attached, as {@code Kind namespace/name}. */
    final Set<String> attachedRoutes = new LinkedHashSet<>();

    ListenerState(Listener spec, ListenerProtocol protocol) {
        this.spec = spec;
        this.name = spec.getName();
        this.port = spec.getPort() == null ? 0 : spec.getPort();
        this.hostname = spec.getHostname() == null || spec.getHostname().isEmpty() ? null : spec.getHostname();
        this.protocol = protocol;
    }

    void reject(String reason, String message) {
        if (accepted) {
            accepted = false;
            acceptedReason = reason;
            acceptedMessage = message;
        }
    }

    void unresolved(String reason, String message) {
        if (resolvedRefs) {
            resolvedRefs = false;
            resolvedRefsReason = reason;
            resolvedRefsMessage = message;
        } else {
            resolvedRefsMessage += "; " + message;
        }
    }

    void conflict(String reason, String message) {
        if (!conflicted) {
            conflicted = true;
            conflictedReason = reason;
            conflictedMessage = message;
        }
    }

    /** Whether routes may attach: the listener is valid, though its references may not be. */
    boolean attachable() {
        return accepted && !conflicted;
    }

    /** Whether the data plane serves it. */
    boolean programmable() {
        return attachable() && resolvedRefs;
    }

    boolean supportsKind(String kind) {
        for (RouteGroupKind k : supportedKinds) {
            if (kind.equals(k.getKind())) {
                return true;
            }
        }
        return false;
    }
}
