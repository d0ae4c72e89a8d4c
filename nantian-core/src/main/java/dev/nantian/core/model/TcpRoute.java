package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.List;

/**
 * Forwards every TCP connection of a listener to one of the weighted clusters (Gateway API TCPRoute).
 *
 * @param meta where the route came from
 * @param backends weighted clusters
 */
public record TcpRoute(RouteMeta meta, List<L4Backend> backends) {
    public TcpRoute {
        requireNonNull(meta, "meta");
        backends = Checks.list(backends, "backends");
    }
}
