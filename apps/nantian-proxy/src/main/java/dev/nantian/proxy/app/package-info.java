/**
 * The proxy app (data plane): {@link dev.nantian.proxy.app.ProxyMain} is the command line,
 * {@link dev.nantian.proxy.app.DataPlane} the runtime (Netty proxy fed by the xDS client, admin API) and
 * {@link dev.nantian.proxy.app.ProxyConfig} its config file.
 */
package dev.nantian.proxy.app;
