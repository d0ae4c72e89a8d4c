/**
 * The access log's format compiler, sampler and background writer. Not API; may change at any time.
 */
package dev.nantian.proxy.accesslog.internal;
