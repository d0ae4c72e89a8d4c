package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerTls;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.AllowedRoutes;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerEntry;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerTLSConfig;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the translator has worked out about one listener, of a Gateway or of a ListenerSet attached to one; filled
 * in stages, internal to a translation.
 */
final class ListenerState {
    final GatewayState gateway;
    /** The ListenerSet that declares the listener, or null for the Gateway's own listeners. */
    final ListenerSetState listenerSet;

    final String name;
    final int port;
    /** The hostname; always null on TCP and UDP listeners, where Gateway API ignores it. */
    final String hostname;

    final String protocolName;
    /** The IR protocol, or null when the listener's protocol is not supported. */
    final ListenerProtocol protocol;

    final AllowedRoutes allowedRoutes;
    final ListenerTLSConfig tls;

    final List<RouteGroupKind> supportedKinds = new ArrayList<>();
    final List<String> certificates = new ArrayList<>();
    /** For TLS listeners: terminate or pass through. */
    ListenerTls.Mode tlsMode;
    /** For HTTPS listeners with frontend validation configured on the Gateway. */
    ListenerTls.ClientValidation clientValidation;

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

    private ListenerState(
            GatewayState gateway,
            ListenerSetState listenerSet,
            String name,
            Integer port,
            String hostname,
            String protocolName,
            AllowedRoutes allowedRoutes,
            ListenerTLSConfig tls) {
        this.gateway = gateway;
        this.listenerSet = listenerSet;
        this.name = name;
        this.port = port == null ? 0 : port;
        this.protocolName = protocolName;
        this.protocol = protocol(protocolName);
        boolean l4 = protocol == ListenerProtocol.TCP || protocol == ListenerProtocol.UDP;
        this.hostname = l4 || hostname == null || hostname.isEmpty() ? null : hostname;
        this.allowedRoutes = allowedRoutes;
        this.tls = tls;
    }

    static ListenerState of(GatewayState gateway, Listener l) {
        return new ListenerState(
                gateway,
                null,
                l.getName(),
                l.getPort(),
                l.getHostname(),
                l.getProtocol(),
                l.getAllowedRoutes(),
                l.getTls());
    }

    static ListenerState of(ListenerSetState set, ListenerEntry l) {
        return new ListenerState(
                set.gateway,
                set,
                l.getName(),
                l.getPort(),
                l.getHostname(),
                l.getProtocol(),
                l.getAllowedRoutes(),
                l.getTls());
    }

    private static ListenerProtocol protocol(String protocol) {
        if (protocol == null) {
            return null;
        }
        switch (protocol) {
            case "HTTP":
                return ListenerProtocol.HTTP;
            case "HTTPS":
                return ListenerProtocol.HTTPS;
            case "TLS":
                return ListenerProtocol.TLS;
            case "TCP":
                return ListenerProtocol.TCP;
            case "UDP":
                return ListenerProtocol.UDP;
            default:
                return null; // implementation-specific protocols: none supported
        }
    }

    /** The kind of object that declares the listener, for ReferenceGrants: {@code Gateway} or {@code ListenerSet}. */
    String ownerKind() {
        return listenerSet == null ? "Gateway" : "ListenerSet";
    }

    /** The namespace of the declaring object: {@code allowedRoutes} "Same" and default reference namespaces. */
    String ownerNamespace() {
        return listenerSet == null ? gateway.namespace : listenerSet.namespace;
    }

    /** The IR listener name, unique in the snapshot. */
    String irName() {
        return listenerSet == null
                ? gateway.key() + "/" + name
                : gateway.key() + "/listenersets/" + listenerSet.key() + "/" + name;
    }

    /** {@code listener NAME} or {@code listener NAME of ListenerSet NS/NAME}, for messages. */
    String display() {
        return "listener " + name + (listenerSet == null ? "" : " of ListenerSet " + listenerSet.key());
    }

    /**
     * Sockets are shared by transport: UDP listeners never collide with TCP-based ones. Within TCP, HTTP listeners
     * share a port with each other, HTTPS and TLS listeners with each other (told apart by SNI), TCP listeners with
     * nothing.
     */
    String transport() {
        return protocol == ListenerProtocol.UDP ? "udp" : "tcp";
    }

    /** The protocol family that may share a port, see {@link #transport()}. */
    ListenerProtocol family() {
        return protocol == ListenerProtocol.TLS ? ListenerProtocol.HTTPS : protocol;
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
