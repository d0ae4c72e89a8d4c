package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.Secret.TlsKeyPair;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.AllowedRoutes;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewaySpecAddress;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKindBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates Gateways and their listeners: protocols, route kinds, TLS certificate references (with ReferenceGrants),
 * conflicts between listeners, and addresses.
 */
final class GatewayResolver {
    private static final List<String> HTTP_KINDS = List.of("HTTPRoute", "GRPCRoute");
    private static final Pattern IPV4 = Pattern.compile("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$");

    private final Index index;
    /** TLS key pairs referenced by valid listeners, by snapshot name. */
    private final Map<String, TlsKeyPair> secrets = new LinkedHashMap<>();

    GatewayResolver(Index index) {
        this.index = index;
    }

    Map<String, TlsKeyPair> secrets() {
        return secrets;
    }

    GatewayState resolve(Gateway gateway) {
        GatewayState gw = new GatewayState(gateway);
        if (gateway.getSpec().getInfrastructure() != null
                && gateway.getSpec().getInfrastructure().getParametersRef() != null) {
            gw.rejectReason = Reasons.INVALID_PARAMETERS;
            gw.rejectMessage = "infrastructure.parametersRef names a kind this implementation does not support";
        }
        resolveAddresses(gw);
        Set<String> seen = new HashSet<>();
        for (Listener l : Objects2.list(gateway.getSpec().getListeners())) {
            ListenerState ls = new ListenerState(l, protocol(l.getProtocol()));
            if (!seen.add(ls.name)) {
                continue; // duplicate names are rejected by the schema; the loader reports them
            }
            gw.listeners.add(ls);
            resolveListener(gw, ls);
        }
        findConflicts(gw);
        return gw;
    }

    private void resolveAddresses(GatewayState gw) {
        for (GatewaySpecAddress a : Objects2.list(gw.gateway.getSpec().getAddresses())) {
            String type = Objects2.orDefault(a.getType(), "IPAddress");
            if (!type.equals("IPAddress")) {
                if (gw.rejectReason == null) {
                    gw.rejectReason = Reasons.UNSUPPORTED_ADDRESS;
                    gw.rejectMessage = "address type " + type + " is not supported; only IPAddress is";
                }
                continue;
            }
            if (a.getValue() == null || a.getValue().isEmpty()) {
                continue; // "any IP address": the allocator's choice
            }
            if (gw.address == null && gw.addressProblemReason == null) {
                if (isIpLiteral(a.getValue())) {
                    gw.address = a.getValue();
                    gw.wantsAllocatedAddress = false;
                } else {
                    gw.addressProblemReason = Reasons.ADDRESS_NOT_USABLE;
                    gw.addressProblemMessage = "address " + a.getValue() + " is not an IP address";
                    gw.wantsAllocatedAddress = false;
                }
            }
        }
    }

    private static boolean isIpLiteral(String value) {
        if (!IPV4.matcher(value).matches() && value.indexOf(':') < 0) {
            return false;
        }
        try {
            InetAddress.getByName(value); // a literal: no lookup happens
            return true;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    private static ListenerProtocol protocol(String protocol) {
        if ("HTTP".equals(protocol)) {
            return ListenerProtocol.HTTP;
        }
        if ("HTTPS".equals(protocol)) {
            return ListenerProtocol.HTTPS;
        }
        return null; // TLS, TCP and UDP listeners come with their route kinds
    }

    private void resolveListener(GatewayState gw, ListenerState ls) {
        if (ls.protocol == null) {
            ls.reject(Reasons.UNSUPPORTED_PROTOCOL, "protocol " + ls.spec.getProtocol() + " is not supported");
            return;
        }
        resolveKinds(ls);
        if (ls.protocol == ListenerProtocol.HTTPS) {
            resolveCertificates(gw, ls);
        } else if (ls.spec.getTls() != null) {
            ls.reject(Reasons.UNSUPPORTED_VALUE, "an HTTP listener takes no tls settings");
        }
    }

    private static void resolveKinds(ListenerState ls) {
        AllowedRoutes allowed = ls.spec.getAllowedRoutes();
        List<RouteGroupKind> kinds = allowed == null ? List.of() : Objects2.list(allowed.getKinds());
        if (kinds.isEmpty()) {
            HTTP_KINDS.forEach(k -> ls.supportedKinds.add(kind(k)));
            return;
        }
        List<String> invalid = new ArrayList<>();
        for (RouteGroupKind k : kinds) {
            String group = Objects2.orDefault(k.getGroup(), Reasons.GATEWAY_GROUP);
            if (group.equals(Reasons.GATEWAY_GROUP) && HTTP_KINDS.contains(k.getKind())) {
                if (!ls.supportsKind(k.getKind())) {
                    ls.supportedKinds.add(kind(k.getKind()));
                }
            } else {
                invalid.add(group + "/" + k.getKind());
            }
        }
        if (!invalid.isEmpty()) {
            ls.unresolved(
                    Reasons.INVALID_ROUTE_KINDS,
                    "route kinds " + invalid + " are not supported on a " + ls.spec.getProtocol() + " listener");
        }
    }

    private static RouteGroupKind kind(String kind) {
        return new RouteGroupKindBuilder()
                .withGroup(Reasons.GATEWAY_GROUP)
                .withKind(kind)
                .build();
    }

    private void resolveCertificates(GatewayState gw, ListenerState ls) {
        var tls = ls.spec.getTls();
        if (tls != null && tls.getMode() != null && !tls.getMode().equals("Terminate")) {
            ls.reject(
                    Reasons.UNSUPPORTED_VALUE,
                    "HTTPS listeners terminate TLS; mode " + tls.getMode() + " needs a TLS listener");
            return;
        }
        List<SecretObjectReference> refs = tls == null ? List.of() : Objects2.list(tls.getCertificateRefs());
        if (refs.isEmpty()) {
            ls.unresolved(Reasons.INVALID_CERTIFICATE_REF, "an HTTPS listener needs tls.certificateRefs");
            return;
        }
        for (SecretObjectReference ref : refs) {
            String group = Objects2.group(ref.getGroup());
            String kind = Objects2.orDefault(ref.getKind(), "Secret");
            String namespace = Objects2.orDefault(ref.getNamespace(), gw.namespace);
            String display = namespace + "/" + ref.getName();
            if (!group.isEmpty() || !kind.equals("Secret")) {
                ls.unresolved(
                        Reasons.INVALID_CERTIFICATE_REF,
                        "certificateRef " + display + " has unsupported kind " + (group.isEmpty() ? "" : group + "/")
                                + kind);
                continue;
            }
            if (!namespace.equals(gw.namespace)
                    && !index.permits(
                            Reasons.GATEWAY_GROUP, "Gateway", gw.namespace, "", "Secret", namespace, ref.getName())) {
                ls.unresolved(
                        Reasons.REF_NOT_PERMITTED,
                        "certificateRef to Secret " + display + " is not permitted by any ReferenceGrant in namespace "
                                + namespace);
                continue;
            }
            Secret secret = index.secret(namespace, ref.getName());
            if (secret == null) {
                ls.unresolved(Reasons.INVALID_CERTIFICATE_REF, "Secret " + display + " not found");
                continue;
            }
            TlsMaterial.Result material = TlsMaterial.read(secret);
            if (material.problem() != null) {
                ls.unresolved(Reasons.INVALID_CERTIFICATE_REF, "Secret " + display + " " + material.problem());
                continue;
            }
            ls.certificates.add(display);
            secrets.putIfAbsent(display, new TlsKeyPair(display, material.certificatePem(), material.keyPem()));
        }
    }

    /**
     * Listeners of one Gateway on the same port conflict when their protocols cannot share a socket (HTTP with
     * HTTPS) or when they repeat a hostname; all listeners involved are marked.
     */
    private static void findConflicts(GatewayState gw) {
        Map<Integer, List<ListenerState>> byPort = new HashMap<>();
        for (ListenerState l : gw.listeners) {
            if (l.accepted) {
                byPort.computeIfAbsent(l.port, p -> new ArrayList<>()).add(l);
            }
        }
        for (List<ListenerState> group : byPort.values()) {
            Set<ListenerProtocol> protocols = new HashSet<>();
            group.forEach(l -> protocols.add(l.protocol));
            if (protocols.size() > 1) {
                group.forEach(l -> l.conflict(
                        Reasons.PROTOCOL_CONFLICT, "port " + l.port + " is used with protocols " + protocols));
                continue;
            }
            Map<String, List<ListenerState>> byHost = new HashMap<>();
            group.forEach(l -> byHost.computeIfAbsent(String.valueOf(l.hostname), h -> new ArrayList<>())
                    .add(l));
            for (List<ListenerState> same : byHost.values()) {
                if (same.size() > 1) {
                    same.forEach(l -> l.conflict(
                            Reasons.HOSTNAME_CONFLICT,
                            "port " + l.port + " and hostname " + (l.hostname == null ? "<any>" : l.hostname)
                                    + " are used by more than one listener"));
                }
            }
        }
    }
}
