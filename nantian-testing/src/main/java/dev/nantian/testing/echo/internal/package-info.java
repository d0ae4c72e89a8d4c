/**
 * Implementation of the echo backend (Netty pipelines, the upstream-compatible request router and JSON encoding).
 * Internal: these types may change at any time; use {@link dev.nantian.testing.echo.EchoServer}.
 */
package dev.nantian.testing.echo.internal;
