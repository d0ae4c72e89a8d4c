/**
 * The Netty data plane: {@link dev.nantian.proxy.NantianProxy} serves a {@link dev.nantian.core.model.ConfigSnapshot}
 * over HTTP/1.1 and h2c, routing with the compiled matcher of {@code dev.nantian.core.routing} and forwarding to
 * pooled upstream connections.
 */
package dev.nantian.proxy;
