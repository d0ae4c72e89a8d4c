package dev.nantian.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 test client the way the conformance runner's probe sends: each request a {@link FullHttpRequest} on a new
 * stream (so a request without body ends with its HEADERS frame), cleartext with prior knowledge or over TLS with
 * ALPN {@code h2}.
 */
final class H2Client implements AutoCloseable {
    /** A response's status and body. */
    record Response(int status, String body) {}

    private final Channel connection;

    private H2Client(Channel connection) {
        this.connection = connection;
    }

    /** Connects in clear with prior knowledge. */
    static H2Client connect(EventLoopGroup group, String host, int port) throws InterruptedException {
        return connect(group, host, port, null, null);
    }

    /** Connects over TLS ({@code tls} must offer ALPN h2) sending {@code sni}, or in clear when {@code tls} is null. */
    static H2Client connect(EventLoopGroup group, String host, int port, SslContext tls, String sni)
            throws InterruptedException {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Channel ch = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        if (tls != null) {
                            SslHandler ssl = tls.newHandler(c.alloc(), sni, port);
                            c.pipeline().addLast(ssl);
                            ssl.handshakeFuture().addListener(f -> {
                                if (!f.isSuccess()) {
                                    ready.completeExceptionally(f.cause());
                                } else if (!ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
                                    ready.completeExceptionally(
                                            new IllegalStateException("ALPN chose " + ssl.applicationProtocol()));
                                } else {
                                    ready.complete(null);
                                }
                            });
                        } else {
                            ready.complete(null);
                        }
                        c.pipeline()
                                .addLast(
                                        Http2FrameCodecBuilder.forClient().build(),
                                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                })
                .connect(host, port)
                .sync()
                .channel();
        ready.join();
        return new H2Client(ch);
    }

    /** Sends {@code request} on a new stream and waits for the aggregated response. */
    Response send(FullHttpRequest request) throws Exception {
        CompletableFuture<Response> result = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel s) {
                        s.pipeline()
                                .addLast(
                                        new Http2StreamFrameToHttpObjectCodec(false),
                                        new HttpObjectAggregator(1 << 20),
                                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                                result.complete(new Response(
                                                        r.status().code(),
                                                        r.content().toString(StandardCharsets.UTF_8)));
                                                ctx.close();
                                            }

                                            @Override
                                            public void channelInactive(ChannelHandlerContext ctx) {
                                                result.completeExceptionally(
                                                        new IllegalStateException("stream closed"));
                                            }
                                        });
                    }
                })
                .open()
                .sync()
                .getNow();
        stream.writeAndFlush(request);
        return result.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        connection.close().syncUninterruptibly();
    }
}
