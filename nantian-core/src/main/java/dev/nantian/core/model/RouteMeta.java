package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Where a route entry came from. Besides naming the route in logs and metrics, it carries what Gateway API route
 * precedence needs to break ties: the route's creation time, then {@code namespace/name}, then rule and match order.
 *
 * @param kind the source kind, e.g. {@code HTTPRoute} or {@code GRPCRoute}
 * @param namespace the namespace of the route object
 * @param name the name of the route object
 * @param creationTimestamp when the route object was created
 * @param ruleIndex position of the rule within the route
 * @param ruleName the rule's {@code name}, when it has one
 * @param matchIndex position of the match within the rule
 * @param annotations the route object's annotations that the data plane reads ({@code gateway.nantian.dev/...})
 */
public record RouteMeta(
        String kind,
        String namespace,
        String name,
        Instant creationTimestamp,
        int ruleIndex,
        Optional<String> ruleName,
        int matchIndex,
        Map<String, String> annotations) {
    public RouteMeta {
        Checks.nonEmpty(kind, "kind");
        requireNonNull(namespace, "namespace");
        Checks.nonEmpty(name, "name");
        requireNonNull(creationTimestamp, "creationTimestamp");
        Checks.nonNegative(ruleIndex, "ruleIndex");
        requireNonNull(ruleName, "ruleName");
        Checks.nonNegative(matchIndex, "matchIndex");
        annotations = Checks.map(annotations, "annotations");
    }

    /** A meta for routes built in code: kind {@code HTTPRoute}, epoch creation time, rule and match 0. */
    public static RouteMeta of(String namespace, String name) {
        return new RouteMeta("HTTPRoute", namespace, name, Instant.EPOCH, 0, Optional.empty(), 0, Map.of());
    }

    /** This meta for another rule and match of the same route. */
    public RouteMeta withRule(int ruleIndex, Optional<String> ruleName, int matchIndex) {
        return new RouteMeta(kind, namespace, name, creationTimestamp, ruleIndex, ruleName, matchIndex, annotations);
    }

    /** A stable display name, {@code namespace/name/rule/N} or {@code namespace/name/rule-name}. */
    public String displayName() {
        return namespace + "/" + name + "/" + ruleName.orElse("rule/" + ruleIndex);
    }
}
