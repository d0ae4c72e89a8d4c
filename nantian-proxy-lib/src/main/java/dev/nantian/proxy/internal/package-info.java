/**
 * Implementation of the proxy: listeners, the per-request exchange, upstream pools and the header, path and CORS
 * rules of Gateway API. Not API; may change at any time.
 */
package dev.nantian.proxy.internal;
