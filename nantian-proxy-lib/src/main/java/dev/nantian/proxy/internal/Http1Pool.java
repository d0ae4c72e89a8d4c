package dev.nantian.proxy.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;

/**
 * HTTP/1.1 keep-alive connections to one endpoint from one event loop; last in, first out to keep few warm. Over TLS
 * when the endpoint has it: a connection is handed out only after its handshake succeeded.
 */
final class Http1Pool implements EndpointPool {
    static final String CODEC = "http-client-codec";
    static final String IDLE = "upstream-idle";
    static final String HANDLER = "upstream";
    static final String TLS = "upstream-tls";

    private final EventLoop loop;
    private final EndpointKey key;
    private final Transport transport;
    private final ProxySettings settings;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private boolean closed;

    Http1Pool(EventLoop loop, EndpointKey key, Transport transport, ProxySettings settings) {
        this.loop = loop;
        this.key = key;
        this.transport = transport;
        this.settings = settings;
    }

    @Override
    public Future<Channel> acquire() {
        Channel ch;
        while ((ch = idle.pollLast()) != null) {
            if (ch.isActive()) {
                return loop.newSucceededFuture(ch);
            }
        }
        return connectNew();
    }

    @Override
    public Future<Channel> connectNew() {
        Promise<Channel> promise = loop.newPromise();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, settings.allocator())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, key.connectTimeoutMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (key.tls() != null) {
                            ch.pipeline().addLast(TLS, key.tls().newHandler(ch.alloc(), key.port()));
                        }
                        ch.pipeline()
                                .addLast(
                                        IDLE,
                                        // Reads only: a pooled connection keeps a read pending, and one in use
                                        // ignores the timeout (timing writes adds a listener to each of them).
                                        new IdleStateHandler(
                                                settings.upstreamIdleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                                .addLast(
                                        CODEC,
                                        new HttpClientCodec(
                                                settings.maxInitialLineLength(),
                                                Math.max(settings.maxHeaderSize(), 65536),
                                                65536))
                                .addLast(HANDLER, new UpstreamHandler());
                    }
                });
        b.connect(key.address(), key.port()).addListener(f -> {
            Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            ch.closeFuture().addListener(c -> idle.remove(ch));
            if (key.tls() == null) {
                promise.trySuccess(ch);
            } else {
                // A handshake failure (untrusted certificate, wrong SAN) is a connect failure, not a reset.
                completeAfterHandshake(ch, null, promise);
            }
        });
        return promise;
    }

    /**
     * Completes {@code promise} with {@code ch} once its TLS handshake succeeded and, when {@code alpn} is given,
     * negotiated that protocol; otherwise closes the channel and fails the promise.
     */
    static void completeAfterHandshake(Channel ch, String alpn, Promise<Channel> promise) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        // Connections start with AUTO_READ off: the handshake needs reads.
        ch.read();
        ssl.handshakeFuture().addListener(h -> {
            if (!h.isSuccess()) {
                ch.close();
                promise.tryFailure(h.cause());
            } else if (alpn != null && !alpn.equals(ssl.applicationProtocol())) {
                ch.close();
                promise.tryFailure(new SSLHandshakeException(
                        "backend negotiated " + ssl.applicationProtocol() + " instead of " + alpn));
            } else {
                promise.trySuccess(ch);
            }
        });
    }

    @Override
    public void release(Channel channel, boolean reusable) {
        UpstreamHandler h = channel.pipeline().get(UpstreamHandler.class);
        if (h != null) {
            h.detach();
        }
        if (!reusable || closed || h == null || !channel.isActive() || idle.size() >= settings.maxIdlePerEndpoint()) {
            channel.close();
            return;
        }
        idle.addLast(channel);
        // Keep a read pending while idle, so that the peer closing the connection is noticed now rather than when
        // the next request is written to a dead socket.
        channel.read();
    }

    @Override
    public void close() {
        closed = true;
        Channel ch;
        while ((ch = idle.poll()) != null) {
            ch.close();
        }
    }

    @Override
    public String toString() {
        return "Http1Pool[" + key + ", idle=" + idle.size() + "]";
    }
}
