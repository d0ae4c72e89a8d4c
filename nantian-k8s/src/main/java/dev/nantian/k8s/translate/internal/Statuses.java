package dev.nantian.k8s.translate.internal;

import dev.nantian.k8s.translate.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddressBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
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
    private static final Set<String> GATEWAY_TYPES = Set.of(Reasons.ACCEPTED, Reasons.PROGRAMMED);
    private static final Set<String> LISTENER_TYPES =
            Set.of(Reasons.ACCEPTED, Reasons.PROGRAMMED, Reasons.RESOLVED_REFS, Reasons.CONFLICTED);
    private static final Set<String> ROUTE_TYPES =
            Set.of(Reasons.ACCEPTED, Reasons.RESOLVED_REFS, Reasons.PARTIALLY_INVALID);

    private final String controllerName;
    private final Instant now;

    Statuses(String controllerName, Instant now) {
        this.controllerName = controllerName;
        this.now = now;
    }

    /** Whether a parentRef, with defaults applied, was accepted, and why not. */
    record ParentOutcome(ParentReference ref, boolean accepted, String reason, String message) {
        static ParentOutcome accepted(ParentReference ref, GatewayState gw) {
            return new ParentOutcome(normalize(ref, gw), true, Reasons.ACCEPTED, "");
        }

        static ParentOutcome rejected(ParentReference ref, GatewayState gw, String reason, String message) {
            return new ParentOutcome(normalize(ref, gw), false, reason, message);
        }

        /** The parentRef with group, kind and namespace written out, as status readers compare them. */
        private static ParentReference normalize(ParentReference ref, GatewayState gw) {
            return new ParentReferenceBuilder()
                    .withGroup(Reasons.GATEWAY_GROUP)
                    .withKind("Gateway")
                    .withNamespace(gw.namespace)
                    .withName(gw.name)
                    .withSectionName(ref.getSectionName())
                    .withPort(ref.getPort())
                    .build();
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
            listeners.add(listener(gw, ls, isProgrammed, gen, old));
        }
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
        Condition programmedCondition;
        if (!"True".equals(acceptedCondition.getStatus())) {
            programmedCondition =
                    Conditions.of(Reasons.PROGRAMMED, false, Reasons.INVALID, "the Gateway is not accepted", gen);
        } else if (gw.addressProblemReason != null) {
            programmedCondition =
                    Conditions.of(Reasons.PROGRAMMED, false, gw.addressProblemReason, gw.addressProblemMessage, gen);
        } else if (gw.address == null) {
            programmedCondition = Conditions.of(
                    Reasons.PROGRAMMED, false, Reasons.ADDRESS_NOT_ASSIGNED, "no address is free for it", gen);
        } else if (programmedCount == 0) {
            programmedCondition =
                    Conditions.of(Reasons.PROGRAMMED, false, Reasons.INVALID, "no listener is programmed", gen);
        } else {
            programmedCondition = Conditions.of(Reasons.PROGRAMMED, true, Reasons.PROGRAMMED, "", gen);
        }
        GatewayStatusBuilder b = new GatewayStatusBuilder()
                .withConditions(Conditions.merge(
                        old == null ? null : old.getConditions(),
                        List.of(acceptedCondition, programmedCondition),
                        GATEWAY_TYPES,
                        now))
                .withListeners(listeners)
                .withAttachedListenerSets(old == null ? null : old.getAttachedListenerSets());
        if (gw.address != null && gw.rejectReason == null) {
            b.withAddresses(new GatewayStatusAddressBuilder()
                    .withType("IPAddress")
                    .withValue(gw.address)
                    .build());
        }
        return b.build();
    }

    private ListenerStatus listener(
            GatewayState gw, ListenerState ls, boolean programmed, long gen, GatewayStatus old) {
        List<Condition> previous = null;
        if (old != null) {
            for (ListenerStatus s : Objects2.list(old.getListeners())) {
                if (ls.name.equals(s.getName())) {
                    previous = s.getConditions();
                }
            }
        }
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
                        : Conditions.of(Reasons.PROGRAMMED, false, Reasons.INVALID, notProgrammedWhy, gen));
        List<io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind> kinds = new ArrayList<>();
        ls.supportedKinds.forEach(k -> kinds.add(new RouteGroupKindBuilder(k).build()));
        return new ListenerStatusBuilder()
                .withName(ls.name)
                .withSupportedKinds(kinds)
                .withAttachedRoutes(ls.attachedRoutes.size())
                .withConditions(Conditions.merge(previous, desired, LISTENER_TYPES, now))
                .build();
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
                    && Objects2.orDefault(r.getNamespace(), route.namespace).equals(ref.getNamespace())
                    && Objects.equals(r.getSectionName(), ref.getSectionName())
                    && Objects.equals(r.getPort(), ref.getPort())) {
                return p.getConditions();
            }
        }
        return null;
    }
}
