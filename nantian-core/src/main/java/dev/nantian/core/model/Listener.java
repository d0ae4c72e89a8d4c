package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.Optional;

/**
 * A Gateway listener, resolved: where it binds, what it speaks, and the routes already admitted to it (allowed
 * namespaces and kinds, hostname intersection and parent references are the translator's job, not the data
 * plane's).
 *
 * <p>Several listeners may share an address and port when they differ by hostname (Gateway API listener
 * isolation): the data plane binds once and sends each request to the listener with the most specific matching
 * hostname, so a route on {@code *.example.com} never sees requests for a more specific listener's host.
 *
 * @param name unique in the snapshot, by convention {@code namespace/gateway/listener}
 * @param gateway the owning Gateway as {@code namespace/name}, for logs and metrics; may be empty
 * @param address the bind address (IP literal, or {@code 0.0.0.0})
 * @param port the bind port
 * @param protocol what the listener accepts
 * @param hostname the listener's hostname (exact or {@code *.} wildcard); empty matches any host
 * @param tls TLS settings, present exactly for HTTPS and TLS listeners
 * @param routes the routes; the variant must fit {@code protocol}
 */
public record Listener(
        String name,
        String gateway,
        String address,
        int port,
        ListenerProtocol protocol,
        Optional<String> hostname,
        Optional<ListenerTls> tls,
        ListenerRoutes routes) {
    public Listener {
        Checks.nonEmpty(name, "listener name");
        requireNonNull(gateway, "gateway");
        Checks.nonEmpty(address, "listener " + name + " address");
        Checks.port(port, "listener " + name + " port");
        requireNonNull(protocol, "protocol");
        requireNonNull(hostname, "hostname");
        hostname.ifPresent(h -> Checks.hostname(h, "listener " + name + " hostname"));
        requireNonNull(tls, "tls");
        requireNonNull(routes, "routes");
        String problem = checkProtocol(protocol, hostname, tls, routes);
        if (problem != null) {
            throw new IllegalArgumentException("listener " + name + ": " + problem);
        }
    }

    private static String checkProtocol(
            ListenerProtocol protocol, Optional<String> hostname, Optional<ListenerTls> tls, ListenerRoutes routes) {
        switch (protocol) {
            case HTTP:
                if (tls.isPresent()) {
                    return "HTTP listeners take no TLS settings";
                }
                return routes instanceof ListenerRoutes.Http ? null : "HTTP listeners take HTTP routes";
            case HTTPS:
                if (tls.isEmpty() || tls.get().mode() != ListenerTls.Mode.TERMINATE) {
                    return "HTTPS listeners need TLS settings in Terminate mode";
                }
                return routes instanceof ListenerRoutes.Http ? null : "HTTPS listeners take HTTP routes";
            case TLS:
                if (tls.isEmpty()) {
                    return "TLS listeners need TLS settings";
                }
                return routes instanceof ListenerRoutes.Tls ? null : "TLS listeners take TLS routes";
            case TCP:
                if (tls.isPresent() || hostname.isPresent()) {
                    return "TCP listeners take no TLS settings or hostname";
                }
                return routes instanceof ListenerRoutes.Tcp ? null : "TCP listeners take TCP routes";
            case UDP:
                if (tls.isPresent() || hostname.isPresent()) {
                    return "UDP listeners take no TLS settings or hostname";
                }
                return routes instanceof ListenerRoutes.Udp ? null : "UDP listeners take UDP routes";
            default:
                throw new AssertionError(protocol);
        }
    }

    /** Starts a builder; {@code routes} must fit {@code protocol}. */
    public static Builder builder(String name, int port, ListenerProtocol protocol, ListenerRoutes routes) {
        return new Builder(name, port, protocol, routes);
    }

    /** Builds {@link Listener}s; the address defaults to {@code 0.0.0.0}. */
    public static final class Builder {
        private final String name;
        private final int port;
        private final ListenerProtocol protocol;
        private final ListenerRoutes routes;
        private String gateway = "";
        private String address = "0.0.0.0";
        private String hostname;
        private ListenerTls tls;

        private Builder(String name, int port, ListenerProtocol protocol, ListenerRoutes routes) {
            this.name = requireNonNull(name, "name");
            this.port = port;
            this.protocol = requireNonNull(protocol, "protocol");
            this.routes = requireNonNull(routes, "routes");
        }

        public Builder gateway(String gateway) {
            this.gateway = requireNonNull(gateway, "gateway");
            return this;
        }

        public Builder address(String address) {
            this.address = requireNonNull(address, "address");
            return this;
        }

        public Builder hostname(String hostname) {
            this.hostname = requireNonNull(hostname, "hostname");
            return this;
        }

        public Builder tls(ListenerTls tls) {
            this.tls = requireNonNull(tls, "tls");
            return this;
        }

        public Listener build() {
            return new Listener(
                    name,
                    gateway,
                    address,
                    port,
                    protocol,
                    Optional.ofNullable(hostname),
                    Optional.ofNullable(tls),
                    routes);
        }
    }
}
