/**
 * The Netty data plane: {@link dev.nantian.proxy.NantianProxy} serves a {@link dev.nantian.core.model.ConfigSnapshot}
 * over HTTP/1.1, h2c, HTTPS (HTTP/2 by ALPN), TLS passthrough and termination, TCP and UDP, routing with the
 * compiled matchers of {@code dev.nantian.core.routing} and forwarding to pooled upstream connections.
 */
package dev.nantian.proxy;
