/**
 * Access log settings: {@link dev.nantian.proxy.accesslog.AccessLogSettings} chooses where the proxy writes one line
 * per request, in which format, and which share of requests it logs.
 */
package dev.nantian.proxy.accesslog;
