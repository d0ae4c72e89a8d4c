/**
 * TLS material of the proxy: PEM parsing, server contexts chosen by SNI with client-certificate validation, and
 * upstream contexts with SAN verification. Built once per config snapshot, off the event loops. Not API; may change at
 * any time.
 */
package dev.nantian.proxy.internal.tls;
