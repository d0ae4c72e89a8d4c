package dev.nantian.testing.conformance.internal;

import static dev.nantian.testing.conformance.internal.Json.nodes;
import static dev.nantian.testing.conformance.internal.Json.strings;
import static dev.nantian.testing.conformance.internal.Json.text;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Judges the checks of {@code status.json} against a {@link StatusSnapshot}, per its {@code semantics}. Pure and
 * thread-safe.
 */
public final class StatusJudge {

    private static final String GROUP = "gateway.networking.k8s.io";
    private static final String CONTROLLER_PLACEHOLDER = "<controller-under-test>";
    private static final List<Condition> LISTENER_READY = List.of(
            new Condition("ResolvedRefs", "True", ""),
            new Condition("Accepted", "True", ""),
            new Condition("Programmed", "True", ""));

    private final String controllerName;

    /** @param controllerName what {@code <controller-under-test>} stands for */
    public StatusJudge(String controllerName) {
        this.controllerName = requireNonNull(controllerName, "controllerName");
    }

    /** An expected condition; empty status or reason match anything. */
    record Condition(String type, String status, String reason) {
        static Condition parse(JsonNode node) {
            return new Condition(text(node, "type", ""), text(node, "status", ""), text(node, "reason", ""));
        }

        boolean matches(JsonNode actual) {
            return type.equals(text(actual, "type", ""))
                    && (status.isEmpty() || status.equals(text(actual, "status", "")))
                    && (reason.isEmpty() || reason.equals(text(actual, "reason", "")));
        }

        @Override
        public String toString() {
            return type + "=" + (status.isEmpty() ? "*" : status) + (reason.isEmpty() ? "" : "/" + reason);
        }
    }

    /** Returns null when {@code check} holds in {@code status}, else why not. */
    public String judge(JsonNode check, StatusSnapshot status) {
        String name = text(check, "check", "");
        JsonNode resource = check.path("resource");
        String kind = text(resource, "kind", "");
        String namespace = text(resource, "namespace", "");
        JsonNode nameNode = resource.path("name");
        String objectName = nameNode.isObject() ? text(nameNode, "Name", "") : nameNode.asString("");
        StatusSnapshot.Resource object = status.find(kind, namespace, objectName);
        if (object == null) {
            return kind + " " + ref(namespace, objectName) + " has no status";
        }
        JsonNode st = object.status();
        if (name.startsWith("GatewayAnd") && name.endsWith("MustBeAccepted")) {
            return gatewayAndRoutesAccepted(check, name, object, status);
        }
        if (name.matches("(HTTP|TLS|TCP|UDP|GRPC)Route.*")) {
            return route(check, name, object);
        }
        switch (name) {
            case "WaitForGatewayAddress":
                return hasAddress(st) ? null : "Gateway " + ref(namespace, objectName) + " has no typed address";
            case "GatewayMustHaveLatestConditions":
            case "GatewayClassMustHaveLatestConditions":
                return latest(kind + " " + objectName, nodes(st, "conditions"), object.generation(), true);
            case "GWCMustHaveAcceptedConditionAny":
                return present(kind + " " + objectName, nodes(st, "conditions"), new Condition("Accepted", "", ""));
            case "GatewayMustHaveCondition":
            case "ListenerSetMustHaveCondition":
                return present(
                        kind + " " + objectName, nodes(st, "conditions"), Condition.parse(check.path("condition")));
            case "GatewayListenerMustHaveConditions":
            case "GatewayListenersMustHaveConditions":
            case "ListenerSetListenersMustHaveConditions":
                return listenerConditions(check, st);
            case "GatewayStatusMustHaveListeners":
            case "ListenerSetStatusMustHaveListeners":
                return listenersStatus(check, st);
            case "GatewayMustHaveZeroRoutes": {
                List<JsonNode> listeners = nodes(st, "listeners");
                if (listeners.isEmpty()
                        || listeners.size() == 1
                                && listeners.get(0).path("attachedRoutes").asInt(-1) == 0) {
                    return null;
                }
                return "Gateway " + objectName + " listeners " + st.path("listeners") + ", want zero routes attached";
            }
            case "GatewayMustHaveAttachedListeners": {
                int want = check.path("attachedListenerSets").asInt(0);
                int actual = st.path("attachedListenerSets").asInt(0);
                return want == actual ? null : "attachedListenerSets " + actual + ", want " + want;
            }
            case "RoutesAndParentMustBeAccepted":
                return routesAndParent(check, object, status);
            default:
                if (name.startsWith("BackendTLSPolicyMustHave")) {
                    return policy(check, object);
                }
                return "check " + name + " is not implemented by the runner";
        }
    }

    private String gatewayAndRoutesAccepted(
            JsonNode check, String name, StatusSnapshot.Resource gateway, StatusSnapshot status) {
        JsonNode st = gateway.status();
        if (!hasAddress(st)) {
            return "Gateway " + gateway.name() + " has no typed address";
        }
        String latest = latest("Gateway " + gateway.name(), nodes(st, "conditions"), gateway.generation(), false);
        if (latest != null) {
            return latest;
        }
        for (JsonNode listener : nodes(st, "listeners")) {
            for (Condition want : LISTENER_READY) {
                String missing = present("listener " + text(listener, "name"), nodes(listener, "conditions"), want);
                if (missing != null) {
                    return missing;
                }
            }
        }
        String defaultKind = name.substring("GatewayAnd".length(), name.length() - "sMustBeAccepted".length());
        List<String> sections = strings(check.path("resource"), "listeners");
        for (JsonNode route : nodes(check, "routes")) {
            String kind = text(route, "kind", defaultKind.isEmpty() ? "HTTPRoute" : defaultKind);
            StatusSnapshot.Resource r = status.find(kind, text(route, "namespace", ""), text(route, "name", ""));
            if (r == null) {
                return kind + " " + ref(text(route, "namespace", ""), text(route, "name", "")) + " has no status";
            }
            if (!hasAcceptedParent(r, "Gateway", gateway.namespace(), gateway.name())) {
                return kind + " " + r.name() + " is not Accepted by Gateway " + gateway.name()
                        + (sections.isEmpty() ? "" : " listeners " + sections) + " (parents: "
                        + r.status().path("parents") + ")";
            }
        }
        return null;
    }

    private boolean hasAcceptedParent(StatusSnapshot.Resource route, String parentKind, String namespace, String name) {
        Condition accepted = new Condition("Accepted", "True", "Accepted");
        for (JsonNode parent : nodes(route.status(), "parents")) {
            JsonNode ref = parent.path("parentRef");
            if (!name.equals(text(ref, "name"))
                    || !parentKind.equals(text(ref, "kind", "Gateway"))
                    || !(text(ref, "namespace") == null || namespace.equals(text(ref, "namespace")))
                    || !controllerName.equals(text(parent, "controllerName"))) {
                // sectionName and port are not compared, as upstream's parent matching does not: a route that
                // attaches by port is accepted by the listener on that port without naming it.
                continue;
            }
            if (nodes(parent, "conditions").stream().anyMatch(accepted::matches)) {
                return true;
            }
        }
        return false;
    }

    private String route(JsonNode check, String name, StatusSnapshot.Resource route) {
        String what = route.kind() + " " + route.name();
        List<JsonNode> parents = nodes(route.status(), "parents");
        if (name.endsWith("MustHaveNoAcceptedParents")) {
            if (parents.isEmpty()) {
                return null;
            }
            if (parents.size() == 1
                    && nodes(parents.get(0), "conditions").stream()
                            .anyMatch(new Condition("Accepted", "False", "")::matches)) {
                return null;
            }
            return what + " parents " + route.status().path("parents") + ", want none accepted";
        }
        List<JsonNode> allConditions = new ArrayList<>();
        parents.forEach(p -> allConditions.addAll(nodes(p, "conditions")));
        if (name.endsWith("MustHaveLatestConditions")) {
            return latest(what, allConditions, route.generation(), true);
        }
        if (name.endsWith("MustHaveParents")) {
            return routeParents(check, what, parents);
        }
        // MustHaveCondition, MustHaveResolvedRefsConditionsTrue
        String latest = latest(what, allConditions, route.generation(), false);
        if (latest != null) {
            return latest;
        }
        Condition want = Condition.parse(check.path("condition"));
        String parentName = text(check.path("parent"), "name", "");
        String parentNamespace = text(check.path("parent"), "namespace", "");
        for (JsonNode parent : parents) {
            JsonNode ref = parent.path("parentRef");
            String ns = text(ref, "namespace");
            if (parentName.equals(text(ref, "name"))
                    && (ns == null || ns.equals(parentNamespace))
                    && nodes(parent, "conditions").stream().anyMatch(want::matches)) {
                return null;
            }
        }
        return what + " has no parent " + parentName + " with " + want + " (parents: "
                + route.status().path("parents") + ")";
    }

    private String routeParents(JsonNode check, String what, List<JsonNode> actual) {
        boolean namespaceRequired = check.path("namespaceRequired").asBoolean(false);
        for (JsonNode want : nodes(check, "parents")) {
            JsonNode wantRef = want.path("parentRef");
            String wantController = text(want, "controllerName");
            if (CONTROLLER_PLACEHOLDER.equals(wantController)) {
                wantController = controllerName;
            }
            boolean found = false;
            for (JsonNode parent : actual) {
                JsonNode ref = parent.path("parentRef");
                if (wantController != null && !wantController.equals(text(parent, "controllerName"))
                        || !optionalEquals(text(wantRef, "group"), text(ref, "group"))
                        || !optionalEquals(text(wantRef, "kind"), text(ref, "kind"))
                        || text(wantRef, "name") != null
                                && !text(wantRef, "name").equals(text(ref, "name"))) {
                    continue;
                }
                String ns = text(ref, "namespace");
                if ((namespaceRequired || ns != null)
                        && text(wantRef, "namespace") != null
                        && !text(wantRef, "namespace").equals(ns)) {
                    continue;
                }
                boolean conditions = true;
                for (JsonNode c : nodes(want, "conditions")) {
                    Condition cond = Condition.parse(c);
                    conditions &= nodes(parent, "conditions").stream().anyMatch(cond::matches);
                }
                if (conditions) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return what + " lacks parent " + want + " (parents: " + actual + ")";
            }
        }
        return null;
    }

    /** Optional values: where the expectation names one, the actual value must be present and equal. */
    private static boolean optionalEquals(String want, String actual) {
        return want == null || want.equals(actual);
    }

    private String policy(JsonNode check, StatusSnapshot.Resource policy) {
        Condition want = check.has("condition")
                ? Condition.parse(check.path("condition"))
                : new Condition("Accepted", "True", "Accepted");
        String parentName = text(check.path("parent"), "name", "");
        String parentNamespace = text(check.path("parent"), "namespace", "");
        for (JsonNode ancestor : nodes(policy.status(), "ancestors")) {
            JsonNode ref = ancestor.path("ancestorRef");
            String ns = text(ref, "namespace");
            if (parentName.equals(text(ref, "name"))
                    && (ns == null || ns.equals(parentNamespace))
                    && nodes(ancestor, "conditions").stream().anyMatch(want::matches)) {
                return null;
            }
        }
        return "BackendTLSPolicy " + policy.name() + " has no ancestor " + parentName + " with " + want
                + " (ancestors: " + policy.status().path("ancestors") + ")";
    }

    private String listenerConditions(JsonNode check, JsonNode st) {
        List<Condition> wants = new ArrayList<>();
        nodes(check, "listenerConditions").forEach(c -> wants.add(Condition.parse(c)));
        for (String listenerName : strings(check, "listeners")) {
            JsonNode listener = listener(st, listenerName);
            if (listener == null) {
                return "no status for listener " + listenerName;
            }
            for (Condition want : wants) {
                String missing = present("listener " + listenerName, nodes(listener, "conditions"), want);
                if (missing != null) {
                    return missing;
                }
            }
        }
        return null;
    }

    private String listenersStatus(JsonNode check, JsonNode st) {
        List<JsonNode> want = nodes(check, "listenersStatus");
        List<JsonNode> actual = nodes(st, "listeners");
        if (want.size() != actual.size()) {
            return actual.size() + " listener statuses, want " + want.size();
        }
        for (JsonNode w : want) {
            String listenerName = text(w, "name", "");
            JsonNode a = listener(st, listenerName);
            if (a == null) {
                return "no status for listener " + listenerName;
            }
            List<JsonNode> wantKinds = nodes(w, "supportedKinds");
            List<JsonNode> actualKinds = nodes(a, "supportedKinds");
            if (wantKinds.isEmpty() && !actualKinds.isEmpty()) {
                return "listener " + listenerName + " supportedKinds " + a.path("supportedKinds") + ", want none";
            }
            for (JsonNode k : wantKinds) {
                String group = text(k, "group", GROUP);
                boolean found = actualKinds.stream()
                        .anyMatch(ak -> text(ak, "kind", "").equals(text(k, "kind"))
                                && text(ak, "group", GROUP).equals(group));
                if (!found) {
                    return "listener " + listenerName + " lacks supported kind " + text(k, "kind");
                }
            }
            int attached = a.path("attachedRoutes").asInt(-1);
            if (attached != w.path("attachedRoutes").asInt(0)) {
                return "listener " + listenerName + " attachedRoutes " + attached + ", want "
                        + w.path("attachedRoutes").asInt(0);
            }
            for (JsonNode c : nodes(w, "conditions")) {
                String missing = present("listener " + listenerName, nodes(a, "conditions"), Condition.parse(c));
                if (missing != null) {
                    return missing;
                }
            }
        }
        return null;
    }

    private String routesAndParent(JsonNode check, StatusSnapshot.Resource parent, StatusSnapshot status) {
        String routeKind = text(check, "routeType", "HTTPRoute");
        for (JsonNode route : nodes(check, "routes")) {
            StatusSnapshot.Resource r = status.find(routeKind, text(route, "namespace", ""), text(route, "name", ""));
            if (r == null) {
                return routeKind + " " + text(route, "name") + " has no status";
            }
            if (!hasAcceptedParent(r, parent.kind(), parent.namespace(), parent.name())) {
                return routeKind + " " + r.name() + " is not Accepted by " + parent.kind() + " " + parent.name()
                        + " (parents: " + r.status().path("parents") + ")";
            }
        }
        for (JsonNode listener : nodes(parent.status(), "listeners")) {
            for (Condition want : LISTENER_READY) {
                String missing = present("listener " + text(listener, "name"), nodes(listener, "conditions"), want);
                if (missing != null) {
                    return missing;
                }
            }
        }
        return null;
    }

    private static JsonNode listener(JsonNode st, String name) {
        for (JsonNode l : nodes(st, "listeners")) {
            if (name.equals(text(l, "name"))) {
                return l;
            }
        }
        return null;
    }

    private static boolean hasAddress(JsonNode st) {
        return nodes(st, "addresses").stream().anyMatch(a -> text(a, "type") != null && text(a, "value") != null);
    }

    private static String present(String what, List<JsonNode> conditions, Condition want) {
        if (conditions.stream().anyMatch(want::matches)) {
            return null;
        }
        return what + " lacks condition " + want + " (has " + summary(conditions) + ")";
    }

    private static String latest(String what, List<JsonNode> conditions, long generation, boolean requireSome) {
        if (requireSome && conditions.isEmpty()) {
            return what + " has no conditions";
        }
        for (JsonNode c : conditions) {
            long observed = c.path("observedGeneration").asLong(-1);
            if (observed != generation) {
                return what + " condition " + text(c, "type") + " has observedGeneration " + observed + ", want "
                        + generation;
            }
        }
        return null;
    }

    private static String summary(List<JsonNode> conditions) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : conditions) {
            out.add(text(c, "type") + "=" + text(c, "status") + "/" + text(c, "reason"));
        }
        return out.toString();
    }

    private static String ref(String namespace, String name) {
        return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
    }
}
