package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * The identity of the route that matched an exchange, as filters see it. Kept to what filters need (logs, metrics,
 * per-route switches via annotations) so that the SPI does not depend on the route model.
 */
public interface RouteInfo {

    /** A route info with the given name and annotations (copied). */
    static RouteInfo of(String name, Map<String, String> annotations) {
        requireNonNull(name, "name");
        Map<String, String> copy = Map.copyOf(requireNonNull(annotations, "annotations"));
        return new RouteInfo() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Map<String, String> annotations() {
                return copy;
            }

            @Override
            public String toString() {
                return "RouteInfo(" + name + ")";
            }
        };
    }

    /** A stable display name, unique within a config snapshot, e.g. {@code default/chat/rule/0}. */
    String name();

    /** The route object's annotations that the data plane reads ({@code gateway.nantian.dev/...}); immutable. */
    Map<String, String> annotations();
}
