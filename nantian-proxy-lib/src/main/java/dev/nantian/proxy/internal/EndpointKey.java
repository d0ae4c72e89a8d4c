package dev.nantian.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.model.UpstreamProtocol;

/**
 * What upstream connections are pooled by: two clusters that reach the same address the same way share
 * connections.
 *
 * @param address IP literal or host name
 * @param port the port
 * @param protocol how the endpoint is spoken to
 * @param connectTimeoutMillis connect timeout of new connections
 */
public record EndpointKey(String address, int port, UpstreamProtocol protocol, int connectTimeoutMillis) {
    public EndpointKey {
        requireNonNull(address, "address");
        requireNonNull(protocol, "protocol");
    }

    @Override
    public String toString() {
        return protocol + "://" + (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }
}
