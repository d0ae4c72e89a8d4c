/**
 * The route model (IR): immutable records that describe everything the data plane serves, independent of where it
 * came from (Gateway API objects, xDS resources, code).
 *
 * <p>A {@link dev.nantian.core.model.ConfigSnapshot} holds {@link dev.nantian.core.model.Listener}s, which hold
 * routes ({@link dev.nantian.core.model.VirtualHost}s of {@link dev.nantian.core.model.HttpRoute}s for HTTP and HTTPS;
 * {@link dev.nantian.core.model.TlsRoute}, {@link dev.nantian.core.model.TcpRoute} or
 * {@link dev.nantian.core.model.UdpRoute} for layer 4), and {@link dev.nantian.core.model.Cluster}s that routes name.
 * Records validate themselves on construction; a snapshot additionally checks that every name it references exists.
 * Per-request code never reads these records: the data plane compiles a snapshot into matchers first.
 */
package dev.nantian.core.model;
