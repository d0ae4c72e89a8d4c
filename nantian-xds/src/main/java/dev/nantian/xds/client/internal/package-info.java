/**
 * Reconnect backoff and the resource-set bookkeeping behind {@link dev.nantian.xds.client.XdsClient}. Internal: may
 * change at any time.
 */
package dev.nantian.xds.client.internal;
