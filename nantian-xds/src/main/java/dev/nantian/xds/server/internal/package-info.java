/**
 * The ADS stream state machine and encoded-snapshot store behind {@link dev.nantian.xds.server.XdsServer}.
 * Internal: may change at any time.
 */
package dev.nantian.xds.server.internal;
