package dev.nantian.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.proxy.internal.tls.UpstreamTlsContext;

/**
 * What upstream connections are pooled by: two clusters that reach the same address the same way share
 * connections.
 *
 * @param address IP literal or host name
 * @param port the port
 * @param protocol how the endpoint is spoken to
 * @param connectTimeoutMillis connect timeout of new connections
 * @param tls TLS to the endpoint, or {@code null} for cleartext; equal settings and secrets give equal keys
 */
public record EndpointKey(
        String address, int port, UpstreamProtocol protocol, int connectTimeoutMillis, UpstreamTlsContext tls) {
    public EndpointKey {
        requireNonNull(address, "address");
        requireNonNull(protocol, "protocol");
    }

    /** A cleartext endpoint. */
    public EndpointKey(String address, int port, UpstreamProtocol protocol, int connectTimeoutMillis) {
        this(address, port, protocol, connectTimeoutMillis, null);
    }

    /** True when requests to this endpoint are HTTP/2 streams (h2c, or h2 over TLS). */
    public boolean http2() {
        return protocol == UpstreamProtocol.H2C || protocol == UpstreamProtocol.H2;
    }

    @Override
    public String toString() {
        return protocol + (tls != null ? "+tls" : "") + "://"
                + (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }
}
