package dev.nantian.core.routing;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.model.Listener;
import dev.nantian.core.model.TcpRoute;
import dev.nantian.core.model.UdpRoute;
import java.util.Optional;

/**
 * What serves one {@link Binding}, and so what kind of socket to open: cleartext HTTP, TLS dispatched by SNI, raw TCP
 * or UDP. Use {@code instanceof} to tell the variants apart.
 */
public sealed interface PortRouter {

    /** The socket served. */
    Binding binding();

    /**
     * A cleartext HTTP/1.1 and h2c socket.
     *
     * @param binding the socket
     * @param router routes each request
     */
    record Http(Binding binding, HttpRouter router) implements PortRouter {
        public Http {
            requireNonNull(binding, "binding");
            requireNonNull(router, "router");
        }
    }

    /**
     * A TLS socket: the ClientHello's SNI picks an HTTPS or TLS listener with {@link #sni()}; connections that land
     * on an HTTPS listener are terminated and their requests routed with {@link #https()}.
     *
     * @param binding the socket
     * @param sni routes each connection by server name
     * @param https routes requests of terminated HTTPS connections; empty when the socket has no HTTPS listener
     */
    record Tls(Binding binding, SniRouter sni, Optional<HttpRouter> https) implements PortRouter {
        public Tls {
            requireNonNull(binding, "binding");
            requireNonNull(sni, "sni");
            requireNonNull(https, "https");
        }
    }

    /**
     * A plain TCP socket.
     *
     * @param binding the socket
     * @param listener the listener
     * @param route the listener's first route with a backend of non-zero weight; empty means refuse connections
     */
    record Tcp(Binding binding, Listener listener, Optional<TcpRoute> route) implements PortRouter {
        public Tcp {
            requireNonNull(binding, "binding");
            requireNonNull(listener, "listener");
            requireNonNull(route, "route");
        }
    }

    /**
     * A UDP socket.
     *
     * @param binding the socket
     * @param listener the listener
     * @param route the listener's first route with a backend of non-zero weight; empty means drop datagrams
     */
    record Udp(Binding binding, Listener listener, Optional<UdpRoute> route) implements PortRouter {
        public Udp {
            requireNonNull(binding, "binding");
            requireNonNull(listener, "listener");
            requireNonNull(route, "route");
        }
    }
}
