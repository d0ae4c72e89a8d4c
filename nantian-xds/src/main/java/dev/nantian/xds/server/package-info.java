/**
 * The xDS control plane: {@link dev.nantian.xds.server.XdsServer} serves IR snapshots to data planes over
 * state-of-the-world ADS (Envoy v3) and keeps a per-client view of what each one has accepted or rejected.
 */
package dev.nantian.xds.server;
