package dev.nantian.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny in-test backend. It answers every request with {@code name method uri} and the request headers, one per
 * line, then the body; {@code /status/N} answers N, {@code /delay/MS} answers after MS milliseconds,
 * {@code /trailers} streams a body with a {@code grpc-status} trailer, {@code /ws} upgrades to an echoing WebSocket.
 * The next {@link #failNext(int, int)} requests get a chosen status, for retry tests; {@code /health} answers what
 * {@link #health(int)} says, for health check tests.
 */
final class TestBackend implements AutoCloseable {
    /** A request as the backend saw it. */
    record Seen(String method, String uri, Map<String, String> headers, String body) {}

    private final String name;
    private final EventLoopGroup group;
    private final Channel server;
    final Queue<Seen> requests = new ConcurrentLinkedQueue<>();
    /** WebSocket handshakes the backend accepted at {@code /ws}, with the upgrade request's headers. */
    final Queue<Seen> upgrades = new ConcurrentLinkedQueue<>();

    final AtomicInteger connections = new AtomicInteger();
    /** Connections that closed, from either side. */
    final AtomicInteger closed = new AtomicInteger();

    /** Health checks answered with a 2xx, and with anything else. */
    final AtomicInteger healthPassed = new AtomicInteger();

    final AtomicInteger healthFailed = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile int failureStatus = 503;
    private volatile int healthStatus = 200;
    private volatile long delayAll;

    private TestBackend(String name, boolean h2c) throws InterruptedException {
        this.name = name;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        ch.closeFuture().addListener(f -> closed.incrementAndGet());
                        if (h2c) {
                            ch.pipeline()
                                    .addLast(Http2FrameCodecBuilder.forServer().build())
                                    .addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                        @Override
                                        protected void initChannel(Http2StreamChannel s) {
                                            s.pipeline()
                                                    .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                                                    .addLast(new HttpObjectAggregator(1 << 20))
                                                    .addLast(new Responder(true));
                                        }
                                    }));
                        } else {
                            // Headers as large as the proxy accepts: past Netty's default 8 KiB the decoder would
                            // drop every later request on the pooled connection, hanging whichever test reuses it.
                            ch.pipeline()
                                    .addLast(new HttpServerCodec(new HttpDecoderConfig().setMaxHeaderSize(65536)))
                                    .addLast(new HttpObjectAggregator(1 << 20))
                                    .addLast(new WebSocketServerProtocolHandler("/ws"))
                                    .addLast(new WsEcho())
                                    .addLast(new Responder(false));
                        }
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    static TestBackend http1(String name) throws InterruptedException {
        return new TestBackend(name, false);
    }

    static TestBackend h2c(String name) throws InterruptedException {
        return new TestBackend(name, true);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** What {@code /health} answers from now on (200 at first); health checks do not count as failures. */
    void health(int status) {
        healthStatus = status;
    }

    /** Every later request but {@code /health} is answered after {@code millis}. */
    void delayAll(long millis) {
        delayAll = millis;
    }

    /** The next {@code count} requests get {@code status}. */
    void failNext(int count, int status) {
        failureStatus = status;
        failures.set(count);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final boolean h2;

        Responder(boolean h2) {
            this.h2 = h2;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            Map<String, String> headers = new TreeMap<>();
            req.headers().forEach(e -> headers.merge(e.getKey().toLowerCase(), e.getValue(), (a, b) -> a + "," + b));
            String body = req.content().toString(StandardCharsets.UTF_8);
            requests.add(new Seen(req.method().name(), req.uri(), headers, body));
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            String uri = req.uri();
            if (uri.startsWith("/trailers")) {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                if (!h2) {
                    HttpUtil.setTransferEncodingChunked(head, true);
                }
                head.headers().set("content-type", "application/grpc");
                ctx.write(head);
                ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("part1", StandardCharsets.UTF_8)));
                LastHttpContent last =
                        new DefaultLastHttpContent(Unpooled.copiedBuffer("part2", StandardCharsets.UTF_8));
                last.trailingHeaders().set("grpc-status", "0");
                ctx.writeAndFlush(last);
                return;
            }
            int status = 200;
            long delay = uri.startsWith("/health") ? 0 : delayAll;
            if (uri.startsWith("/health")) {
                status = healthStatus;
                (status / 100 == 2 ? healthPassed : healthFailed).incrementAndGet();
            } else if (failures.getAndDecrement() > 0) {
                status = failureStatus;
            } else if (uri.startsWith("/status/")) {
                status = Integer.parseInt(uri.substring("/status/".length()).split("[/?]")[0]);
            } else if (uri.startsWith("/delay/")) {
                delay = Long.parseLong(uri.substring("/delay/".length()).split("[/?]")[0]);
            }
            StringBuilder sb = new StringBuilder(name + " " + req.method() + " " + uri + "\n");
            headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
            sb.append('\n').append(body);
            FullHttpResponse resp = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), ByteBufUtil.writeUtf8(ctx.alloc(), sb));
            resp.headers().set("x-backend", name);
            resp.headers().set("x-remove-me", "yes");
            HttpUtil.setContentLength(resp, resp.content().readableBytes());
            if (!h2) {
                HttpUtil.setKeepAlive(resp, keepAlive);
            }
            if (delay > 0) {
                java.util.concurrent.ScheduledFuture<?> task =
                        ctx.executor().schedule(() -> ctx.writeAndFlush(resp), delay, TimeUnit.MILLISECONDS);
                // The proxy may give up first, and shutting the loop down drops scheduled tasks: release then.
                ctx.channel().closeFuture().addListener(f -> {
                    if (task.cancel(false)) {
                        resp.release();
                    }
                });
            } else {
                ctx.writeAndFlush(resp);
            }
        }
    }

    /** Echoes WebSocket text frames with a prefix; records each handshake. */
    private final class WsEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
                Map<String, String> headers = new TreeMap<>();
                done.requestHeaders()
                        .forEach(e -> headers.merge(e.getKey().toLowerCase(), e.getValue(), (a, b) -> a + "," + b));
                upgrades.add(new Seen("GET", done.requestUri(), headers, ""));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame frame) {
                String text = frame.text();
                frame.release();
                ctx.writeAndFlush(new TextWebSocketFrame("echo:" + text));
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** Every request seen, as a list. */
    List<Seen> seen() {
        return new ArrayList<>(requests);
    }
}
