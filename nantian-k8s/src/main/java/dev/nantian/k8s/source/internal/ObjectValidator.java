package dev.nantian.k8s.source.internal;

import dev.nantian.k8s.crd.ExtensionResource;
import dev.nantian.k8s.crd.GatewayBackendLBPolicy;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicy;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicyValidation;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerEntry;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSet;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.LocalPolicyTargetReferenceWithSectionName;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SubjectAltName;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRoute;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks what the Gateway API and Kubernetes schemas check on admission (required fields, ranges, formats), so a
 * directory of YAML is held to the rules {@code kubectl apply} would enforce. Collects every problem of an object.
 */
public final class ObjectValidator {
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Pattern HOSTNAME =
            Pattern.compile("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);

    /** One problem: the field path and what is wrong. */
    public record Problem(String field, String message) {}

    private final List<Problem> problems = new ArrayList<>();

    private ObjectValidator() {}

    /** Every problem of {@code object}; empty when it is valid. */
    public static List<Problem> validate(HasMetadata object) {
        ObjectValidator v = new ObjectValidator();
        v.check(object);
        return v.problems;
    }

    private void problem(String field, String message) {
        problems.add(new Problem(field, message));
    }

    private void check(HasMetadata o) {
        if (o.getMetadata() == null || o.getMetadata().getName() == null) {
            problem("metadata.name", "is required");
            return;
        }
        String name = o.getMetadata().getName();
        if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            problem("metadata.name", "'" + name + "' is not a valid lower-case DNS subdomain name");
        }
        boolean clusterScoped = o instanceof GatewayClass || o instanceof Namespace;
        if (clusterScoped && o.getMetadata().getNamespace() != null) {
            problem("metadata.namespace", o.getKind() + " is cluster-scoped and takes no namespace");
        }
        if (o instanceof GatewayClass gc) {
            if (gc.getSpec() == null || empty(gc.getSpec().getControllerName())) {
                problem("spec.controllerName", "is required");
            }
        } else if (o instanceof Gateway g) {
            gateway(g);
        } else if (o instanceof HTTPRoute r) {
            httpRoute(r);
        } else if (o instanceof GRPCRoute r) {
            grpcRoute(r);
        } else if (o instanceof TLSRoute r) {
            if (r.getSpec() == null) {
                problem("spec", "is required");
            } else {
                parentRefs(r.getSpec().getParentRefs());
                hostnames(r.getSpec().getHostnames());
                for (int i = 0; i < list(r.getSpec().getRules()).size(); i++) {
                    backendRefs(r.getSpec().getRules().get(i).getBackendRefs(), "spec.rules[" + i + "]");
                }
            }
        } else if (o instanceof TCPRoute r) {
            if (r.getSpec() == null) {
                problem("spec", "is required");
            } else {
                parentRefs(r.getSpec().getParentRefs());
                for (int i = 0; i < list(r.getSpec().getRules()).size(); i++) {
                    backendRefs(r.getSpec().getRules().get(i).getBackendRefs(), "spec.rules[" + i + "]");
                }
            }
        } else if (o instanceof UDPRoute r) {
            if (r.getSpec() == null) {
                problem("spec", "is required");
            } else {
                parentRefs(r.getSpec().getParentRefs());
                for (int i = 0; i < list(r.getSpec().getRules()).size(); i++) {
                    backendRefs(r.getSpec().getRules().get(i).getBackendRefs(), "spec.rules[" + i + "]");
                }
            }
        } else if (o instanceof ListenerSet ls) {
            listenerSet(ls);
        } else if (o instanceof BackendTLSPolicy p) {
            backendTlsPolicy(p);
        } else if (o instanceof ExtensionResource e) {
            if (e.getSpec() == null) {
                problem("spec", "is required");
            }
        } else if (o instanceof GatewayBackendLBPolicy p) {
            if (p.getSpec() == null) {
                problem("spec", "is required");
            }
        } else if (o instanceof ReferenceGrant g) {
            if (g.getSpec() == null || list(g.getSpec().getFrom()).isEmpty()) {
                problem("spec.from", "needs at least one entry");
            }
            if (g.getSpec() == null || list(g.getSpec().getTo()).isEmpty()) {
                problem("spec.to", "needs at least one entry");
            }
        } else if (o instanceof Service s) {
            List<ServicePort> ports =
                    s.getSpec() == null ? List.of() : list(s.getSpec().getPorts());
            for (int i = 0; i < ports.size(); i++) {
                port(ports.get(i).getPort(), "spec.ports[" + i + "].port", true);
            }
        } else if (o instanceof EndpointSlice s) {
            if (empty(s.getAddressType())) {
                problem("addressType", "is required");
            }
            List<EndpointPort> ports = list(s.getPorts());
            for (int i = 0; i < ports.size(); i++) {
                port(ports.get(i).getPort(), "ports[" + i + "].port", false);
            }
            for (int i = 0; i < list(s.getEndpoints()).size(); i++) {
                if (list(s.getEndpoints().get(i).getAddresses()).isEmpty()) {
                    problem("endpoints[" + i + "].addresses", "needs at least one address");
                }
            }
        }
    }

    private void gateway(Gateway g) {
        if (g.getSpec() == null) {
            problem("spec", "is required");
            return;
        }
        if (empty(g.getSpec().getGatewayClassName())) {
            problem("spec.gatewayClassName", "is required");
        }
        List<Listener> listeners = list(g.getSpec().getListeners());
        if (listeners.isEmpty() || listeners.size() > 64) {
            problem("spec.listeners", "needs 1 to 64 listeners, has " + listeners.size());
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < listeners.size(); i++) {
            Listener l = listeners.get(i);
            listener(i, names, l.getName(), l.getPort(), l.getProtocol(), l.getHostname());
        }
    }

    private void listenerSet(ListenerSet ls) {
        if (ls.getSpec() == null) {
            problem("spec", "is required");
            return;
        }
        if (ls.getSpec().getParentRef() == null
                || empty(ls.getSpec().getParentRef().getName())) {
            problem("spec.parentRef.name", "is required");
        }
        List<ListenerEntry> listeners = list(ls.getSpec().getListeners());
        if (listeners.isEmpty() || listeners.size() > 64) {
            problem("spec.listeners", "needs 1 to 64 listeners, has " + listeners.size());
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < listeners.size(); i++) {
            ListenerEntry l = listeners.get(i);
            listener(i, names, l.getName(), l.getPort(), l.getProtocol(), l.getHostname());
        }
    }

    /** One listener of a Gateway or a ListenerSet (the two models share these fields, not a type). */
    private void listener(int i, Set<String> names, String name, Integer port, String protocol, String hostname) {
        String at = "spec.listeners[" + i + "]";
        if (empty(name)) {
            problem(at + ".name", "is required");
        } else if (!names.add(name)) {
            problem(at + ".name", "'" + name + "' is not unique");
        }
        port(port, at + ".port", true);
        if (empty(protocol)) {
            problem(at + ".protocol", "is required");
        }
        hostname(hostname, at + ".hostname");
    }

    private void backendTlsPolicy(BackendTLSPolicy p) {
        if (p.getSpec() == null) {
            problem("spec", "is required");
            return;
        }
        List<LocalPolicyTargetReferenceWithSectionName> targets =
                list(p.getSpec().getTargetRefs());
        if (targets.isEmpty() || targets.size() > 16) {
            problem("spec.targetRefs", "needs 1 to 16 entries, has " + targets.size());
        }
        for (int i = 0; i < targets.size(); i++) {
            if (empty(targets.get(i).getName())) {
                problem("spec.targetRefs[" + i + "].name", "is required");
            }
            if (empty(targets.get(i).getKind())) {
                problem("spec.targetRefs[" + i + "].kind", "is required");
            }
        }
        BackendTLSPolicyValidation v = p.getSpec().getValidation();
        if (v == null) {
            problem("spec.validation", "is required");
            return;
        }
        if (empty(v.getHostname())) {
            problem("spec.validation.hostname", "is required");
        } else if (v.getHostname().startsWith("*")
                || !HOSTNAME.matcher(v.getHostname()).matches()) {
            problem("spec.validation.hostname", "'" + v.getHostname() + "' is not a valid lower-case hostname");
        }
        boolean refs = !list(v.getCaCertificateRefs()).isEmpty();
        boolean wellKnown = !empty(v.getWellKnownCACertificates());
        if (refs == wellKnown) {
            problem("spec.validation", "needs exactly one of caCertificateRefs and wellKnownCACertificates");
        }
        List<SubjectAltName> sans = list(v.getSubjectAltNames());
        for (int i = 0; i < sans.size(); i++) {
            SubjectAltName san = sans.get(i);
            String at = "spec.validation.subjectAltNames[" + i + "]";
            if ("Hostname".equals(san.getType())) {
                if (empty(san.getHostname()) || san.getUri() != null) {
                    problem(at, "type Hostname needs hostname and no uri");
                }
            } else if ("URI".equals(san.getType())) {
                if (empty(san.getUri()) || san.getHostname() != null) {
                    problem(at, "type URI needs uri and no hostname");
                }
            } else {
                problem(at + ".type", "must be Hostname or URI");
            }
        }
    }

    private void backendRefs(List<BackendRef> refs, String at) {
        List<BackendRef> list = list(refs);
        for (int j = 0; j < list.size(); j++) {
            BackendRef ref = list.get(j);
            backendRef(ref.getName(), ref.getPort(), ref.getWeight(), at + ".backendRefs[" + j + "]");
        }
    }

    private void httpRoute(HTTPRoute r) {
        if (r.getSpec() == null) {
            problem("spec", "is required");
            return;
        }
        parentRefs(r.getSpec().getParentRefs());
        hostnames(r.getSpec().getHostnames());
        List<HTTPRouteRule> rules = list(r.getSpec().getRules());
        for (int i = 0; i < rules.size(); i++) {
            String at = "spec.rules[" + i + "]";
            HTTPRouteRule rule = rules.get(i);
            List<HTTPRouteMatch> matches = list(rule.getMatches());
            for (int j = 0; j < matches.size(); j++) {
                HTTPRouteMatch m = matches.get(j);
                if (m.getPath() != null && m.getPath().getValue() != null) {
                    String type = m.getPath().getType() == null
                            ? "PathPrefix"
                            : m.getPath().getType();
                    if (!type.equals("RegularExpression")
                            && !m.getPath().getValue().startsWith("/")) {
                        problem(at + ".matches[" + j + "].path.value", "must start with '/'");
                    }
                }
            }
            List<HTTPRouteFilter> filters = list(rule.getFilters());
            for (int j = 0; j < filters.size(); j++) {
                HTTPRouteFilter f = filters.get(j);
                if (empty(f.getType())) {
                    problem(at + ".filters[" + j + "].type", "is required");
                }
                if (f.getRequestRedirect() != null
                        && f.getRequestRedirect().getStatusCode() != null
                        && !REDIRECT_CODES.contains(f.getRequestRedirect().getStatusCode())) {
                    problem(at + ".filters[" + j + "].requestRedirect.statusCode", "must be one of " + REDIRECT_CODES);
                }
            }
            List<HTTPBackendRef> refs = list(rule.getBackendRefs());
            for (int j = 0; j < refs.size(); j++) {
                backendRef(
                        refs.get(j).getName(),
                        refs.get(j).getPort(),
                        refs.get(j).getWeight(),
                        at + ".backendRefs[" + j + "]");
            }
        }
    }

    private void grpcRoute(GRPCRoute r) {
        if (r.getSpec() == null) {
            problem("spec", "is required");
            return;
        }
        parentRefs(r.getSpec().getParentRefs());
        hostnames(r.getSpec().getHostnames());
        List<GRPCRouteRule> rules = list(r.getSpec().getRules());
        for (int i = 0; i < rules.size(); i++) {
            List<GRPCBackendRef> refs = list(rules.get(i).getBackendRefs());
            for (int j = 0; j < refs.size(); j++) {
                backendRef(
                        refs.get(j).getName(),
                        refs.get(j).getPort(),
                        refs.get(j).getWeight(),
                        "spec.rules[" + i + "].backendRefs[" + j + "]");
            }
        }
    }

    private void parentRefs(List<ParentReference> refs) {
        List<ParentReference> list = list(refs);
        for (int i = 0; i < list.size(); i++) {
            if (empty(list.get(i).getName())) {
                problem("spec.parentRefs[" + i + "].name", "is required");
            }
            if (list.get(i).getPort() != null) {
                port(list.get(i).getPort(), "spec.parentRefs[" + i + "].port", true);
            }
        }
    }

    private void hostnames(List<String> hostnames) {
        List<String> list = list(hostnames);
        for (int i = 0; i < list.size(); i++) {
            hostname(list.get(i), "spec.hostnames[" + i + "]");
        }
    }

    private void backendRef(String name, Integer port, Integer weight, String at) {
        if (empty(name)) {
            problem(at + ".name", "is required");
        }
        if (port != null) {
            port(port, at + ".port", true);
        }
        if (weight != null && (weight < 0 || weight > 1_000_000)) {
            problem(at + ".weight", "must be in 0..1000000, got " + weight);
        }
    }

    private void hostname(String hostname, String field) {
        if (hostname != null
                && (hostname.length() > 253 || !HOSTNAME.matcher(hostname).matches())) {
            problem(field, "'" + hostname + "' is not a valid lower-case hostname (an optional leading '*.' allowed)");
        }
    }

    private void port(Integer port, String field, boolean required) {
        if (port == null) {
            if (required) {
                problem(field, "is required");
            }
        } else if (port < 1 || port > 65535) {
            problem(field, "must be in 1..65535, got " + port);
        }
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }

    private static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : list;
    }
}
