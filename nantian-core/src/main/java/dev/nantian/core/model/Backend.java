package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.List;

/**
 * One weighted target of a forwarding rule. A request picks a backend with probability proportional to its weight;
 * weight 0 backends are never picked.
 */
public sealed interface Backend {

    /** The relative weight, 0 or more. */
    int weight();

    /**
     * Forwards to a {@link Cluster}.
     *
     * @param cluster the cluster name in the snapshot
     * @param weight relative weight
     * @param filters filters applied only when this backend is picked, after the rule's filters
     */
    record ClusterBackend(String cluster, int weight, List<RouteFilter> filters) implements Backend {
        public ClusterBackend {
            Checks.nonEmpty(cluster, "cluster");
            Checks.nonNegative(weight, "weight");
            filters = Checks.list(filters, "filters");
        }

        /** A backend with weight 1 and no filters. */
        public static ClusterBackend of(String cluster) {
            return new ClusterBackend(cluster, 1, List.of());
        }
    }

    /**
     * A backend reference that could not be resolved (missing Service, not permitted, unknown kind). Requests that
     * pick it get HTTP 500, so the invalid share of weight fails as Gateway API requires while the rest is served.
     *
     * @param weight relative weight
     * @param reason why it is invalid, for logs and status
     */
    record InvalidBackend(int weight, String reason) implements Backend {
        public InvalidBackend {
            Checks.nonNegative(weight, "weight");
            requireNonNull(reason, "reason");
        }
    }

    /**
     * A backend served by an extension rather than a cluster, such as an {@code AIService}: the extension's filter,
     * registered for {@code group/kind}, chooses the real upstream cluster per request.
     *
     * @param group the API group
     * @param kind the kind
     * @param namespace the namespace of the object
     * @param name the name of the object
     * @param weight relative weight
     * @param filters filters applied only when this backend is picked
     */
    record ExtensionBackend(
            String group, String kind, String namespace, String name, int weight, List<RouteFilter> filters)
            implements Backend {
        public ExtensionBackend {
            requireNonNull(group, "group");
            Checks.nonEmpty(kind, "kind");
            requireNonNull(namespace, "namespace");
            Checks.nonEmpty(name, "name");
            Checks.nonNegative(weight, "weight");
            filters = Checks.list(filters, "filters");
        }
    }
}
