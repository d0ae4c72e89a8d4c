/**
 * In-process twin of the Gateway API conformance {@code echo-basic} backend: {@link dev.nantian.testing.echo.EchoServer}
 * answers HTTP/1.1, h2c and TLS (HTTP/1.1 and h2 via ALPN) requests with the JSON description of the request that the
 * upstream conformance suite parses.
 */
package dev.nantian.testing.echo;
