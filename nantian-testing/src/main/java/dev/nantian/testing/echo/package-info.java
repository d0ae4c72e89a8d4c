/**
 * In-process twin of the Gateway API conformance {@code echo-basic} backend: {@link dev.nantian.testing.echo.EchoServer}
 * answers HTTP/1.1, h2c and TLS (HTTP/1.1 and h2 via ALPN) requests with the JSON description of the request that the
 * upstream conformance suite parses; {@link dev.nantian.testing.echo.GrpcEchoServer} is its gRPC mode (the
 * {@code GrpcEcho} service) and {@link dev.nantian.testing.echo.L4EchoServer} its TCP (plain and TLS) and UDP echo
 * modes.
 */
package dev.nantian.testing.echo;
