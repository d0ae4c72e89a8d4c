package dev.nantian.proxy.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;

/**
 * The proxy's fixed settings, chosen once by the builder.
 *
 * @param allocator the buffer allocator for every channel
 * @param maxInitialLineLength longest request line; longer gets 414
 * @param maxHeaderSize largest request header block; larger gets 431
 * @param maxRequestBodyBytes largest request body; larger gets 413
 * @param maxBufferedBodyBytes largest body buffered so that it can be retried or mirrored; larger gets 413
 * @param headerReadTimeout how long a client may take to send a request head (408 when it started, else close)
 * @param idleTimeout how long a downstream connection may be idle
 * @param upstreamIdleTimeout how long a pooled upstream connection may be idle before it is closed
 * @param maxIdlePerEndpoint idle upstream connections kept per endpoint and event loop
 * @param mirrorTimeout how long a mirrored request may take before it is abandoned
 * @param drainTimeout how long connections of a closed listener get to finish before they are closed
 */
public record ProxySettings(
        ByteBufAllocator allocator,
        int maxInitialLineLength,
        int maxHeaderSize,
        long maxRequestBodyBytes,
        int maxBufferedBodyBytes,
        Duration headerReadTimeout,
        Duration idleTimeout,
        Duration upstreamIdleTimeout,
        int maxIdlePerEndpoint,
        Duration mirrorTimeout,
        Duration drainTimeout) {
    public ProxySettings {
        requireNonNull(allocator, "allocator");
        requireNonNull(headerReadTimeout, "headerReadTimeout");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(upstreamIdleTimeout, "upstreamIdleTimeout");
        requireNonNull(mirrorTimeout, "mirrorTimeout");
        requireNonNull(drainTimeout, "drainTimeout");
    }
}
