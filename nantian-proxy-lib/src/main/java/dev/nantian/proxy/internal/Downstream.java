package dev.nantian.proxy.internal;

import dev.nantian.core.filter.ConnectionInfo;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpObject;
import java.net.SocketAddress;

/**
 * Where an {@link Exchange} reads its request from and writes its response to: an HTTP/1.1 connection
 * ({@link DownstreamHandler}, which simply passes on to its channel) or one stream of an HTTP/2 connection
 * ({@link Http2DownstreamStream}, which frames what it is given). Both take and give Netty's HTTP/1 objects, so an
 * exchange (and the {@link FilterHost} of a route with extension filters) never knows which it has, beyond the
 * {@code h2} flag it is created with. Every method runs on the connection's event loop.
 */
interface Downstream {
    /**
     * Writes a response head, body chunk or last content without flushing. The downstream owns {@code msg} from here
     * (it is released if it cannot be written); the future completes once it went out, which is what the exchange
     * waits for before it reads more of the response from the upstream.
     */
    ChannelFuture write(HttpObject msg);

    /** {@link #write} and {@link #flush}. */
    ChannelFuture writeAndFlush(HttpObject msg);

    /** Sends what was written. On HTTP/2 this may happen a little later, once for all streams of the connection. */
    void flush();

    /**
     * Gives up on a response that cannot be completed, so the client sees it truncated rather than wrong: HTTP/1.1
     * closes the connection, an HTTP/2 stream is reset ({@code INTERNAL_ERROR}) and the connection lives on.
     */
    void close();

    /**
     * Asks for the next request message (a body chunk or the last content). Nothing more of the request body is
     * delivered, nor on HTTP/2 acknowledged to the client's flow-control window, until this is called again.
     */
    void read();

    /**
     * The exchange is over and its response written (or failed to be). Without {@code keepAlive} the rest of the
     * request is not wanted: HTTP/1.1 closes the connection, an HTTP/2 stream whose request is still open is reset
     * ({@code CANCEL}).
     */
    void exchangeDone(Exchange e, boolean keepAlive);

    /** The exchange turned the connection into a tunnel (HTTP/1.1 WebSocket only). */
    void tunnelled(Exchange e);

    /** True once the connection was asked to close after its current requests. */
    boolean isDraining();

    ByteBufAllocator alloc();

    /** The connection's event loop, where the exchange runs and schedules its timers. */
    EventLoop eventLoop();

    /** The client's address. */
    SocketAddress remoteAddress();

    /** The client's IP address as text (for forwarding headers and hash keys), formatted once per connection. */
    String clientIp();

    /** The connection's channel, which only a WebSocket tunnel (HTTP/1.1) takes over. */
    Channel channel();

    /** The TLS the connection arrived over, or {@code null} for cleartext. */
    DownstreamTls tls();

    /** {@code https} behind terminated TLS, else {@code http}. */
    String scheme();

    /** The connection as extension filters see it, created on first use. */
    ConnectionInfo connectionInfo();
}
