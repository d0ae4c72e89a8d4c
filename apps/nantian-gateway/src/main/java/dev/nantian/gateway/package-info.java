/**
 * The standalone gateway: one process that serves a directory of Gateway API YAML with the Netty proxy, reloading
 * it on change, with an admin API for status. {@link dev.nantian.gateway.GatewayMain} is the command line;
 * {@link dev.nantian.gateway.StandaloneGateway} the embeddable whole.
 */
package dev.nantian.gateway;
