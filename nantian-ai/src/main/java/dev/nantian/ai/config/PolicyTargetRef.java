package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

/**
 * What a TokenPolicy applies to ({@code {group: gateway.networking.k8s.io, kind: HTTPRoute, name: ai}} or an
 * AIService); the translator uses it to place the policy's filter in front of the target's routes.
 *
 * @param group the API group
 * @param kind the kind
 * @param name the name, in the policy's namespace
 */
public record PolicyTargetRef(String group, String kind, String name) {
    public PolicyTargetRef {
        requireNonNull(group, "group");
        requireNonNull(kind, "kind");
        requireNonNull(name, "name");
    }
}
