package dev.nantian.core.model;

import dev.nantian.core.internal.Checks;

/**
 * A weighted cluster behind a TLS, TCP or UDP route. Connections (or, for UDP, client flows) pick one in proportion
 * to the weights. An unresolved backend reference keeps its weight with {@code cluster} empty: connections that pick
 * it are refused, as Gateway API requires.
 *
 * @param cluster the cluster name, or empty for an invalid reference
 * @param weight relative weight, 0 or more
 */
public record L4Backend(String cluster, int weight) {
    public L4Backend {
        if (cluster == null) {
            throw new NullPointerException("cluster");
        }
        Checks.nonNegative(weight, "weight");
    }

    /** True when the reference could not be resolved. */
    public boolean isInvalid() {
        return cluster.isEmpty();
    }
}
