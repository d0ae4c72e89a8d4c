package dev.nantian.k8s.translate.internal;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.k8s.translate.AddressAllocator;
import dev.nantian.k8s.translate.ResourceKey;
import dev.nantian.k8s.translate.ResourceSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One run of the translator over one input. Not thread-safe and used once; all state lives here, so translations
 * of different inputs never share anything.
 */
public final class Translation {
    private static final Comparator<HasMetadata> PRECEDENCE = Comparator.comparing(Objects2::created)
            .thenComparing(Objects2::ns)
            .thenComparing(o -> o.getMetadata().getName());

    private final ResourceSet in;
    private final String controllerName;
    private final AddressAllocator allocator;
    private final Statuses statuses;
    private final Index index;
    private final Backends backends;
    private final GatewayResolver gatewayResolver;
    private final RouteConverter routeConverter;
    private final List<String> errors = new ArrayList<>();

    /** Gateways of our classes, by {@code namespace/name}, in precedence order. */
    private final Map<String, GatewayState> gateways = new LinkedHashMap<>();
    /** Routes attached to each listener, with the hostnames they serve there. */
    private final Map<ListenerState, List<Attachment>> attachments = new HashMap<>();

    private record Attachment(RouteView route, List<String> hostnames) {}

    private Translation(ResourceSet in, String controllerName, AddressAllocator allocator, Instant now) {
        this.in = in;
        this.controllerName = controllerName;
        this.allocator = allocator;
        this.statuses = new Statuses(controllerName, now);
        this.index = new Index(in);
        this.backends = new Backends(index);
        this.gatewayResolver = new GatewayResolver(index);
        this.routeConverter = new RouteConverter(backends);
    }

    /** Translates {@code in}; never throws for bad input, which is reported in statuses and errors instead. */
    public static TranslationOutput run(
            ResourceSet in, String controllerName, AddressAllocator allocator, Instant now) {
        return new Translation(in, controllerName, allocator, now).run();
    }

    private TranslationOutput run() {
        Map<ResourceKey, GatewayClassStatus> classStatuses = new LinkedHashMap<>();
        Map<String, String> classProblems = new HashMap<>();
        List<GatewayClass> classes = new ArrayList<>(in.gatewayClasses());
        classes.sort(Comparator.comparing(c -> c.getMetadata().getName()));
        for (GatewayClass gc : classes) {
            if (gc.getSpec() == null || !controllerName.equals(gc.getSpec().getControllerName())) {
                continue; // another controller's class: not ours to judge
            }
            String problem = gc.getSpec().getParametersRef() == null
                    ? null
                    : "parametersRef names a kind this implementation does not support";
            classProblems.put(gc.getMetadata().getName(), problem);
            classStatuses.put(ResourceKey.of(gc), statuses.gatewayClass(gc, problem));
        }

        List<Gateway> gatewayList = new ArrayList<>(in.gateways());
        gatewayList.sort(PRECEDENCE);
        for (Gateway g : gatewayList) {
            String className = g.getSpec() == null ? null : g.getSpec().getGatewayClassName();
            if (className == null || !classProblems.containsKey(className)) {
                continue;
            }
            GatewayState gw = gatewayResolver.resolve(g);
            if (classProblems.get(className) != null) {
                gw.rejectReason = Reasons.PENDING;
                gw.rejectMessage = "GatewayClass " + className + " is not accepted";
            }
            gateways.put(gw.key(), gw);
        }
        assignAddresses();
        findPortConflictsAcrossGateways();

        List<RouteView> routes = new ArrayList<>();
        List<HTTPRoute> httpRoutes = new ArrayList<>(in.httpRoutes());
        httpRoutes.sort(PRECEDENCE);
        for (HTTPRoute r : httpRoutes) {
            if (r.getSpec() != null && refersToUs(r, r.getSpec().getParentRefs())) {
                routes.add(routeConverter.convert(r));
            }
        }
        List<GRPCRoute> grpcRoutes = new ArrayList<>(in.grpcRoutes());
        grpcRoutes.sort(PRECEDENCE);
        for (GRPCRoute r : grpcRoutes) {
            if (r.getSpec() != null && refersToUs(r, r.getSpec().getParentRefs())) {
                routes.add(routeConverter.convert(r));
            }
        }

        Map<RouteView, List<Statuses.ParentOutcome>> outcomes = new LinkedHashMap<>();
        for (RouteView route : routes) {
            outcomes.put(route, attach(route));
        }

        List<Listener> listeners = new ArrayList<>();
        Map<ListenerState, Boolean> programmed = new HashMap<>();
        for (GatewayState gw : gateways.values()) {
            for (ListenerState ls : gw.listeners) {
                Listener ir = buildListener(gw, ls);
                programmed.put(ls, ir != null);
                if (ir != null) {
                    listeners.add(ir);
                }
            }
        }

        Map<ResourceKey, GatewayStatus> gatewayStatuses = new LinkedHashMap<>();
        for (GatewayState gw : gateways.values()) {
            gatewayStatuses.put(ResourceKey.of(gw.gateway), statuses.gateway(gw, programmed));
        }
        Map<ResourceKey, HTTPRouteStatus> httpStatuses = new LinkedHashMap<>();
        Map<ResourceKey, GRPCRouteStatus> grpcStatuses = new LinkedHashMap<>();
        for (Map.Entry<RouteView, List<Statuses.ParentOutcome>> e : outcomes.entrySet()) {
            RouteView route = e.getKey();
            var parents = statuses.routeParents(route, e.getValue());
            if (route.object instanceof HTTPRoute) {
                httpStatuses.put(
                        ResourceKey.of(route.object),
                        new HTTPRouteStatusBuilder().withParents(parents).build());
            } else {
                grpcStatuses.put(
                        ResourceKey.of(route.object),
                        new GRPCRouteStatusBuilder().withParents(parents).build());
            }
        }

        ConfigSnapshot snapshot = snapshot(listeners);
        return new TranslationOutput(
                snapshot, List.copyOf(errors), classStatuses, gatewayStatuses, httpStatuses, grpcStatuses);
    }

    private boolean refersToUs(HasMetadata route, List<ParentReference> refs) {
        for (ParentReference ref : Objects2.list(refs)) {
            if (gatewayOf(route, ref) != null) {
                return true;
            }
        }
        return false;
    }

    /** The Gateway of ours that a parentRef names, or null (another controller's, a missing one, another kind). */
    private GatewayState gatewayOf(HasMetadata route, ParentReference ref) {
        String group = Objects2.orDefault(ref.getGroup(), Reasons.GATEWAY_GROUP);
        String kind = Objects2.orDefault(ref.getKind(), "Gateway");
        if (!group.equals(Reasons.GATEWAY_GROUP) || !kind.equals("Gateway") || ref.getName() == null) {
            return null;
        }
        return gateways.get(Objects2.orDefault(ref.getNamespace(), Objects2.ns(route)) + "/" + ref.getName());
    }

    private void assignAddresses() {
        List<String> keys = new ArrayList<>();
        for (GatewayState gw : gateways.values()) {
            if (gw.wantsAllocatedAddress && gw.rejectReason == null) {
                keys.add(gw.key());
            }
        }
        keys.sort(null);
        Map<String, String> assigned = keys.isEmpty() ? Map.of() : allocator.assign(List.copyOf(keys));
        for (String key : keys) {
            gateways.get(key).address = assigned.get(key);
        }
    }

    /**
     * Gateways that share an address (a fixed allocator) cannot both serve a port with incompatible protocols or
     * the same hostname: the Gateway created first keeps it, later listeners get {@code PortUnavailable}.
     */
    private void findPortConflictsAcrossGateways() {
        Map<String, ListenerProtocol> protocolByPort = new HashMap<>();
        Map<String, String> ownerByPortAndHost = new HashMap<>();
        for (GatewayState gw : gateways.values()) {
            if (gw.address == null || gw.rejectReason != null) {
                continue;
            }
            for (ListenerState ls : gw.listeners) {
                if (!ls.attachable()) {
                    continue;
                }
                String port = gw.address + ":" + ls.port;
                ListenerProtocol family =
                        ls.protocol == ListenerProtocol.HTTP ? ListenerProtocol.HTTP : ListenerProtocol.HTTPS;
                ListenerProtocol existing = protocolByPort.putIfAbsent(port, family);
                String hostKey = port + "/" + ls.hostname;
                String owner = ownerByPortAndHost.putIfAbsent(hostKey, gw.key());
                if (existing != null && existing != family) {
                    ls.reject(Reasons.PORT_UNAVAILABLE, port + " is used by another Gateway with protocol " + existing);
                } else if (owner != null && !owner.equals(gw.key())) {
                    ls.reject(
                            Reasons.PORT_UNAVAILABLE,
                            port + " with hostname " + (ls.hostname == null ? "<any>" : ls.hostname)
                                    + " is used by Gateway " + owner);
                }
            }
        }
    }

    private List<Statuses.ParentOutcome> attach(RouteView route) {
        List<Statuses.ParentOutcome> out = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        boolean allRulesInvalid = route.rules > 0 && route.invalidRules == route.rules;
        for (ParentReference ref : route.parentRefs) {
            GatewayState gw = gatewayOf(route.object, ref);
            if (gw == null) {
                continue;
            }
            String identity = gw.key() + "/" + ref.getSectionName() + "/" + ref.getPort();
            if (seen.contains(identity)) {
                continue;
            }
            seen.add(identity);
            out.add(attach(route, ref, gw, allRulesInvalid));
        }
        return out;
    }

    private Statuses.ParentOutcome attach(RouteView route, ParentReference ref, GatewayState gw, boolean allInvalid) {
        if (gw.rejectReason != null) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    gw,
                    Reasons.NO_MATCHING_PARENT,
                    "Gateway " + gw.key() + " is not accepted: " + gw.rejectMessage);
        }
        List<ListenerState> candidates = new ArrayList<>();
        for (ListenerState ls : gw.listeners) {
            if ((ref.getSectionName() == null || ref.getSectionName().equals(ls.name))
                    && (ref.getPort() == null || ref.getPort() == ls.port)) {
                candidates.add(ls);
            }
        }
        if (candidates.isEmpty()) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    gw,
                    Reasons.NO_MATCHING_PARENT,
                    "no listener of Gateway " + gw.key() + " matches sectionName " + ref.getSectionName() + " and port "
                            + ref.getPort());
        }
        Map<String, String> labels = index.namespaceLabels(route.namespace);
        List<ListenerState> allowed = new ArrayList<>();
        for (ListenerState ls : candidates) {
            if (ls.attachable() && ls.supportsKind(route.kind) && namespaceAllowed(gw, ls, route.namespace, labels)) {
                allowed.add(ls);
            }
        }
        if (allowed.isEmpty()) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    gw,
                    Reasons.NOT_ALLOWED_BY_LISTENERS,
                    "no listener of Gateway " + gw.key() + " allows " + route.kind + "s from namespace "
                            + route.namespace);
        }
        Map<ListenerState, List<String>> matched = new LinkedHashMap<>();
        for (ListenerState ls : allowed) {
            List<String> hosts = Hostnames.effective(ls.hostname, route.hostnames);
            if (!hosts.isEmpty()) {
                matched.put(ls, hosts);
            }
        }
        if (matched.isEmpty()) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    gw,
                    Reasons.NO_MATCHING_LISTENER_HOSTNAME,
                    "no hostname of the route intersects the hostnames of the listeners of Gateway " + gw.key());
        }
        if (allInvalid) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    gw,
                    Reasons.UNSUPPORTED_VALUE,
                    "every rule is invalid: " + String.join("; ", route.invalidMessages));
        }
        for (Map.Entry<ListenerState, List<String>> e : matched.entrySet()) {
            if (e.getKey().attachedRoutes.add(route.key())) {
                attachments
                        .computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                        .add(new Attachment(route, e.getValue()));
            }
        }
        return Statuses.ParentOutcome.accepted(ref, gw);
    }

    private static boolean namespaceAllowed(
            GatewayState gw, ListenerState ls, String routeNamespace, Map<String, String> labels) {
        var allowed = ls.spec.getAllowedRoutes();
        var namespaces = allowed == null ? null : allowed.getNamespaces();
        String from = namespaces == null ? "Same" : Objects2.orDefault(namespaces.getFrom(), "Same");
        switch (from) {
            case "All":
                return true;
            case "Same":
                return routeNamespace.equals(gw.namespace);
            case "Selector":
                return Index.selects(namespaces.getSelector(), labels);
            default:
                return false; // "None" and anything unknown
        }
    }

    /** The IR listener, or null when the listener is not served. */
    private Listener buildListener(GatewayState gw, ListenerState ls) {
        if (gw.rejectReason != null || gw.address == null || gw.addressProblemReason != null || !ls.programmable()) {
            return null;
        }
        Map<String, List<HttpRoute>> byDomain = new TreeMap<>();
        for (Attachment a : attachments.getOrDefault(ls, List.of())) {
            for (String host : a.hostnames()) {
                byDomain.computeIfAbsent(host, h -> new ArrayList<>()).addAll(a.route().entries);
            }
        }
        try {
            List<VirtualHost> vhosts = new ArrayList<>();
            byDomain.forEach((domain, entries) -> vhosts.add(new VirtualHost(domain, List.of(domain), entries)));
            Listener.Builder b = Listener.builder(
                            gw.key() + "/" + ls.name, ls.port, ls.protocol, new ListenerRoutes.Http(vhosts))
                    .gateway(gw.key())
                    .address(gw.address);
            if (ls.hostname != null) {
                b.hostname(ls.hostname);
            }
            if (ls.protocol == ListenerProtocol.HTTPS) {
                b.tls(ListenerTls.terminate(ls.certificates));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            ls.unresolved(Reasons.INVALID, e.getMessage());
            errors.add("Gateway " + gw.key() + " listener " + ls.name + ": " + e.getMessage());
            return null;
        }
    }

    private ConfigSnapshot snapshot(List<Listener> listeners) {
        List<Cluster> clusters = backends.clusters();
        List<Secret.TlsKeyPair> secrets = new ArrayList<>(new TreeMap<>(gatewayResolver.secrets()).values());
        String version = hash(listeners, clusters, secrets);
        ConfigSnapshot.Builder b = ConfigSnapshot.builder(version);
        listeners.forEach(b::addListener);
        clusters.forEach(b::addCluster);
        secrets.forEach(b::addSecret);
        try {
            return b.build();
        } catch (ConfigValidationException e) {
            // a translator bug rather than bad input: report it instead of serving half a config
            errors.addAll(e.errors());
            return null;
        }
    }

    /** A content hash: equal inputs give equal versions, so an unchanged config is recognised as such. */
    private static String hash(List<Listener> listeners, List<Cluster> clusters, List<Secret.TlsKeyPair> secrets) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            listeners.forEach(l -> update(digest, l.toString()));
            clusters.forEach(c -> update(digest, c.toString()));
            for (Secret.TlsKeyPair s : secrets) {
                update(digest, s.name());
                update(digest, s.certificateChainPem());
                update(digest, s.privateKeyPem());
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    private static void update(MessageDigest digest, String text) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }
}
