package dev.nantian.k8s.translate.internal;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.TcpRoute;
import dev.nantian.core.model.TlsRoute;
import dev.nantian.core.model.UdpRoute;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.k8s.crd.BackendLBPolicy;
import dev.nantian.k8s.crd.ExtensionStatus;
import dev.nantian.k8s.crd.GatewayBackendLBPolicy;
import dev.nantian.k8s.translate.AddressAllocator;
import dev.nantian.k8s.translate.ResourceKey;
import dev.nantian.k8s.translate.ResourceSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicy;
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
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSet;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSetStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRouteStatusBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * One run of the translator over one input. Not thread-safe and used once; all state lives here, so translations
 * of different inputs never share anything.
 */
public final class Translation {
    private final ResourceSet in;
    private final String controllerName;
    private final AddressAllocator allocator;
    private final Statuses statuses;
    private final Index index;
    private final CaBundles caBundles;
    private final BackendTlsPolicies policies;
    private final Extensions extensions;
    private final BackendLbPolicies lbPolicies;
    private final Backends backends;
    private final GatewayResolver gatewayResolver;
    private final RouteConverter routeConverter;
    private final List<String> errors = new ArrayList<>();
    private final CreationTimes created = new CreationTimes();

    /** Gateways of our classes, by {@code namespace/name}, in precedence order. */
    private final Map<String, GatewayState> gateways = new LinkedHashMap<>();
    /** ListenerSets whose parent is a Gateway of ours, by {@code namespace/name}. */
    private final Map<String, ListenerSetState> listenerSets = new LinkedHashMap<>();
    /** Routes attached to each listener, with the hostnames they serve there. */
    private final Map<ListenerState, List<Attachment>> attachments = new HashMap<>();

    private record Attachment(RouteView route, List<String> hostnames) {}

    private Translation(ResourceSet in, String controllerName, AddressAllocator allocator, Instant now) {
        this.in = in;
        this.controllerName = controllerName;
        this.allocator = allocator;
        this.statuses = new Statuses(controllerName, now);
        this.index = new Index(in);
        this.caBundles = new CaBundles(index);
        List<BackendTLSPolicy> policyList = new ArrayList<>(in.backendTlsPolicies());
        policyList.sort(created.precedence);
        this.policies = new BackendTlsPolicies(policyList, caBundles);
        this.extensions = new Extensions(in, index);
        List<BackendLBPolicy> lbPolicyList = new ArrayList<>(in.backendLbPolicies());
        lbPolicyList.sort(created.precedence);
        List<GatewayBackendLBPolicy> gatewayLbPolicyList = new ArrayList<>(in.gatewayBackendLbPolicies());
        gatewayLbPolicyList.sort(created.precedence);
        this.lbPolicies = new BackendLbPolicies(lbPolicyList, gatewayLbPolicyList, index);
        this.backends = new Backends(index, policies, extensions, lbPolicies);
        this.gatewayResolver = new GatewayResolver(index, caBundles);
        this.routeConverter = new RouteConverter(backends, extensions, created);
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

        for (Gateway g : sorted(in.gateways())) {
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
        List<ListenerSet> sets = new ArrayList<>();
        for (ListenerSet s : sorted(in.listenerSets())) {
            if (s.getSpec() != null && s.getSpec().getParentRef() != null) {
                sets.add(s);
            }
        }
        gatewayResolver.resolveListenerSets(sets, gateways).forEach(s -> listenerSets.put(s.key(), s));
        assignAddresses();
        findPortConflictsAcrossGateways();

        List<RouteView> routes = new ArrayList<>();
        for (HTTPRoute r : sorted(in.httpRoutes())) {
            if (r.getSpec() != null && refersToUs(r, r.getSpec().getParentRefs())) {
                routes.add(routeConverter.convert(r));
            }
        }
        for (GRPCRoute r : sorted(in.grpcRoutes())) {
            if (r.getSpec() != null && refersToUs(r, r.getSpec().getParentRefs())) {
                routes.add(routeConverter.convert(r));
            }
        }
        for (TLSRoute r : sorted(in.tlsRoutes())) {
            if (r.getSpec() != null && refersToUs(r, r.getSpec().getParentRefs())) {
                routes.add(routeConverter.convert(r));
            }
        }
        for (TCPRoute r : sorted(in.tcpRoutes())) {
            if (r.getSpec() != null && refersToUs(r, r.getSpec().getParentRefs())) {
                routes.add(routeConverter.convert(r));
            }
        }
        for (UDPRoute r : sorted(in.udpRoutes())) {
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
            for (ListenerState ls : gw.allListeners()) {
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
        Map<ResourceKey, ListenerSetStatus> setStatuses = new LinkedHashMap<>();
        for (ListenerSetState set : listenerSets.values()) {
            setStatuses.put(ResourceKey.of(set.object), statuses.listenerSet(set, programmed));
        }
        Map<ResourceKey, HTTPRouteStatus> httpStatuses = new LinkedHashMap<>();
        Map<ResourceKey, GRPCRouteStatus> grpcStatuses = new LinkedHashMap<>();
        Map<ResourceKey, TLSRouteStatus> tlsStatuses = new LinkedHashMap<>();
        Map<ResourceKey, TCPRouteStatus> tcpStatuses = new LinkedHashMap<>();
        Map<ResourceKey, UDPRouteStatus> udpStatuses = new LinkedHashMap<>();
        for (Map.Entry<RouteView, List<Statuses.ParentOutcome>> e : outcomes.entrySet()) {
            RouteView route = e.getKey();
            List<RouteParentStatus> parents = statuses.routeParents(route, e.getValue());
            ResourceKey key = ResourceKey.of(route.object);
            if (route.object instanceof HTTPRoute) {
                httpStatuses.put(
                        key, new HTTPRouteStatusBuilder().withParents(parents).build());
            } else if (route.object instanceof GRPCRoute) {
                grpcStatuses.put(
                        key, new GRPCRouteStatusBuilder().withParents(parents).build());
            } else if (route.object instanceof TLSRoute) {
                tlsStatuses.put(
                        key, new TLSRouteStatusBuilder().withParents(parents).build());
            } else if (route.object instanceof TCPRoute) {
                tcpStatuses.put(
                        key, new TCPRouteStatusBuilder().withParents(parents).build());
            } else {
                udpStatuses.put(
                        key, new UDPRouteStatusBuilder().withParents(parents).build());
            }
        }
        Map<ResourceKey, PolicyStatus> policyStatuses = new LinkedHashMap<>();
        for (BackendTlsPolicies.Policy p : policies.policies()) {
            if (!p.ancestors.isEmpty()) {
                policyStatuses.put(ResourceKey.of(p.object), statuses.backendTlsPolicy(p));
            }
        }
        Map<ResourceKey, ExtensionStatus> extensionStatuses = new LinkedHashMap<>();
        for (Extensions.Entry e : extensions.entries()) {
            extensionStatuses.put(ResourceKey.of(e.object), statuses.extension(e));
        }
        Map<ResourceKey, PolicyStatus> lbPolicyStatuses = new LinkedHashMap<>();
        for (BackendLbPolicies.Policy p : lbPolicies.policies()) {
            if (!p.gatewayApi) {
                extensionStatuses.put(ResourceKey.of(p.object), statuses.backendLbPolicy(p));
            } else if (!p.ancestors.isEmpty() || !p.accepted()) {
                lbPolicyStatuses.put(ResourceKey.of(p.object), statuses.gatewayBackendLbPolicy(p));
            }
        }

        ConfigSnapshot snapshot = snapshot(listeners);
        return new TranslationOutput(
                snapshot,
                List.copyOf(errors),
                classStatuses,
                gatewayStatuses,
                setStatuses,
                httpStatuses,
                grpcStatuses,
                tlsStatuses,
                tcpStatuses,
                udpStatuses,
                policyStatuses,
                lbPolicyStatuses,
                extensionStatuses);
    }

    private <T extends HasMetadata> List<T> sorted(List<T> objects) {
        List<T> list = new ArrayList<>(objects);
        list.sort(created.precedence);
        return list;
    }

    private boolean refersToUs(HasMetadata route, List<ParentReference> refs) {
        for (ParentReference ref : Objects2.list(refs)) {
            if (parentOf(route, ref) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * The parent of ours that a parentRef names: a Gateway of our classes or a ListenerSet whose parent is one; null
     * for another controller's, a missing one, or another kind.
     */
    private Statuses.Parent parentOf(HasMetadata route, ParentReference ref) {
        String group = Objects2.orDefault(ref.getGroup(), Reasons.GATEWAY_GROUP);
        String kind = Objects2.orDefault(ref.getKind(), "Gateway");
        if (!group.equals(Reasons.GATEWAY_GROUP) || ref.getName() == null) {
            return null;
        }
        String key = Objects2.orDefault(ref.getNamespace(), Objects2.ns(route)) + "/" + ref.getName();
        if (kind.equals("Gateway")) {
            GatewayState gw = gateways.get(key);
            return gw == null ? null : new Statuses.Parent(gw, null);
        }
        if (kind.equals("ListenerSet")) {
            ListenerSetState set = listenerSets.get(key);
            return set == null ? null : new Statuses.Parent(set.gateway, set);
        }
        return null;
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
        Map<String, ListenerProtocol> familyByPort = new HashMap<>();
        Map<String, String> ownerByPortAndHost = new HashMap<>();
        for (GatewayState gw : gateways.values()) {
            if (gw.address == null || gw.rejectReason != null) {
                continue;
            }
            for (ListenerState ls : gw.allListeners()) {
                if (!ls.attachable()) {
                    continue;
                }
                String port = ls.transport() + "/" + gw.address + ":" + ls.port;
                ListenerProtocol existing = familyByPort.putIfAbsent(port, ls.family());
                String hostKey = port + "/" + ls.hostname;
                String owner = ownerByPortAndHost.putIfAbsent(hostKey, gw.key());
                if (existing != null && existing != ls.family()) {
                    ls.reject(
                            Reasons.PORT_UNAVAILABLE,
                            gw.address + ":" + ls.port + " is used by another Gateway with protocol " + existing);
                } else if (owner != null && !owner.equals(gw.key())) {
                    ls.reject(
                            Reasons.PORT_UNAVAILABLE,
                            gw.address + ":" + ls.port + " with hostname "
                                    + (ls.hostname == null ? "<any>" : ls.hostname) + " is used by Gateway " + owner);
                }
            }
        }
    }

    private List<Statuses.ParentOutcome> attach(RouteView route) {
        List<Statuses.ParentOutcome> out = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        boolean allRulesInvalid = route.rules > 0 && route.invalidRules == route.rules;
        for (ParentReference ref : route.parentRefs) {
            Statuses.Parent parent = parentOf(route.object, ref);
            if (parent == null) {
                continue;
            }
            String identity = parent.display() + "/" + ref.getSectionName() + "/" + ref.getPort();
            if (seen.contains(identity)) {
                continue;
            }
            seen.add(identity);
            Statuses.ParentOutcome outcome = attach(route, ref, parent, allRulesInvalid);
            out.add(outcome);
            if (outcome.accepted()) {
                for (String cluster : route.clusters) {
                    backends.policiesOf(cluster)
                            .forEach(p -> p.ancestors.add(parent.gateway().key()));
                    backends.lbPoliciesOf(cluster)
                            .forEach(p -> p.ancestors.add(parent.gateway().key()));
                }
            }
        }
        return out;
    }

    private Statuses.ParentOutcome attach(
            RouteView route, ParentReference ref, Statuses.Parent parent, boolean allInvalid) {
        GatewayState gw = parent.gateway();
        if (gw.rejectReason != null) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    parent,
                    Reasons.NO_MATCHING_PARENT,
                    "Gateway " + gw.key() + " is not accepted: " + gw.rejectMessage);
        }
        if (parent.listenerSet() != null && parent.listenerSet().rejectReason != null) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    parent,
                    Reasons.NO_MATCHING_PARENT,
                    parent.display() + " is not attached to Gateway " + gw.key() + ": "
                            + parent.listenerSet().rejectMessage);
        }
        List<ListenerState> candidates = new ArrayList<>();
        for (ListenerState ls : parent.listeners()) {
            if ((ref.getSectionName() == null || ref.getSectionName().equals(ls.name))
                    && (ref.getPort() == null || ref.getPort() == ls.port)) {
                candidates.add(ls);
            }
        }
        if (candidates.isEmpty()) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    parent,
                    Reasons.NO_MATCHING_PARENT,
                    "no listener of " + parent.display() + " matches sectionName " + ref.getSectionName() + " and port "
                            + ref.getPort());
        }
        Map<String, String> labels = index.namespaceLabels(route.namespace);
        List<ListenerState> allowed = new ArrayList<>();
        for (ListenerState ls : candidates) {
            if (ls.attachable() && ls.supportsKind(route.kind) && namespaceAllowed(ls, route.namespace, labels)) {
                allowed.add(ls);
            }
        }
        if (allowed.isEmpty()) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    parent,
                    Reasons.NOT_ALLOWED_BY_LISTENERS,
                    "no listener of " + parent.display() + " allows " + route.kind + "s from namespace "
                            + route.namespace);
        }
        // TCP and UDP routes have no hostnames; TLS routes match SNI names the way HTTP routes match hosts
        boolean hostnames = !route.kind.equals("TCPRoute") && !route.kind.equals("UDPRoute");
        Map<ListenerState, List<String>> matched = new LinkedHashMap<>();
        for (ListenerState ls : allowed) {
            List<String> hosts = hostnames ? Hostnames.effective(ls.hostname, route.hostnames) : List.of("*");
            if (!hosts.isEmpty()) {
                matched.put(ls, hosts);
            }
        }
        if (matched.isEmpty()) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    parent,
                    Reasons.NO_MATCHING_LISTENER_HOSTNAME,
                    "no hostname of the route intersects the hostnames of the listeners of " + parent.display());
        }
        if (allInvalid) {
            return Statuses.ParentOutcome.rejected(
                    ref,
                    parent,
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
        return Statuses.ParentOutcome.accepted(ref, parent);
    }

    /** {@code allowedRoutes.namespaces} of a listener; "Same" is the namespace of the Gateway or ListenerSet. */
    private static boolean namespaceAllowed(ListenerState ls, String routeNamespace, Map<String, String> labels) {
        var namespaces = ls.allowedRoutes == null ? null : ls.allowedRoutes.getNamespaces();
        String from = namespaces == null ? "Same" : Objects2.orDefault(namespaces.getFrom(), "Same");
        switch (from) {
            case "All":
                return true;
            case "Same":
                return routeNamespace.equals(ls.ownerNamespace());
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
        List<Attachment> attached = attachments.getOrDefault(ls, List.of());
        try {
            ListenerRoutes routes;
            switch (ls.protocol) {
                case HTTP:
                case HTTPS:
                    routes = httpRoutes(gw, attached);
                    break;
                case TLS:
                    List<TlsRoute> tls = new ArrayList<>();
                    for (Attachment a : attached) {
                        // "*" stands for any name: an IR TLS route says that with no hostnames
                        List<String> hosts = a.hostnames().equals(List.of("*")) ? List.of() : a.hostnames();
                        a.route().l4Rules.forEach(r -> tls.add(new TlsRoute(r.meta(), hosts, r.backends())));
                    }
                    routes = new ListenerRoutes.Tls(tls);
                    break;
                case TCP:
                    List<TcpRoute> tcp = new ArrayList<>();
                    attached.forEach(
                            a -> a.route().l4Rules.forEach(r -> tcp.add(new TcpRoute(r.meta(), r.backends()))));
                    routes = new ListenerRoutes.Tcp(tcp);
                    break;
                case UDP:
                    List<UdpRoute> udp = new ArrayList<>();
                    attached.forEach(
                            a -> a.route().l4Rules.forEach(r -> udp.add(new UdpRoute(r.meta(), r.backends()))));
                    routes = new ListenerRoutes.Udp(udp);
                    break;
                default:
                    throw new AssertionError(ls.protocol);
            }
            Listener.Builder b = Listener.builder(ls.irName(), ls.port, ls.protocol, routes)
                    .gateway(gw.key())
                    .address(gw.address);
            if (ls.hostname != null) {
                b.hostname(ls.hostname);
            }
            if (ls.protocol == ListenerProtocol.HTTPS) {
                b.tls(new ListenerTls(
                        ListenerTls.Mode.TERMINATE, ls.certificates, Optional.ofNullable(ls.clientValidation)));
            } else if (ls.protocol == ListenerProtocol.TLS) {
                b.tls(
                        ls.tlsMode == ListenerTls.Mode.PASSTHROUGH
                                ? ListenerTls.passthrough()
                                : ListenerTls.terminate(ls.certificates));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            ls.unresolved(Reasons.INVALID, e.getMessage());
            errors.add("Gateway " + gw.key() + " " + ls.display() + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * Virtual hosts by intersected hostname. A Gateway with a backend client certificate gets its own variants of
     * the TLS clusters its routes use, which present that certificate.
     */
    private ListenerRoutes.Http httpRoutes(GatewayState gw, List<Attachment> attached) {
        UnaryOperator<String> cluster = gw.backendClientCertificate == null
                ? UnaryOperator.identity()
                : name -> backends.withClientCertificate(name, gw.key(), gw.backendClientCertificate);
        Map<String, List<HttpRoute>> byDomain = new TreeMap<>();
        for (Attachment a : attached) {
            for (String host : a.hostnames()) {
                List<HttpRoute> entries = byDomain.computeIfAbsent(host, h -> new ArrayList<>());
                a.route().entries.forEach(r -> entries.add(withClusters(r, cluster)));
            }
        }
        List<VirtualHost> vhosts = new ArrayList<>();
        byDomain.forEach((domain, entries) -> vhosts.add(new VirtualHost(domain, List.of(domain), entries)));
        return new ListenerRoutes.Http(vhosts);
    }

    /** The route with every cluster name mapped, or the route itself when the mapping changes nothing. */
    private static HttpRoute withClusters(HttpRoute route, UnaryOperator<String> cluster) {
        RouteAction action = route.action();
        if (action instanceof RouteAction.Forward forward) {
            List<Backend> list = new ArrayList<>();
            for (Backend b : forward.backends()) {
                if (b instanceof Backend.ClusterBackend cb) {
                    list.add(new Backend.ClusterBackend(
                            cluster.apply(cb.cluster()), cb.weight(), withClusters(cb.filters(), cluster)));
                } else {
                    list.add(b);
                }
            }
            action = new RouteAction.Forward(list);
        }
        HttpRoute mapped = new HttpRoute(
                route.meta(),
                route.match(),
                action,
                withClusters(route.filters(), cluster),
                route.timeouts(),
                route.retry(),
                route.sessionPersistence());
        return mapped.equals(route) ? route : mapped;
    }

    private static List<RouteFilter> withClusters(List<RouteFilter> filters, UnaryOperator<String> cluster) {
        List<RouteFilter> out = new ArrayList<>(filters.size());
        for (RouteFilter f : filters) {
            out.add(
                    f instanceof RouteFilter.RequestMirror m
                            ? new RouteFilter.RequestMirror(cluster.apply(m.cluster()), m.fraction())
                            : f);
        }
        return out;
    }

    private ConfigSnapshot snapshot(List<Listener> listeners) {
        Map<String, Cluster> clusterMap = new TreeMap<>();
        backends.clusters().forEach(c -> clusterMap.put(c.name(), c));
        clusterMap.putAll(extensions.clusters());
        List<Cluster> clusters = new ArrayList<>(clusterMap.values());
        Map<String, Secret> secretMap = new TreeMap<>(gatewayResolver.secrets());
        // CA bundles that something served refers to
        for (Listener l : listeners) {
            l.tls().flatMap(ListenerTls::clientValidation).ifPresent(v -> v.caCertificates()
                    .forEach(ca -> secretMap.putIfAbsent(ca, caBundles.bundle(ca))));
        }
        for (Cluster c : clusters) {
            c.tls().ifPresent(t -> t.caCertificates().forEach(ca -> secretMap.putIfAbsent(ca, caBundles.bundle(ca))));
        }
        extensions.secrets().forEach(secretMap::putIfAbsent);
        List<Secret> secrets = new ArrayList<>(secretMap.values());
        List<ExtensionConfig> configs = extensions.configs();
        String version = hash(listeners, clusters, secrets, configs);
        ConfigSnapshot.Builder b = ConfigSnapshot.builder(version);
        listeners.forEach(b::addListener);
        clusters.forEach(b::addCluster);
        secrets.forEach(b::addSecret);
        configs.forEach(b::addExtension);
        try {
            return b.build();
        } catch (ConfigValidationException e) {
            // a translator bug rather than bad input: report it instead of serving half a config
            errors.addAll(e.errors());
            return null;
        }
    }

    /**
     * A content hash: equal inputs give equal versions, so an unchanged config is recognised as such, and any change
     * to what the data plane is given (every component of every record, secrets included) gives a new one.
     */
    static String hash(
            List<Listener> listeners, List<Cluster> clusters, List<Secret> secrets, List<ExtensionConfig> configs) {
        return new ContentHash()
                .add(listeners)
                .add(clusters)
                .add(secrets)
                .add(configs)
                .finish();
    }
}
