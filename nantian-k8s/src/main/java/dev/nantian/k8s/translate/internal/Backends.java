package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.HttpFilter;
import dev.nantian.core.model.UpstreamProtocol;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Resolves backend references to {@link Cluster}s: one cluster per Service port, named {@code namespace/service:port},
 * with endpoints from the Service's EndpointSlices, or, without slices, its literal {@code clusterIP} or
 * {@code externalName}. Clusters are created once and collected for the snapshot.
 */
final class Backends {
    private final Index index;
    private final Map<String, Cluster> clusters = new TreeMap<>();

    Backends(Index index) {
        this.index = index;
    }

    /** A resolved reference: the backend, and when it failed, the status reason and message. */
    record Resolved(Backend backend, String cluster, String reason, String message) {
        boolean ok() {
            return reason == null;
        }
    }

    /** A backend reference as written on a route, with defaults not yet applied. */
    record Ref(String group, String kind, String name, String namespace, Integer port, Integer weight) {}

    /**
     * Resolves one reference of a route.
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
            List<HttpFilter> filters,
            UpstreamProtocol defaultProtocol) {
        int weight = ref.weight() == null ? 1 : ref.weight();
        String group = Objects2.group(ref.group());
        String kind = Objects2.orDefault(ref.kind(), "Service");
        String namespace = Objects2.orDefault(ref.namespace(), routeNamespace);
        String display = namespace + "/" + ref.name();
        if (!group.isEmpty() || !kind.equals("Service")) {
            return failed(
                    weight,
                    Reasons.INVALID_KIND,
                    "backendRef " + display + " has unsupported kind " + (group.isEmpty() ? "" : group + "/") + kind);
        }
        if (!namespace.equals(routeNamespace)
                && !index.permits(
                        Reasons.GATEWAY_GROUP, routeKind, routeNamespace, "", "Service", namespace, ref.name())) {
            return failed(
                    weight,
                    Reasons.REF_NOT_PERMITTED,
                    "backendRef to Service " + display + " is not permitted by any ReferenceGrant in namespace "
                            + namespace);
        }
        Service service = index.service(namespace, ref.name());
        if (service == null) {
            return failed(weight, Reasons.BACKEND_NOT_FOUND, "Service " + display + " not found");
        }
        if (ref.port() == null) {
            return failed(weight, Reasons.UNSUPPORTED_VALUE, "backendRef to Service " + display + " needs a port");
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
            return failed(weight, Reasons.BACKEND_NOT_FOUND, "Service " + display + " has no port " + ref.port());
        }
        UpstreamProtocol protocol = protocol(port.getAppProtocol(), defaultProtocol);
        String clusterName = namespace + "/" + ref.name() + ":" + ref.port();
        if (protocol != protocol(port.getAppProtocol(), UpstreamProtocol.HTTP_1_1)) {
            // the same Service port reached with a route-implied protocol (gRPC: h2c) is a distinct cluster
            clusterName += "/" + protocol.name().toLowerCase(java.util.Locale.ROOT);
        }
        if (!clusters.containsKey(clusterName)) {
            clusters.put(
                    clusterName,
                    Cluster.builder(clusterName)
                            .protocol(protocol)
                            .endpoints(endpoints(service, port, namespace))
                            .build());
        }
        return new Resolved(new Backend.ClusterBackend(clusterName, weight, filters), clusterName, null, null);
    }

    /** Every cluster resolved so far, by name. */
    List<Cluster> clusters() {
        return new ArrayList<>(clusters.values());
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
