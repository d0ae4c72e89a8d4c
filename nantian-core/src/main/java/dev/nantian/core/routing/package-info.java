/**
 * Compiled matchers: a {@link dev.nantian.core.model.ConfigSnapshot} is compiled once into a
 * {@link dev.nantian.core.routing.RouterTable} of per-socket routers that pick a listener, virtual host and route per
 * request (or, for TLS, per connection) without walking the model records.
 */
package dev.nantian.core.routing;
