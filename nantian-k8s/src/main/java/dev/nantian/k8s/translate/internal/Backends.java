package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.SessionPersistence;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.k8s.crd.AIService;
import dev.nantian.k8s.crd.ExtensionResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Resolves backend references to {@link Cluster}s: one cluster per Service port, named {@code namespace/service:port},
 * with endpoints from the Service's EndpointSlices, or, without slices, its literal {@code clusterIP} or
 * {@code externalName}; and references to AIServices to {@link Backend.ExtensionBackend}s. Clusters are created once
 * and collected for the snapshot.
 *
 * <p>A BackendLBPolicy of ours sets the load balancing, health check and outlier detection of the clusters of the
 * Service ports it applies to (HTTP and gRPC clusters; TCP, TLS and UDP routes keep round robin).
 *
 * <p>Service ports that a BackendTLSPolicy applies to, and ports with {@code appProtocol: kubernetes.io/wss}, are
 * reached over TLS. TCP, TLS and UDP routes forward bytes as they are: when such a port also has a TLS cluster,
 * theirs is a separate one named {@code namespace/service:port/tcp}.
 */
final class Backends {
    private final Index index;
    private final BackendTlsPolicies policies;
    private final Extensions extensions;
    private final Map<String, Cluster> clusters = new TreeMap<>();
    /** BackendTLSPolicies targeting the Service port behind each cluster, applied or not. */
    private final Map<String, List<BackendTlsPolicies.Policy>> policiesByCluster = new LinkedHashMap<>();

    private final BackendLbPolicies lbPolicies;
    /** BackendLBPolicies (both kinds) targeting the Service port behind each cluster, applied or not. */
    private final Map<String, List<BackendLbPolicies.Policy>> lbPoliciesByCluster = new LinkedHashMap<>();
    /** Session persistence from Gateway API BackendLBPolicies, by cluster. */
    private final Map<String, SessionPersistence> sessionByCluster = new LinkedHashMap<>();

    Backends(Index index, BackendTlsPolicies policies, Extensions extensions, BackendLbPolicies lbPolicies) {
        this.index = index;
        this.policies = policies;
        this.extensions = extensions;
        this.lbPolicies = lbPolicies;
    }

    /** A resolved reference: the backend, and when it failed, the status reason and message. */
    record Resolved(Backend backend, String cluster, String reason, String message) {
        boolean ok() {
            return reason == null;
        }
    }

    /** A backend reference as written on a route, with defaults not yet applied. */
    record Ref(String group, String kind, String name, String namespace, Integer port, Integer weight) {}

    /** A Service port found for a reference, or the failure. */
    private record ServiceTarget(Service service, ServicePort port, String namespace, Resolved failure) {}

    /**
     * Resolves one reference of an HTTPRoute or GRPCRoute.
     *
     * @param routeKind {@code HTTPRoute} or {@code GRPCRoute}, for ReferenceGrant checks
     * @param routeNamespace the route's namespace
     * @param filters filters of the backend reference, applied when it is picked
     * @param defaultProtocol the protocol used when the Service port has no {@code appProtocol}
     */
    Resolved resolve(
            Ref ref,
            String routeKind,
            String routeNamespace,
            List<RouteFilter> filters,
            UpstreamProtocol defaultProtocol) {
        int weight = ref.weight() == null ? 1 : ref.weight();
        String group = Objects2.group(ref.group());
        if (group.equals(ExtensionResource.GROUP)
                && AIService.KIND.equals(ref.kind())
                && routeKind.equals("HTTPRoute")) {
            return aiService(ref, routeNamespace, weight, filters);
        }
        ServiceTarget target = service(ref, routeKind, routeNamespace, weight);
        if (target.failure() != null) {
            return target.failure();
        }
        ServicePort port = target.port();
        String namespace = target.namespace();
        UpstreamProtocol protocol = protocol(port.getAppProtocol(), defaultProtocol);
        String clusterName = namespace + "/" + ref.name() + ":" + ref.port();
        if (protocol != protocol(port.getAppProtocol(), UpstreamProtocol.HTTP_1_1)) {
            // the same Service port reached with a route-implied protocol (gRPC: h2c) is a distinct cluster
            clusterName += "/" + protocol.name().toLowerCase(Locale.ROOT);
        }
        if (!clusters.containsKey(clusterName)) {
            Cluster.Builder b = Cluster.builder(clusterName)
                    .protocol(protocol)
                    .endpoints(endpoints(target.service(), port, namespace));
            UpstreamTls tls = tls(namespace, ref.name(), port);
            if (tls != null) {
                b.tls(tls);
            }
            lbPoliciesByCluster.put(clusterName, lbPolicies.apply(namespace, ref.name(), port, b));
            SessionPersistence session = lbPolicies.sessionPersistence(namespace, ref.name(), port);
            if (session != null) {
                sessionByCluster.put(clusterName, session);
            }
            clusters.put(clusterName, b.build());
            policiesByCluster.put(clusterName, policies.targeting(namespace, ref.name(), port));
        }
        return new Resolved(new Backend.ClusterBackend(clusterName, weight, filters), clusterName, null, null);
    }

    /**
     * Resolves one reference of a TLSRoute, TCPRoute or UDPRoute to a cluster that carries the bytes unchanged.
     *
     * @return the resolved reference; its backend is meaningless, use {@link Resolved#cluster()}
     */
    Resolved resolveL4(Ref ref, String routeKind, String routeNamespace) {
        int weight = ref.weight() == null ? 1 : ref.weight();
        ServiceTarget target = service(ref, routeKind, routeNamespace, weight);
        if (target.failure() != null) {
            return target.failure();
        }
        String clusterName = target.namespace() + "/" + ref.name() + ":" + ref.port();
        if (tls(target.namespace(), ref.name(), target.port()) != null) {
            clusterName += "/tcp";
        }
        if (!clusters.containsKey(clusterName)) {
            Cluster.Builder b = Cluster.builder(clusterName)
                    .endpoints(endpoints(target.service(), target.port(), target.namespace()));
            // Our BackendLBPolicy applies to layer-4 routes as to HTTP ones, and must: an HTTPRoute to the same
            // Service port shares this cluster, whichever kind of route is translated first.
            lbPoliciesByCluster.put(clusterName, lbPolicies.apply(target.namespace(), ref.name(), target.port(), b));
            clusters.put(clusterName, b.build());
        }
        return new Resolved(new Backend.ClusterBackend(clusterName, weight, List.of()), clusterName, null, null);
    }

    /**
     * The variant of a TLS cluster that presents a Gateway's client certificate ({@code spec.tls.backend}), named
     * {@code cluster@namespace/gateway}; clusters without TLS are returned unchanged.
     */
    String withClientCertificate(String clusterName, String gateway, String certificate) {
        Cluster base = clusters.get(clusterName);
        if (base == null || base.tls().isEmpty()) {
            return clusterName;
        }
        String name = clusterName + "@" + gateway;
        if (!clusters.containsKey(name)) {
            UpstreamTls t = base.tls().get();
            clusters.put(
                    name,
                    new Cluster(
                            name,
                            base.endpoints(),
                            base.protocol(),
                            base.loadBalancing(),
                            base.connectTimeout(),
                            base.healthCheck(),
                            base.outlierDetection(),
                            Optional.of(new UpstreamTls(
                                    t.caCertificates(), t.sni(), t.subjectAltNames(), Optional.of(certificate)))));
            policiesByCluster.put(name, policiesByCluster.getOrDefault(clusterName, List.of()));
            lbPoliciesByCluster.put(name, lbPoliciesByCluster.getOrDefault(clusterName, List.of()));
        }
        return name;
    }

    /** The BackendTLSPolicies that target the Service port behind a cluster. */
    List<BackendTlsPolicies.Policy> policiesOf(String clusterName) {
        return policiesByCluster.getOrDefault(clusterName, List.of());
    }

    /** The BackendLBPolicies of both kinds that target the Service port behind a cluster. */
    List<BackendLbPolicies.Policy> lbPoliciesOf(String clusterName) {
        return lbPoliciesByCluster.getOrDefault(clusterName, List.of());
    }

    /**
     * The session persistence that a Gateway API BackendLBPolicy gives the Service port behind a cluster, for route
     * rules that have none of their own; {@code null} when none does.
     */
    SessionPersistence sessionPersistenceOf(String clusterName) {
        return sessionByCluster.get(clusterName);
    }

    /** Every cluster resolved so far, by name. */
    List<Cluster> clusters() {
        return new ArrayList<>(clusters.values());
    }

    private ServiceTarget service(Ref ref, String routeKind, String routeNamespace, int weight) {
        String group = Objects2.group(ref.group());
        String kind = Objects2.orDefault(ref.kind(), "Service");
        String namespace = Objects2.orDefault(ref.namespace(), routeNamespace);
        String display = namespace + "/" + ref.name();
        if (!group.isEmpty() || !kind.equals("Service")) {
            return failedTarget(
                    weight,
                    Reasons.INVALID_KIND,
                    "backendRef " + display + " has unsupported kind " + (group.isEmpty() ? "" : group + "/") + kind);
        }
        if (!namespace.equals(routeNamespace)
                && !index.permits(
                        Reasons.GATEWAY_GROUP, routeKind, routeNamespace, "", "Service", namespace, ref.name())) {
            return failedTarget(
                    weight,
                    Reasons.REF_NOT_PERMITTED,
                    "backendRef to Service " + display + " is not permitted by any ReferenceGrant in namespace "
                            + namespace);
        }
        Service service = index.service(namespace, ref.name());
        if (service == null) {
            return failedTarget(weight, Reasons.BACKEND_NOT_FOUND, "Service " + display + " not found");
        }
        if (ref.port() == null) {
            return failedTarget(
                    weight, Reasons.UNSUPPORTED_VALUE, "backendRef to Service " + display + " needs a port");
        }
        ServicePort port = null;
        if (service.getSpec() != null) {
            for (ServicePort p : Objects2.list(service.getSpec().getPorts())) {
                if (ref.port().equals(p.getPort())) {
                    port = p;
                }
            }
        }
        if (port == null) {
            return failedTarget(weight, Reasons.BACKEND_NOT_FOUND, "Service " + display + " has no port " + ref.port());
        }
        return new ServiceTarget(service, port, namespace, null);
    }

    private static ServiceTarget failedTarget(int weight, String reason, String message) {
        return new ServiceTarget(null, null, null, failed(weight, reason, message));
    }

    private Resolved aiService(Ref ref, String routeNamespace, int weight, List<RouteFilter> filters) {
        String namespace = Objects2.orDefault(ref.namespace(), routeNamespace);
        String display = namespace + "/" + ref.name();
        if (!namespace.equals(routeNamespace)
                && !index.permits(
                        Reasons.GATEWAY_GROUP,
                        "HTTPRoute",
                        routeNamespace,
                        ExtensionResource.GROUP,
                        AIService.KIND,
                        namespace,
                        ref.name())) {
            return failed(
                    weight,
                    Reasons.REF_NOT_PERMITTED,
                    "backendRef to AIService " + display + " is not permitted by any ReferenceGrant in namespace "
                            + namespace);
        }
        Extensions.Entry e = extensions.get(AIService.KIND, namespace, ref.name());
        if (e == null) {
            return failed(weight, Reasons.BACKEND_NOT_FOUND, "AIService " + display + " not found");
        }
        if (!e.usable()) {
            return failed(weight, Reasons.BACKEND_NOT_FOUND, e.unusableReason());
        }
        return new Resolved(
                new Backend.ExtensionBackend(
                        ExtensionResource.GROUP, AIService.KIND, namespace, ref.name(), weight, filters),
                null,
                null,
                null);
    }

    /**
     * TLS to a Service port: from the BackendTLSPolicy that applies to it, or, for a {@code kubernetes.io/wss} port
     * without one, the JDK's trust store with the Service's cluster DNS name as SNI and expected name.
     */
    private UpstreamTls tls(String namespace, String service, ServicePort port) {
        BackendTlsPolicies.Applied applied = policies.lookup(namespace, service, port);
        if (applied != null) {
            return applied.tls();
        }
        if ("kubernetes.io/wss".equals(port.getAppProtocol())) {
            return new UpstreamTls(List.of(), service + "." + namespace + ".svc", List.of(), Optional.empty());
        }
        return null;
    }

    private static Resolved failed(int weight, String reason, String message) {
        return new Resolved(new Backend.InvalidBackend(weight, message), null, reason, message);
    }

    private static UpstreamProtocol protocol(String appProtocol, UpstreamProtocol defaultProtocol) {
        if (appProtocol == null) {
            return defaultProtocol;
        }
        switch (appProtocol) {
            case "kubernetes.io/h2c":
                return UpstreamProtocol.H2C;
            case "kubernetes.io/ws":
            case "kubernetes.io/wss":
                return UpstreamProtocol.WEBSOCKET;
            default:
                return defaultProtocol;
        }
    }

    private List<Endpoint> endpoints(Service service, ServicePort port, String namespace) {
        List<EndpointSlice> slices =
                index.slices(namespace, service.getMetadata().getName());
        String type = service.getSpec().getType();
        if (slices.isEmpty()) {
            if ("ExternalName".equals(type) && service.getSpec().getExternalName() != null) {
                return List.of(Endpoint.of(service.getSpec().getExternalName(), port.getPort()));
            }
            String clusterIp = service.getSpec().getClusterIP();
            if (clusterIp != null && !clusterIp.isEmpty() && !clusterIp.equals("None")) {
                return List.of(Endpoint.of(clusterIp, port.getPort()));
            }
            return List.of();
        }
        String portName = Objects2.orDefault(port.getName(), "");
        Set<Endpoint> out = new LinkedHashSet<>();
        for (EndpointSlice slice : slices) {
            Integer target = slicePort(slice, portName, port.getTargetPort());
            if (target == null) {
                continue;
            }
            for (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e : Objects2.list(slice.getEndpoints())) {
                if (e.getConditions() != null
                        && Boolean.FALSE.equals(e.getConditions().getReady())) {
                    continue;
                }
                String hostname = e.getTargetRef() != null && e.getTargetRef().getName() != null
                        ? e.getTargetRef().getName()
                        : Objects2.orDefault(e.getHostname(), "");
                for (String address : Objects2.list(e.getAddresses())) {
                    out.add(new Endpoint(address, target, 1, Optional.ofNullable(e.getZone()), hostname));
                }
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * The endpoint port for a Service port: the slice port of the same name; a slice without ports (hand-written
     * standalone YAML) falls back to a numeric targetPort.
     */
    private static Integer slicePort(EndpointSlice slice, String portName, IntOrString targetPort) {
        List<EndpointPort> ports = Objects2.list(slice.getPorts());
        for (EndpointPort p : ports) {
            if (Objects2.orDefault(p.getName(), "").equals(portName) && p.getPort() != null) {
                return p.getPort();
            }
        }
        if (ports.isEmpty() && targetPort != null && targetPort.getIntVal() != null) {
            return targetPort.getIntVal();
        }
        return null;
    }
}
