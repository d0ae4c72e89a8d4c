package dev.nantian.proxy.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection to an endpoint per event loop, cleartext with prior knowledge (h2c) or over TLS with ALPN
 * {@code h2}; each request is a stream on it,
 * seen through the same HTTP/1 objects as an HTTP/1.1 connection so that the exchange does not care which it got.
 */
final class H2cPool implements EndpointPool {
    private final EventLoop loop;
    private final EndpointKey key;
    private final Transport transport;
    private final ProxySettings settings;
    private final Http1Pool upgrades;
    private Channel connection;
    private Future<Channel> connecting;
    private boolean closed;

    H2cPool(EventLoop loop, EndpointKey key, Transport transport, ProxySettings settings) {
        this.loop = loop;
        this.key = key;
        this.transport = transport;
        this.settings = settings;
        this.upgrades = new Http1Pool(loop, key, transport, settings);
    }

    @Override
    public Future<Channel> acquire() {
        Promise<Channel> promise = loop.newPromise();
        if (connection != null && connection.isActive()) {
            openStream(connection, promise);
            return promise;
        }
        if (connecting == null) {
            connecting = connect();
        }
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                openStream((Channel) f.getNow(), promise);
            } else {
                promise.tryFailure(f.cause());
            }
        });
        return promise;
    }

    private Future<Channel> connect() {
        Promise<Channel> promise = loop.newPromise();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, settings.allocator())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, key.connectTimeoutMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings()
                                        .pushEnabled(false)
                                        .maxHeaderListSize(Math.max(settings.maxHeaderSize(), 65536)))
                                .build();
                        if (key.tls() != null) {
                            ch.pipeline().addLast(Http1Pool.TLS, key.tls().newHandler(ch.alloc(), key.port()));
                        }
                        ch.pipeline()
                                .addLast(new IdleStateHandler(
                                        0, 0, settings.upstreamIdleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                                .addLast(codec)
                                .addLast(new Http2MultiplexHandler(new RejectPushes()))
                                .addLast(new CloseWhenIdle(codec));
                    }
                });
        b.connect(key.address(), key.port()).addListener(f -> {
            Channel ch = ((ChannelFuture) f).channel();
            if (!f.isSuccess() || closed) {
                connecting = null;
                ch.close();
                promise.tryFailure(f.cause() != null ? f.cause() : new IllegalStateException("pool closed"));
                return;
            }
            // Streams wait for the TLS handshake (and ALPN h2) too: a failed one is a connect failure.
            Promise<Channel> ready = loop.newPromise();
            if (key.tls() == null) {
                ready.setSuccess(ch);
            } else {
                Http1Pool.completeAfterHandshake(ch, ApplicationProtocolNames.HTTP_2, ready);
            }
            ready.addListener(r -> {
                connecting = null;
                if (!r.isSuccess() || closed) {
                    ch.close();
                    promise.tryFailure(r.cause() != null ? r.cause() : new IllegalStateException("pool closed"));
                    return;
                }
                connection = ch;
                ch.closeFuture().addListener(c -> {
                    if (connection == ch) {
                        connection = null;
                    }
                });
                promise.trySuccess(ch);
            });
        });
        return promise;
    }

    private void openStream(Channel parent, Promise<Channel> promise) {
        new Http2StreamChannelBootstrap(parent)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline()
                                .addLast(new Http2StreamFrameToHttpObjectCodec(false))
                                .addLast(Http1Pool.HANDLER, new UpstreamHandler());
                    }
                })
                .open()
                .addListener(f -> {
                    if (f.isSuccess()) {
                        promise.trySuccess((Channel) f.getNow());
                    } else {
                        promise.tryFailure(f.cause());
                    }
                });
    }

    @Override
    public Future<Channel> connectNew() {
        return upgrades.connectNew();
    }

    @Override
    public void release(Channel channel, boolean reusable) {
        if (!(channel instanceof Http2StreamChannel)) {
            upgrades.release(channel, false);
            return;
        }
        UpstreamHandler h = channel.pipeline().get(UpstreamHandler.class);
        if (h != null) {
            h.detach();
        }
        // A stream carries one request; closing one that has not ended resets it.
        if (channel.isActive()) {
            channel.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        upgrades.close();
        if (connection != null) {
            connection.close();
        }
    }

    /** The proxy disables server push, so any inbound stream is a protocol violation: reset it. */
    @ChannelHandler.Sharable
    private static final class RejectPushes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    /** Closes the connection after the idle timeout when no stream is open. */
    private static final class CloseWhenIdle extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        CloseWhenIdle(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                if (codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
