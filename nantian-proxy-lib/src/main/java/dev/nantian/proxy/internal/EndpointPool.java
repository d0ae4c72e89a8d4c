package dev.nantian.proxy.internal;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

/**
 * Connections to one endpoint from one event loop. Every method must be called on that event loop, which is what
 * makes the pool lock-free.
 */
interface EndpointPool {

    /** A connection (or HTTP/2 stream) ready for one request, pooled when possible. */
    Future<Channel> acquire();

    /** A new HTTP/1.1 connection that is never shared, for upgrades such as WebSocket. */
    Future<Channel> connectNew();

    /**
     * Gives a channel back after its request.
     *
     * @param reusable false when the connection must not carry another request
     */
    void release(Channel channel, boolean reusable);

    /** Closes idle connections; busy ones close when released. */
    void close();
}
