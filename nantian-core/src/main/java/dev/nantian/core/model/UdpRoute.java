package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.List;

/**
 * Forwards UDP datagrams of a listener to one of the weighted clusters (Gateway API UDPRoute); datagrams from one
 * client address and port stay on the endpoint first chosen for them while the flow is active.
 *
 * @param meta where the route came from
 * @param backends weighted clusters
 */
public record UdpRoute(RouteMeta meta, List<L4Backend> backends) {
    public UdpRoute {
        requireNonNull(meta, "meta");
        backends = Checks.list(backends, "backends");
    }
}
