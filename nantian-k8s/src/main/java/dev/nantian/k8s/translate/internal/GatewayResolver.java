package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.Secret.TlsKeyPair;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.AllowedListeners;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.FrontendTLSConfig;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.FrontendTLSValidation;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewaySpecAddress;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerEntry;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSet;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentGatewayReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKindBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSConfig;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSPortConfig;
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
 * Validates Gateways, their listeners and the ListenerSets attached to them: protocols, route kinds, TLS modes and
 * certificate references (with ReferenceGrants), frontend client-certificate validation, the backend client
 * certificate, conflicts between listeners, and addresses.
 */
final class GatewayResolver {
    private static final List<String> HTTP_KINDS = List.of("HTTPRoute", "GRPCRoute");
    private static final Pattern IPV4 = Pattern.compile("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$");

    private final Index index;
    private final CaBundles caBundles;
    /** TLS key pairs referenced by valid listeners and backend TLS settings, by snapshot name. */
    private final Map<String, TlsKeyPair> secrets = new LinkedHashMap<>();

    GatewayResolver(Index index, CaBundles caBundles) {
        this.index = index;
        this.caBundles = caBundles;
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
            ListenerState ls = ListenerState.of(gw, l);
            if (!seen.add(ls.name)) {
                continue; // duplicate names are rejected by the schema; the loader reports them
            }
            gw.listeners.add(ls);
            resolveListener(gw, ls);
        }
        findConflicts(gw);
        resolveBackendClientCertificate(gw);
        return gw;
    }

    /**
     * Attaches ListenerSets to their parent Gateways, which must all have been resolved. Sets whose parent is not
     * one of {@code gateways} are not ours and are skipped. Within a Gateway, its own listeners take precedence,
     * then ListenerSets in the order given (the caller sorts by creation time, then namespace and name): a
     * listener that conflicts with one of higher precedence is not accepted.
     *
     * @return the sets of ours, in the order given
     */
    List<ListenerSetState> resolveListenerSets(List<ListenerSet> sets, Map<String, GatewayState> gateways) {
        List<ListenerSetState> out = new ArrayList<>();
        for (ListenerSet set : sets) {
            ParentGatewayReference parent = set.getSpec().getParentRef();
            String group = Objects2.orDefault(parent.getGroup(), Reasons.GATEWAY_GROUP);
            String kind = Objects2.orDefault(parent.getKind(), "Gateway");
            if (!group.equals(Reasons.GATEWAY_GROUP) || !kind.equals("Gateway")) {
                continue;
            }
            GatewayState gw =
                    gateways.get(Objects2.orDefault(parent.getNamespace(), Objects2.ns(set)) + "/" + parent.getName());
            if (gw == null) {
                continue;
            }
            ListenerSetState state = new ListenerSetState(set, gw);
            gw.listenerSets.add(state);
            out.add(state);
            if (gw.rejectReason != null) {
                state.rejectReason = Reasons.PARENT_NOT_ACCEPTED;
                state.rejectMessage = "Gateway " + gw.key() + " is not accepted: " + gw.rejectMessage;
            } else if (!listenerSetAllowed(gw, state.namespace)) {
                state.rejectReason = Reasons.NOT_ALLOWED;
                state.rejectMessage = "Gateway " + gw.key() + " does not allow ListenerSets from namespace "
                        + state.namespace + " (spec.allowedListeners)";
            }
            Set<String> seen = new HashSet<>();
            for (ListenerEntry e : Objects2.list(set.getSpec().getListeners())) {
                ListenerState ls = ListenerState.of(state, e);
                if (seen.add(ls.name)) {
                    state.listeners.add(ls);
                    if (state.rejectReason == null) {
                        resolveListener(gw, ls);
                    }
                }
            }
        }
        for (GatewayState gw : gateways.values()) {
            findListenerSetConflicts(gw);
        }
        return out;
    }

    private boolean listenerSetAllowed(GatewayState gw, String namespace) {
        AllowedListeners allowed = gw.gateway.getSpec().getAllowedListeners();
        var namespaces = allowed == null ? null : allowed.getNamespaces();
        String from = namespaces == null ? "None" : Objects2.orDefault(namespaces.getFrom(), "None");
        switch (from) {
            case "All":
                return true;
            case "Same":
                return namespace.equals(gw.namespace);
            case "Selector":
                return Index.selects(namespaces.getSelector(), index.namespaceLabels(namespace));
            default:
                return false; // "None", the default, and anything unknown
        }
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

    /** The route kinds a listener of this protocol serves. */
    private static List<String> kindsFor(ListenerProtocol protocol) {
        switch (protocol) {
            case HTTP:
            case HTTPS:
                return HTTP_KINDS;
            case TLS:
                return List.of("TLSRoute");
            case TCP:
                return List.of("TCPRoute");
            case UDP:
                return List.of("UDPRoute");
            default:
                throw new AssertionError(protocol);
        }
    }

    private void resolveListener(GatewayState gw, ListenerState ls) {
        if (ls.protocol == null) {
            ls.reject(Reasons.UNSUPPORTED_PROTOCOL, "protocol " + ls.protocolName + " is not supported");
            return;
        }
        resolveKinds(ls);
        switch (ls.protocol) {
            case HTTPS:
                if (ls.tls != null
                        && ls.tls.getMode() != null
                        && !ls.tls.getMode().equals("Terminate")) {
                    ls.reject(
                            Reasons.UNSUPPORTED_VALUE,
                            "HTTPS listeners terminate TLS; mode " + ls.tls.getMode() + " needs a TLS listener");
                    return;
                }
                resolveCertificates(ls);
                resolveFrontendValidation(gw, ls);
                break;
            case TLS:
                // the schema requires tls on TLS listeners and defaults its mode to Terminate
                String mode = ls.tls == null ? "Terminate" : Objects2.orDefault(ls.tls.getMode(), "Terminate");
                if (mode.equals("Passthrough")) {
                    ls.tlsMode = ListenerTls.Mode.PASSTHROUGH;
                } else if (mode.equals("Terminate")) {
                    ls.tlsMode = ListenerTls.Mode.TERMINATE;
                    resolveCertificates(ls);
                } else {
                    ls.reject(Reasons.UNSUPPORTED_VALUE, "TLS mode " + mode + " is not supported");
                }
                break;
            default:
                if (ls.tls != null) {
                    ls.reject(Reasons.UNSUPPORTED_VALUE, "a " + ls.protocolName + " listener takes no tls settings");
                }
                break;
        }
    }

    private static void resolveKinds(ListenerState ls) {
        List<String> served = kindsFor(ls.protocol);
        List<RouteGroupKind> kinds = ls.allowedRoutes == null ? List.of() : Objects2.list(ls.allowedRoutes.getKinds());
        if (kinds.isEmpty()) {
            served.forEach(k -> ls.supportedKinds.add(kind(k)));
            return;
        }
        List<String> invalid = new ArrayList<>();
        for (RouteGroupKind k : kinds) {
            String group = Objects2.orDefault(k.getGroup(), Reasons.GATEWAY_GROUP);
            if (group.equals(Reasons.GATEWAY_GROUP) && served.contains(k.getKind())) {
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
                    "route kinds " + invalid + " are not supported on a " + ls.protocolName + " listener");
        }
    }

    private static RouteGroupKind kind(String kind) {
        return new RouteGroupKindBuilder()
                .withGroup(Reasons.GATEWAY_GROUP)
                .withKind(kind)
                .build();
    }

    private void resolveCertificates(ListenerState ls) {
        List<SecretObjectReference> refs = ls.tls == null ? List.of() : Objects2.list(ls.tls.getCertificateRefs());
        if (refs.isEmpty()) {
            ls.unresolved(Reasons.INVALID_CERTIFICATE_REF, "a listener that terminates TLS needs tls.certificateRefs");
            return;
        }
        String from = ls.ownerNamespace();
        for (SecretObjectReference ref : refs) {
            String namespace = Objects2.orDefault(ref.getNamespace(), from);
            String display = namespace + "/" + ref.getName();
            TlsKeyPair pair = keyPair(ref, from, ls.ownerKind(), Reasons.INVALID_CERTIFICATE_REF, ls::unresolved);
            if (pair != null) {
                ls.certificates.add(display);
            }
        }
    }

    /** Reports a failed reference: the status reason and a message. */
    @FunctionalInterface
    private interface Failure {
        void report(String reason, String message);
    }

    /**
     * Resolves a reference to a {@code kubernetes.io/tls} Secret into a key pair of the snapshot, reporting why not
     * through {@code failure}.
     */
    private TlsKeyPair keyPair(
            SecretObjectReference ref, String fromNamespace, String fromKind, String invalidReason, Failure failure) {
        String group = Objects2.group(ref.getGroup());
        String kind = Objects2.orDefault(ref.getKind(), "Secret");
        String namespace = Objects2.orDefault(ref.getNamespace(), fromNamespace);
        String display = namespace + "/" + ref.getName();
        if (!group.isEmpty() || !kind.equals("Secret")) {
            failure.report(
                    invalidReason,
                    "certificate reference " + display + " has unsupported kind " + (group.isEmpty() ? "" : group + "/")
                            + kind);
            return null;
        }
        if (!namespace.equals(fromNamespace)
                && !index.permits(
                        Reasons.GATEWAY_GROUP, fromKind, fromNamespace, "", "Secret", namespace, ref.getName())) {
            failure.report(
                    Reasons.REF_NOT_PERMITTED,
                    "certificate reference to Secret " + display
                            + " is not permitted by any ReferenceGrant in namespace " + namespace);
            return null;
        }
        Secret secret = index.secret(namespace, ref.getName());
        if (secret == null) {
            failure.report(invalidReason, "Secret " + display + " not found");
            return null;
        }
        TlsMaterial.Result material = TlsMaterial.read(secret);
        if (material.problem() != null) {
            failure.report(invalidReason, "Secret " + display + " " + material.problem());
            return null;
        }
        return secrets.computeIfAbsent(display, d -> new TlsKeyPair(d, material.certificatePem(), material.keyPem()));
    }

    /**
     * Frontend client-certificate validation ({@code spec.tls.frontend}): the per-port entry for the listener's port
     * or else the default. A listener left without a single usable CA is not accepted, since serving it would either
     * refuse every client or let every client in.
     */
    private void resolveFrontendValidation(GatewayState gw, ListenerState ls) {
        var tls = gw.gateway.getSpec().getTls();
        FrontendTLSConfig frontend = tls == null ? null : tls.getFrontend();
        if (frontend == null) {
            return;
        }
        TLSConfig config = frontend.getDefault();
        for (TLSPortConfig p : Objects2.list(frontend.getPerPort())) {
            if (p.getPort() != null && p.getPort() == ls.port) {
                config = p.getTls();
            }
        }
        FrontendTLSValidation validation = config == null ? null : config.getValidation();
        if (validation == null
                || Objects2.list(validation.getCaCertificateRefs()).isEmpty()) {
            return;
        }
        List<String> bundles = new ArrayList<>();
        for (ObjectReference ref : validation.getCaCertificateRefs()) {
            CaBundles.Result r = caBundles.resolve(
                    ref.getGroup(),
                    Objects2.orDefault(ref.getKind(), "ConfigMap"),
                    Objects2.orDefault(ref.getNamespace(), gw.namespace),
                    ref.getName(),
                    "Gateway",
                    gw.namespace,
                    Reasons.INVALID_CA_CERTIFICATE_KIND);
            if (r.ok()) {
                bundles.add(r.bundle());
            } else {
                ls.unresolved(r.reason(), "frontend validation: " + r.message());
            }
        }
        if (bundles.isEmpty()) {
            ls.reject(
                    Reasons.NO_VALID_CA_CERTIFICATE,
                    "no CA certificate of the frontend validation for port " + ls.port + " could be used");
            return;
        }
        String mode = Objects2.orDefault(validation.getMode(), "AllowValidOnly");
        if (!mode.equals("AllowValidOnly") && !mode.equals("AllowInsecureFallback")) {
            ls.reject(Reasons.UNSUPPORTED_VALUE, "frontend validation mode " + mode + " is not supported");
            return;
        }
        boolean insecure = mode.equals("AllowInsecureFallback");
        ls.clientValidation = new ListenerTls.ClientValidation(bundles, insecure);
        gw.insecureFrontendValidation |= insecure;
    }

    /** {@code spec.tls.backend.clientCertificateRef}: the certificate presented to backends that ask for one. */
    private void resolveBackendClientCertificate(GatewayState gw) {
        var tls = gw.gateway.getSpec().getTls();
        SecretObjectReference ref = tls == null || tls.getBackend() == null
                ? null
                : tls.getBackend().getClientCertificateRef();
        if (ref == null) {
            return;
        }
        gw.hasBackendTls = true;
        TlsKeyPair pair = keyPair(ref, gw.namespace, "Gateway", Reasons.INVALID_CLIENT_CERTIFICATE_REF, (r, m) -> {
            gw.backendTlsReason = r;
            gw.backendTlsMessage = "tls.backend.clientCertificateRef: " + m;
        });
        if (pair != null) {
            gw.backendClientCertificate = pair.name();
        }
    }

    /**
     * Listeners of one Gateway on the same port conflict when their protocols cannot share a socket or when they
     * repeat a hostname; all listeners involved are marked.
     */
    private static void findConflicts(GatewayState gw) {
        Map<String, List<ListenerState>> byPort = new HashMap<>();
        for (ListenerState l : gw.listeners) {
            if (l.accepted) {
                byPort.computeIfAbsent(l.transport() + "/" + l.port, p -> new ArrayList<>())
                        .add(l);
            }
        }
        for (List<ListenerState> group : byPort.values()) {
            Set<ListenerProtocol> families = new HashSet<>();
            group.forEach(l -> families.add(l.family()));
            if (families.size() > 1) {
                Set<String> protocols = new HashSet<>();
                group.forEach(l -> protocols.add(l.protocolName));
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

    /**
     * Listeners of ListenerSets against everything of higher precedence: the Gateway's own listeners, then earlier
     * sets and earlier listeners of the same set. Only the listener of lower precedence is marked, and it is not
     * accepted: the one that was there first keeps serving.
     */
    private static void findListenerSetConflicts(GatewayState gw) {
        Map<String, ListenerProtocol> familyByPort = new HashMap<>();
        Map<String, String> ownerByHost = new HashMap<>();
        for (ListenerState l : gw.listeners) {
            if (l.accepted) {
                familyByPort.putIfAbsent(l.transport() + "/" + l.port, l.family());
                ownerByHost.putIfAbsent(l.transport() + "/" + l.port + "/" + l.hostname, l.display());
            }
        }
        for (ListenerSetState set : gw.listenerSets) {
            if (set.rejectReason != null) {
                continue;
            }
            for (ListenerState l : set.listeners) {
                if (!l.accepted) {
                    continue;
                }
                String port = l.transport() + "/" + l.port;
                ListenerProtocol family = familyByPort.get(port);
                String owner = ownerByHost.get(port + "/" + l.hostname);
                if (family != null && family != l.family()) {
                    String message = "port " + l.port + " is already used with another protocol by Gateway " + gw.key();
                    l.conflict(Reasons.PROTOCOL_CONFLICT, message);
                    l.reject(Reasons.PROTOCOL_CONFLICT, message);
                } else if (owner != null) {
                    String message = "port " + l.port + " and hostname " + (l.hostname == null ? "<any>" : l.hostname)
                            + " are already used by " + owner;
                    l.conflict(Reasons.HOSTNAME_CONFLICT, message);
                    l.reject(Reasons.HOSTNAME_CONFLICT, message);
                } else {
                    familyByPort.putIfAbsent(port, l.family());
                    ownerByHost.put(port + "/" + l.hostname, l.display());
                }
            }
        }
    }
}
