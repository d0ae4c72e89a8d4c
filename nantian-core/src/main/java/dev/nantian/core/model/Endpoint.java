package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.Optional;

/**
 * One upstream address of a cluster.
 *
 * @param address an IP literal or a DNS name (resolved by the data plane, e.g. for {@code ExternalName} Services)
 * @param port the port
 * @param weight relative load-balancing weight, at least 1
 * @param zone the topology zone, when known
 * @param hostname the endpoint's own name (pod name), for logs; may be empty
 */
public record Endpoint(String address, int port, int weight, Optional<String> zone, String hostname) {
    public Endpoint {
        Checks.nonEmpty(address, "endpoint address");
        Checks.port(port, "endpoint port");
        Checks.positive(weight, "endpoint weight");
        requireNonNull(zone, "zone");
        requireNonNull(hostname, "hostname");
    }

    /** An endpoint of weight 1 with no zone or name. */
    public static Endpoint of(String address, int port) {
        return new Endpoint(address, port, 1, Optional.empty(), "");
    }

    /** {@code address:port}, bracketing IPv6 literals. */
    public String authority() {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }
}
