package dev.nantian.core.model;

import dev.nantian.core.internal.Checks;
import java.util.List;

/** The routes attached to a listener; the variant must fit the listener's protocol. */
public sealed interface ListenerRoutes {

    /** HTTP and gRPC routes by virtual host, for HTTP and HTTPS listeners. */
    record Http(List<VirtualHost> virtualHosts) implements ListenerRoutes {
        public Http {
            virtualHosts = Checks.list(virtualHosts, "virtualHosts");
        }
    }

    /** TLS routes by SNI, for TLS listeners. */
    record Tls(List<TlsRoute> routes) implements ListenerRoutes {
        public Tls {
            routes = Checks.list(routes, "routes");
        }
    }

    /** TCP routes, for TCP listeners; the first route with usable backends serves the connection. */
    record Tcp(List<TcpRoute> routes) implements ListenerRoutes {
        public Tcp {
            routes = Checks.list(routes, "routes");
        }
    }

    /** UDP routes, for UDP listeners; the first route with usable backends serves the flow. */
    record Udp(List<UdpRoute> routes) implements ListenerRoutes {
        public Udp {
            routes = Checks.list(routes, "routes");
        }
    }
}
