/**
 * The proxy's Micrometer instrumentation, with meters cached per route, cluster and status. Not API; may change at
 * any time.
 */
package dev.nantian.proxy.metrics.internal;
