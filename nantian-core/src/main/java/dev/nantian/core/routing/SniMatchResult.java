package dev.nantian.core.routing;

import dev.nantian.core.model.Listener;
import dev.nantian.core.model.TlsRoute;

/**
 * What {@link SniRouter#match} found for a TLS connection. Results are created at compile time and shared.
 */
public final class SniMatchResult {

    /** What the proxy does with the connection. */
    public enum Outcome {
        /** The server name picked an HTTPS listener: terminate TLS and route each request with its HTTP router. */
        HTTPS,
        /**
         * The server name picked a TLS listener and one of its routes: pass the stream through or terminate,
         * following the listener's TLS mode, and forward it to the route's backends.
         */
        TLS_ROUTE,
        /** The server name picked a TLS listener, but none of its routes serves the name: refuse. */
        NO_ROUTE,
        /** No listener on the socket accepts the server name: refuse. */
        NO_LISTENER
    }

    private final Outcome outcome;
    private final Listener listener;
    private final TlsRoute route;

    SniMatchResult(Outcome outcome, Listener listener, TlsRoute route) {
        this.outcome = outcome;
        this.listener = listener;
        this.route = route;
    }

    /** What to do with the connection. */
    public Outcome outcome() {
        return outcome;
    }

    /** The listener that handles the connection, or {@code null} for {@link Outcome#NO_LISTENER}. */
    public Listener listener() {
        return listener;
    }

    /** The TLS route for {@link Outcome#TLS_ROUTE}, otherwise {@code null}. */
    public TlsRoute route() {
        return route;
    }

    @Override
    public String toString() {
        return "SniMatchResult[" + outcome + (listener == null ? "" : ", listener=" + listener.name())
                + (route == null
                        ? ""
                        : ", route=" + route.meta().namespace() + "/"
                                + route.meta().name()) + "]";
    }
}
