package dev.nantian.proxy.internal;

import static java.util.Objects.requireNonNull;

/**
 * What a terminated TLS connection carries into its requests: the listener that the ClientHello's SNI chose (a
 * request whose {@code Host} belongs to another listener gets 421) and the server name itself.
 *
 * @param listenerName the HTTPS listener chosen by SNI
 * @param serverName the SNI name, or {@code null} when the client sent none
 */
record DownstreamTls(String listenerName, String serverName) {
    DownstreamTls {
        requireNonNull(listenerName, "listenerName");
    }
}
