package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.UpstreamTls;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicy;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicyValidation;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.LocalObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.LocalPolicyTargetReferenceWithSectionName;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SubjectAltName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * BackendTLSPolicies, resolved once per translation: which Service ports get TLS, with which CA certificates, SNI and
 * subject alternative names, and the conditions of each policy.
 *
 * <p>A policy targets a whole Service or, with {@code sectionName}, one named port; the more specific target wins for
 * a port. Two policies with the same target conflict: the older one (creation time, then namespace and name) applies
 * and the other is reported {@code Accepted=False/Conflicted} when none of its targets is left to it.
 */
final class BackendTlsPolicies {
    /** One policy and what was found out about it. */
    static final class Policy {
        final BackendTLSPolicy object;
        final String namespace;
        final String name;
        /** The TLS settings, without a client certificate, or null when the policy cannot be used. */
        UpstreamTls tls;

        boolean accepted = true;
        String acceptedReason = Reasons.ACCEPTED;
        String acceptedMessage = "";
        boolean resolvedRefs = true;
        String resolvedRefsReason = Reasons.RESOLVED_REFS;
        String resolvedRefsMessage = "";
        /** Service targets, as {@code namespace/service} or {@code namespace/service#portName}. */
        final List<String> targetKeys = new ArrayList<>();

        int lostTargets;
        /** Gateways whose routes reach a Service port the policy applies to, as {@code namespace/name}. */
        final Set<String> ancestors = new LinkedHashSet<>();

        Policy(BackendTLSPolicy object) {
            this.object = object;
            this.namespace = Objects2.ns(object);
            this.name = object.getMetadata().getName();
        }

        String key() {
            return namespace + "/" + name;
        }

        private void reject(String reason, String message) {
            if (accepted) {
                accepted = false;
                acceptedReason = reason;
                acceptedMessage = message;
            }
        }

        private void unresolved(String reason, String message) {
            if (resolvedRefs) {
                resolvedRefs = false;
                resolvedRefsReason = reason;
                resolvedRefsMessage = message;
            } else {
                resolvedRefsMessage += "; " + message;
            }
        }
    }

    /** The TLS of a Service port and the policy it comes from. */
    record Applied(Policy policy, UpstreamTls tls) {}

    private final List<Policy> policies = new ArrayList<>();
    /** Winning policy by {@code namespace/service} (whole Service) or {@code namespace/service#portName}. */
    private final Map<String, Policy> byTarget = new HashMap<>();

    /** Resolves {@code objects}, given in precedence order (oldest first). */
    BackendTlsPolicies(List<BackendTLSPolicy> objects, CaBundles caBundles) {
        for (BackendTLSPolicy object : objects) {
            Policy p = new Policy(object);
            policies.add(p);
            resolve(p, caBundles);
            for (LocalPolicyTargetReferenceWithSectionName t :
                    Objects2.list(object.getSpec().getTargetRefs())) {
                if (!Objects2.group(t.getGroup()).isEmpty() || !"Service".equals(t.getKind())) {
                    continue; // only Services carry backend TLS here; other targets are not ours to configure
                }
                String key = p.namespace + "/" + t.getName()
                        + (t.getSectionName() == null || t.getSectionName().isEmpty() ? "" : "#" + t.getSectionName());
                p.targetKeys.add(key);
                Policy owner = byTarget.get(key);
                if (owner == null) {
                    if (p.accepted) {
                        byTarget.put(key, p);
                    }
                } else {
                    p.lostTargets++;
                }
            }
            if (p.accepted && !p.targetKeys.isEmpty() && p.lostTargets == p.targetKeys.size()) {
                p.reject(Reasons.CONFLICTED_REASON, "every target is already configured by an older BackendTLSPolicy");
            }
        }
    }

    private static void resolve(Policy p, CaBundles caBundles) {
        BackendTLSPolicyValidation v = p.object.getSpec().getValidation();
        List<UpstreamTls.SubjectAltName> sans = new ArrayList<>();
        for (SubjectAltName san : Objects2.list(v.getSubjectAltNames())) {
            if ("URI".equals(san.getType())) {
                sans.add(new UpstreamTls.SubjectAltName(UpstreamTls.SubjectAltName.Type.URI, san.getUri()));
            } else {
                sans.add(new UpstreamTls.SubjectAltName(UpstreamTls.SubjectAltName.Type.HOSTNAME, san.getHostname()));
            }
        }
        List<String> bundles = new ArrayList<>();
        String wellKnown = v.getWellKnownCACertificates();
        if (wellKnown != null && !wellKnown.isEmpty()) {
            if (!wellKnown.equals("System")) {
                p.reject(Reasons.INVALID, "wellKnownCACertificates " + wellKnown + " is not supported; System is");
                return;
            }
        } else {
            for (LocalObjectReference ref : Objects2.list(v.getCaCertificateRefs())) {
                CaBundles.Result r = caBundles.resolve(
                        ref.getGroup(),
                        Objects2.orDefault(ref.getKind(), "ConfigMap"),
                        p.namespace,
                        ref.getName(),
                        "BackendTLSPolicy",
                        p.namespace,
                        Reasons.INVALID_KIND);
                if (r.ok()) {
                    bundles.add(r.bundle());
                } else {
                    p.unresolved(r.reason(), r.message());
                }
            }
            if (bundles.isEmpty()) {
                p.reject(Reasons.NO_VALID_CA_CERTIFICATE, "no CA certificate reference could be used");
                return;
            }
        }
        p.tls = new UpstreamTls(bundles, v.getHostname(), sans, Optional.empty());
    }

    /** The TLS of one Service port, if an accepted policy applies to it. */
    Applied lookup(String namespace, String service, ServicePort port) {
        Policy p = null;
        if (port.getName() != null && !port.getName().isEmpty()) {
            p = byTarget.get(namespace + "/" + service + "#" + port.getName());
        }
        if (p == null) {
            p = byTarget.get(namespace + "/" + service);
        }
        return p == null || !p.accepted ? null : new Applied(p, p.tls);
    }

    /** Every policy that targets a Service port, applied or not: their status names the Gateways using it. */
    List<Policy> targeting(String namespace, String service, ServicePort port) {
        String whole = namespace + "/" + service;
        String section = port.getName() == null || port.getName().isEmpty() ? null : whole + "#" + port.getName();
        List<Policy> out = new ArrayList<>();
        for (Policy p : policies) {
            if (p.targetKeys.contains(whole) || (section != null && p.targetKeys.contains(section))) {
                out.add(p);
            }
        }
        return out;
    }

    /** Every policy, in precedence order. */
    List<Policy> policies() {
        return policies;
    }
}
