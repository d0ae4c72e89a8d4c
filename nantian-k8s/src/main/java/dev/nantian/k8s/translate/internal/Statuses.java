package dev.nantian.k8s.translate.internal;

import dev.nantian.k8s.crd.ExtensionStatus;
import dev.nantian.k8s.translate.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddressBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerEntryStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerEntryStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSetStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSetStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyAncestorStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyAncestorStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKindBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds new status objects from what the translation found, merging with the status already on each object so
 * that transition times survive and other controllers' entries are kept.
 */
final class Statuses {
    private static final Set<String> CLASS_TYPES = Set.of(Reasons.ACCEPTED, Reasons.SUPPORTED_VERSION);
    private static final Set<String> GATEWAY_TYPES = Set.of(
            Reasons.ACCEPTED, Reasons.PROGRAMMED, Reasons.RESOLVED_REFS, Reasons.INSECURE_FRONTEND_VALIDATION_MODE);
    private static final Set<String> LISTENER_SET_TYPES = Set.of(Reasons.ACCEPTED, Reasons.PROGRAMMED);
    private static final Set<String> LISTENER_TYPES =
            Set.of(Reasons.ACCEPTED, Reasons.PROGRAMMED, Reasons.RESOLVED_REFS, Reasons.CONFLICTED);
    private static final Set<String> ROUTE_TYPES =
            Set.of(Reasons.ACCEPTED, Reasons.RESOLVED_REFS, Reasons.PARTIALLY_INVALID);
    private static final Set<String> POLICY_TYPES = Set.of(Reasons.ACCEPTED, Reasons.RESOLVED_REFS);

    private final String controllerName;
    private final Instant now;

    Statuses(String controllerName, Instant now) {
        this.controllerName = controllerName;
        this.now = now;
    }

    /** Whether a parentRef, with defaults applied, was accepted, and why not. */
    record ParentOutcome(ParentReference ref, boolean accepted, String reason, String message) {
        static ParentOutcome accepted(ParentReference ref, Parent parent) {
            return new ParentOutcome(normalize(ref, parent), true, Reasons.ACCEPTED, "");
        }

        static ParentOutcome rejected(ParentReference ref, Parent parent, String reason, String message) {
            return new ParentOutcome(normalize(ref, parent), false, reason, message);
        }

        /** The parentRef with group, kind and namespace written out, as status readers compare them. */
        private static ParentReference normalize(ParentReference ref, Parent parent) {
            return new ParentReferenceBuilder()
                    .withGroup(Reasons.GATEWAY_GROUP)
                    .withKind(parent.kind())
                    .withNamespace(parent.namespace())
                    .withName(parent.name())
                    .withSectionName(ref.getSectionName())
                    .withPort(ref.getPort())
                    .build();
        }
    }

    /** A route parent of ours: a Gateway, or a ListenerSet of one ({@code listenerSet} not null). */
    record Parent(GatewayState gateway, ListenerSetState listenerSet) {
        String kind() {
            return listenerSet == null ? "Gateway" : "ListenerSet";
        }

        String namespace() {
            return listenerSet == null ? gateway.namespace : listenerSet.namespace;
        }

        String name() {
            return listenerSet == null ? gateway.name : listenerSet.name;
        }

        String display() {
            return kind() + " " + namespace() + "/" + name();
        }

        List<ListenerState> listeners() {
            return listenerSet == null ? gateway.listeners : listenerSet.listeners;
        }
    }

    GatewayClassStatus gatewayClass(GatewayClass gc, String problem) {
        long gen = Objects2.generation(gc);
        List<Condition> desired = List.of(
                problem == null
                        ? Conditions.of(Reasons.ACCEPTED, true, Reasons.ACCEPTED, "", gen)
                        : Conditions.of(Reasons.ACCEPTED, false, Reasons.INVALID_PARAMETERS, problem, gen),
                Conditions.of(Reasons.SUPPORTED_VERSION, true, Reasons.SUPPORTED_VERSION, "", gen));
        GatewayClassStatus old = gc.getStatus();
        return new GatewayClassStatusBuilder()
                .withConditions(Conditions.merge(old == null ? null : old.getConditions(), desired, CLASS_TYPES, now))
                .withSupportedFeatures(old == null ? null : old.getSupportedFeatures())
                .build();
    }

    GatewayStatus gateway(GatewayState gw, Map<ListenerState, Boolean> programmed) {
        long gen = Objects2.generation(gw.gateway);
        GatewayStatus old = gw.gateway.getStatus();
        int accepted = 0;
        int programmedCount = 0;
        List<ListenerStatus> listeners = new ArrayList<>();
        for (ListenerState ls : gw.listeners) {
            if (ls.accepted) {
                accepted++;
            }
            boolean isProgrammed = programmed.getOrDefault(ls, false);
            if (isProgrammed) {
                programmedCount++;
            }
            List<Condition> previous = null;
            if (old != null) {
                for (ListenerStatus s : Objects2.list(old.getListeners())) {
                    if (ls.name.equals(s.getName())) {
                        previous = s.getConditions();
                    }
                }
            }
            listeners.add(new ListenerStatusBuilder()
                    .withName(ls.name)
                    .withSupportedKinds(kinds(ls))
                    .withAttachedRoutes(ls.attachedRoutes.size())
                    .withConditions(listenerConditions(ls, isProgrammed, gen, previous))
                    .build());
        }
        List<Condition> desired = new ArrayList<>();
        Condition acceptedCondition;
        if (gw.rejectReason != null) {
            acceptedCondition = Conditions.of(Reasons.ACCEPTED, false, gw.rejectReason, gw.rejectMessage, gen);
        } else if (accepted == 0) {
            acceptedCondition =
                    Conditions.of(Reasons.ACCEPTED, false, Reasons.LISTENERS_NOT_VALID, "no listener is valid", gen);
        } else if (accepted < gw.listeners.size()) {
            acceptedCondition = Conditions.of(
                    Reasons.ACCEPTED, true, Reasons.LISTENERS_NOT_VALID, "some listeners are not valid", gen);
        } else {
            acceptedCondition = Conditions.of(Reasons.ACCEPTED, true, Reasons.ACCEPTED, "", gen);
        }
        desired.add(acceptedCondition);
        if (!"True".equals(acceptedCondition.getStatus())) {
            desired.add(Conditions.of(Reasons.PROGRAMMED, false, Reasons.INVALID, "the Gateway is not accepted", gen));
        } else if (gw.addressProblemReason != null) {
            desired.add(
                    Conditions.of(Reasons.PROGRAMMED, false, gw.addressProblemReason, gw.addressProblemMessage, gen));
        } else if (gw.address == null) {
            desired.add(Conditions.of(
                    Reasons.PROGRAMMED, false, Reasons.ADDRESS_NOT_ASSIGNED, "no address is free for it", gen));
        } else if (programmedCount == 0) {
            desired.add(Conditions.of(Reasons.PROGRAMMED, false, Reasons.INVALID, "no listener is programmed", gen));
        } else {
            desired.add(Conditions.of(Reasons.PROGRAMMED, true, Reasons.PROGRAMMED, "", gen));
        }
        if (gw.hasBackendTls) {
            desired.add(
                    gw.backendTlsReason == null
                            ? Conditions.of(Reasons.RESOLVED_REFS, true, Reasons.RESOLVED_REFS, "", gen)
                            : Conditions.of(
                                    Reasons.RESOLVED_REFS, false, gw.backendTlsReason, gw.backendTlsMessage, gen));
        }
        if (gw.insecureFrontendValidation) {
            desired.add(Conditions.of(
                    Reasons.INSECURE_FRONTEND_VALIDATION_MODE,
                    true,
                    Reasons.CONFIGURATION_CHANGED,
                    "some listeners accept clients without a valid certificate (AllowInsecureFallback)",
                    gen));
        }
        int attachedSets = 0;
        for (ListenerSetState set : gw.listenerSets) {
            if (set.accepted()) {
                attachedSets++;
            }
        }
        GatewayStatusBuilder b = new GatewayStatusBuilder()
                .withConditions(Conditions.merge(old == null ? null : old.getConditions(), desired, GATEWAY_TYPES, now))
                .withListeners(listeners)
                .withAttachedListenerSets(attachedSets);
        if (gw.address != null && gw.rejectReason == null) {
            b.withAddresses(new GatewayStatusAddressBuilder()
                    .withType("IPAddress")
                    .withValue(gw.address)
                    .build());
        }
        return b.build();
    }

    /**
     * A ListenerSet's status: {@code Accepted} and {@code Programmed} when the Gateway took it and at least one of
     * its listeners is valid (respectively served); its listeners as the Gateway's are reported.
     */
    ListenerSetStatus listenerSet(ListenerSetState set, Map<ListenerState, Boolean> programmed) {
        long gen = Objects2.generation(set.object);
        ListenerSetStatus old = set.object.getStatus();
        List<ListenerEntryStatus> listeners = new ArrayList<>();
        boolean anyProgrammed = false;
        if (set.rejectReason == null) {
            for (ListenerState ls : set.listeners) {
                boolean isProgrammed = programmed.getOrDefault(ls, false);
                anyProgrammed |= isProgrammed;
                List<Condition> previous = null;
                if (old != null) {
                    for (ListenerEntryStatus s : Objects2.list(old.getListeners())) {
                        if (ls.name.equals(s.getName())) {
                            previous = s.getConditions();
                        }
                    }
                }
                listeners.add(new ListenerEntryStatusBuilder()
                        .withName(ls.name)
                        .withSupportedKinds(kinds(ls))
                        .withAttachedRoutes(ls.attachedRoutes.size())
                        .withConditions(listenerConditions(ls, isProgrammed, gen, previous))
                        .build());
            }
        }
        List<Condition> desired;
        if (set.rejectReason != null) {
            desired = List.of(
                    Conditions.of(Reasons.ACCEPTED, false, set.rejectReason, set.rejectMessage, gen),
                    Conditions.of(Reasons.PROGRAMMED, false, set.rejectReason, set.rejectMessage, gen));
        } else {
            desired = List.of(
                    set.accepted()
                            ? Conditions.of(Reasons.ACCEPTED, true, Reasons.ACCEPTED, "", gen)
                            : Conditions.of(
                                    Reasons.ACCEPTED,
                                    false,
                                    Reasons.LISTENERS_NOT_VALID,
                                    "no listener of the ListenerSet is valid",
                                    gen),
                    anyProgrammed
                            ? Conditions.of(Reasons.PROGRAMMED, true, Reasons.PROGRAMMED, "", gen)
                            : Conditions.of(
                                    Reasons.PROGRAMMED,
                                    false,
                                    Reasons.LISTENERS_NOT_VALID,
                                    "no listener of the ListenerSet is programmed",
                                    gen));
        }
        return new ListenerSetStatusBuilder()
                .withConditions(
                        Conditions.merge(old == null ? null : old.getConditions(), desired, LISTENER_SET_TYPES, now))
                .withListeners(listeners)
                .build();
    }

    private static List<RouteGroupKind> kinds(ListenerState ls) {
        List<RouteGroupKind> kinds = new ArrayList<>();
        ls.supportedKinds.forEach(k -> kinds.add(new RouteGroupKindBuilder(k).build()));
        return kinds;
    }

    private List<Condition> listenerConditions(
            ListenerState ls, boolean programmed, long gen, List<Condition> previous) {
        String notProgrammedWhy = !ls.accepted
                ? ls.acceptedMessage
                : ls.conflicted
                        ? ls.conflictedMessage
                        : !ls.resolvedRefs ? ls.resolvedRefsMessage : "the Gateway is not programmed";
        List<Condition> desired = List.of(
                Conditions.of(Reasons.ACCEPTED, ls.accepted, ls.acceptedReason, ls.acceptedMessage, gen),
                Conditions.of(
                        Reasons.RESOLVED_REFS, ls.resolvedRefs, ls.resolvedRefsReason, ls.resolvedRefsMessage, gen),
                Conditions.of(Reasons.CONFLICTED, ls.conflicted, ls.conflictedReason, ls.conflictedMessage, gen),
                programmed
                        ? Conditions.of(Reasons.PROGRAMMED, true, Reasons.PROGRAMMED, "", gen)
                        : Conditions.of(
                                Reasons.PROGRAMMED,
                                false,
                                ls.conflicted ? ls.conflictedReason : Reasons.INVALID,
                                notProgrammedWhy,
                                gen));
        return Conditions.merge(previous, desired, LISTENER_TYPES, now);
    }

    /** The route's parents: other controllers' entries as they were, then one entry per parentRef of ours. */
    List<RouteParentStatus> routeParents(RouteView route, List<ParentOutcome> outcomes) {
        long gen = Objects2.generation(route.object);
        List<RouteParentStatus> out = new ArrayList<>();
        for (RouteParentStatus p : route.previousParents) {
            if (!controllerName.equals(p.getControllerName())) {
                out.add(new RouteParentStatusBuilder(p).build());
            }
        }
        Condition resolved = route.refsReason == null
                ? Conditions.of(Reasons.RESOLVED_REFS, true, Reasons.RESOLVED_REFS, "", gen)
                : Conditions.of(
                        Reasons.RESOLVED_REFS, false, route.refsReason, String.join("; ", route.refsMessages), gen);
        for (ParentOutcome o : outcomes) {
            List<Condition> desired = new ArrayList<>();
            desired.add(Conditions.of(Reasons.ACCEPTED, o.accepted(), o.reason(), o.message(), gen));
            desired.add(resolved);
            if (o.accepted() && route.invalidRules > 0) {
                desired.add(Conditions.of(
                        Reasons.PARTIALLY_INVALID,
                        true,
                        Reasons.UNSUPPORTED_VALUE,
                        "rules answering 500: " + String.join("; ", route.invalidMessages),
                        gen));
            }
            out.add(new RouteParentStatusBuilder()
                    .withParentRef(o.ref())
                    .withControllerName(controllerName)
                    .withConditions(Conditions.merge(previous(route, o.ref()), desired, ROUTE_TYPES, now))
                    .build());
        }
        return out;
    }

    private List<Condition> previous(RouteView route, ParentReference ref) {
        for (RouteParentStatus p : route.previousParents) {
            ParentReference r = p.getParentRef();
            if (controllerName.equals(p.getControllerName())
                    && r != null
                    && Objects.equals(r.getName(), ref.getName())
                    && Objects2.orDefault(r.getKind(), "Gateway").equals(ref.getKind())
                    && Objects2.orDefault(r.getNamespace(), route.namespace).equals(ref.getNamespace())
                    && Objects.equals(r.getSectionName(), ref.getSectionName())
                    && Objects.equals(r.getPort(), ref.getPort())) {
                return p.getConditions();
            }
        }
        return null;
    }

    /**
     * A BackendTLSPolicy's status: one ancestor entry per Gateway of ours whose routes reach a Service port the
     * policy targets, with the policy's own conditions; other controllers' ancestors as they were.
     */
    PolicyStatus backendTlsPolicy(BackendTlsPolicies.Policy p) {
        long gen = Objects2.generation(p.object);
        List<Condition> desired = List.of(
                Conditions.of(Reasons.ACCEPTED, p.accepted, p.acceptedReason, p.acceptedMessage, gen),
                Conditions.of(Reasons.RESOLVED_REFS, p.resolvedRefs, p.resolvedRefsReason, p.resolvedRefsMessage, gen));
        return policyStatus(p.object.getStatus(), p.namespace, p.ancestors, desired);
    }

    /**
     * A Gateway API BackendLBPolicy's status: like a BackendTLSPolicy's, one ancestor entry per Gateway of ours whose
     * routes reach a Service port the policy targets.
     */
    PolicyStatus gatewayBackendLbPolicy(BackendLbPolicies.Policy p) {
        PolicyStatus old = ((dev.nantian.k8s.crd.GatewayBackendLBPolicy) p.object).getStatus();
        return policyStatus(old, p.namespace, p.ancestors, lbPolicyConditions(p));
    }

    /**
     * The status of a {@code gateway.nantian.dev} BackendLBPolicy: {@code Accepted} (the spec is valid, some target
     * exists and is not configured by an older policy) and {@code ResolvedRefs} (every target exists).
     */
    ExtensionStatus backendLbPolicy(BackendLbPolicies.Policy p) {
        ExtensionStatus old = ((dev.nantian.k8s.crd.BackendLBPolicy) p.object).getStatus();
        return new ExtensionStatus(
                Conditions.merge(old == null ? null : old.getConditions(), lbPolicyConditions(p), POLICY_TYPES, now));
    }

    private static List<Condition> lbPolicyConditions(BackendLbPolicies.Policy p) {
        long gen = Objects2.generation(p.object);
        Condition accepted;
        if (!p.problems.isEmpty()) {
            accepted = Conditions.of(Reasons.ACCEPTED, false, Reasons.INVALID, String.join("; ", p.problems), gen);
        } else if (p.conflicted) {
            accepted = Conditions.of(
                    Reasons.ACCEPTED,
                    false,
                    Reasons.CONFLICTED_REASON,
                    "every target is already configured by an older " + p.object.getKind() + " of the same API group",
                    gen);
        } else if (!p.targetKeys.isEmpty() && p.unresolved.size() == p.targetKeys.size()) {
            accepted = Conditions.of(
                    Reasons.ACCEPTED, false, Reasons.TARGET_NOT_FOUND, String.join("; ", p.unresolved), gen);
        } else {
            accepted = Conditions.of(Reasons.ACCEPTED, true, Reasons.ACCEPTED, "", gen);
        }
        Condition refs = p.unresolved.isEmpty()
                ? Conditions.of(Reasons.RESOLVED_REFS, true, Reasons.RESOLVED_REFS, "", gen)
                : Conditions.of(
                        Reasons.RESOLVED_REFS, false, Reasons.TARGET_NOT_FOUND, String.join("; ", p.unresolved), gen);
        return List.of(accepted, refs);
    }

    private PolicyStatus policyStatus(
            PolicyStatus old, String policyNamespace, java.util.Set<String> ancestors, List<Condition> desired) {
        List<PolicyAncestorStatus> out = new ArrayList<>();
        List<PolicyAncestorStatus> previous = old == null ? List.of() : Objects2.list(old.getAncestors());
        for (PolicyAncestorStatus a : previous) {
            if (!controllerName.equals(a.getControllerName())) {
                out.add(new PolicyAncestorStatusBuilder(a).build());
            }
        }
        for (String gateway : ancestors) {
            String namespace = gateway.substring(0, gateway.indexOf('/'));
            String name = gateway.substring(gateway.indexOf('/') + 1);
            List<Condition> before = null;
            for (PolicyAncestorStatus a : previous) {
                ParentReference r = a.getAncestorRef();
                if (controllerName.equals(a.getControllerName())
                        && r != null
                        && name.equals(r.getName())
                        && namespace.equals(Objects2.orDefault(r.getNamespace(), policyNamespace))) {
                    before = a.getConditions();
                }
            }
            out.add(new PolicyAncestorStatusBuilder()
                    .withAncestorRef(new ParentReferenceBuilder()
                            .withGroup(Reasons.GATEWAY_GROUP)
                            .withKind("Gateway")
                            .withNamespace(namespace)
                            .withName(name)
                            .build())
                    .withControllerName(controllerName)
                    .withConditions(Conditions.merge(before, desired, POLICY_TYPES, now))
                    .build());
        }
        return new PolicyStatusBuilder().withAncestors(out).build();
    }

    /**
     * The status of one of our own objects: {@code Accepted} (the spec is valid) and {@code ResolvedRefs} (what it
     * references exists); it is served only when both hold.
     */
    ExtensionStatus extension(Extensions.Entry e) {
        long gen = Objects2.generation(e.object);
        List<Condition> desired = List.of(
                e.problems.isEmpty()
                        ? Conditions.of(Reasons.ACCEPTED, true, Reasons.ACCEPTED, "", gen)
                        : Conditions.of(Reasons.ACCEPTED, false, Reasons.INVALID, String.join("; ", e.problems), gen),
                e.unresolved.isEmpty()
                        ? Conditions.of(Reasons.RESOLVED_REFS, true, Reasons.RESOLVED_REFS, "", gen)
                        : Conditions.of(
                                Reasons.RESOLVED_REFS, false, e.refsReason, String.join("; ", e.unresolved), gen));
        ExtensionStatus old = e.object.getStatus();
        return new ExtensionStatus(
                Conditions.merge(old == null ? null : old.getConditions(), desired, POLICY_TYPES, now));
    }
}
