package dev.nantian.proxy.internal;

import dev.nantian.core.filter.ConnectionInfo;
import dev.nantian.core.routing.Binding;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of an HTTP/1.1 connection's pipeline, and the {@link Downstream} of its exchanges: it runs one
 * {@link Exchange} at a time and reads the next request only after the previous response was written, which is what
 * makes pipelining safe: responses can never be reordered. The exchange writes through this handler's context, so
 * HTTP/1.1 pays nothing for the abstraction. HTTP/2 connections have a {@link Http2DownstreamHandler} instead. Every
 * method runs on the channel's event loop.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter implements Downstream {
    private static final Logger log = LoggerFactory.getLogger(DownstreamHandler.class);

    private final ProxyContext proxy;
    private final Binding binding;
    private final DownstreamTls tls;
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    private boolean draining;
    private boolean bytesSinceLastRequest;
    private boolean wantMessage;
    /**
     * When the head now being read started ({@link System#nanoTime}), or 0 while no head is being read. The
     * header-read timeout runs from here until the head is complete; between requests a keep-alive connection is
     * governed by the idle timeout alone.
     */
    private long headStartNanos;
    /** Checks {@link #headStartNanos}; left pending across requests instead of being re-armed for each one. */
    private ScheduledFuture<?> headerTimer;

    private ConnectionInfo connectionInfo;
    private String clientIp;
    /** Set once the handler left its pipeline (the connection switched to HTTP/2): no more header timing. */
    private boolean removed;
    /** True until the first request arrived: until then the connection may still upgrade to h2c. */
    private boolean firstRequest = true;

    /** A handler behind terminated TLS when {@code tls} is not {@code null}. */
    DownstreamHandler(ProxyContext proxy, Binding binding, DownstreamTls tls) {
        this.proxy = proxy;
        this.binding = binding;
        this.tls = tls;
    }

    @Override
    public DownstreamTls tls() {
        return tls;
    }

    /** Created on first use, so routes without filters never pay for it. */
    @Override
    public ConnectionInfo connectionInfo() {
        ConnectionInfo info = connectionInfo;
        if (info == null) {
            info = describe(ctx.channel(), tls);
            connectionInfo = info;
        }
        return info;
    }

    @Override
    public String clientIp() {
        String ip = clientIp;
        if (ip == null) {
            ip = ipText(ctx.channel().remoteAddress());
            clientIp = ip;
        }
        return ip;
    }

    /** The IP address of {@code remote} as text, or {@code unknown} when it is not an internet address. */
    static String ipText(SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return "unknown";
    }

    /** Describes a downstream connection for extension filters; {@code tls} is {@code null} for cleartext. */
    static ConnectionInfo describe(Channel ch, DownstreamTls tls) {
        InetSocketAddress remote = inet(ch.remoteAddress());
        InetSocketAddress local = inet(ch.localAddress());
        SslHandler ssl = tls == null ? null : ch.pipeline().get(SslHandler.class);
        return ssl != null
                ? ConnectionInfo.tls(remote, local, ssl.engine().getSession(), tls.serverName())
                : ConnectionInfo.plaintext(remote, local);
    }

    private static InetSocketAddress inet(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet : new InetSocketAddress(0);
    }

    @Override
    public String scheme() {
        return tls != null ? "https" : "http";
    }

    // The exchange's writes: straight to the channel, as before there was a Downstream.

    @Override
    public ChannelFuture write(HttpObject msg) {
        return ctx.write(msg);
    }

    @Override
    public ChannelFuture writeAndFlush(HttpObject msg) {
        return ctx.writeAndFlush(msg);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void close() {
        ctx.close();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public SocketAddress remoteAddress() {
        return ctx.channel().remoteAddress();
    }

    @Override
    public Channel channel() {
        return ctx.channel();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // Counted once per connection, also when it goes on as HTTP/2 (the attribute remembers).
        proxy.telemetry().trackConnection(ctx.channel());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        removed = true;
        cancelHeaderTimer();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // The first request's head is timed from accept, so a client that connects and says nothing is closed.
        headStarted();
        read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        wantMessage = false;
        if (msg instanceof HttpRequest req) {
            headStartNanos = 0; // the head is complete; a pending timer finds nothing to time and lapses
            bytesSinceLastRequest = false;
            if (exchange != null) {
                // Cannot happen while reads follow responses; if it does, the connection state is unknown.
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            if (firstRequest) {
                firstRequest = false;
                dropUpgradeHandler(ctx);
            }
            if (HttpUtil.is100ContinueExpected(req) && !answerExpectContinue(ctx, req)) {
                return;
            }
            exchange = new Exchange(this, proxy, proxy.config(), binding, false, req);
            exchange.onRequestHead();
        } else if (msg instanceof HttpContent content) {
            if (exchange != null) {
                exchange.onRequestContent(content);
            } else {
                content.release();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * Removes the h2c upgrade handler once the first request passed it: clients upgrade with their first request,
     * and the handler would otherwise inspect (and retain and release) every later message of the connection.
     */
    private static void dropUpgradeHandler(ChannelHandlerContext ctx) {
        ChannelPipeline p = ctx.pipeline();
        if (p.get(HttpServerUpgradeHandler.class) != null) {
            p.remove(HttpServerUpgradeHandler.class);
        }
    }

    /**
     * Answers {@code Expect: 100-continue} (RFC 9110 section 10.1.1): 100 when the declared body is within the
     * limit, so the client sends it, else 413 and the connection closes. Returns true when the request goes on.
     */
    private boolean answerExpectContinue(ChannelHandlerContext ctx, HttpRequest req) {
        if (HttpUtil.getContentLength(req, -1L) > proxy.settings().maxRequestBodyBytes()) {
            ReferenceCountUtil.release(req);
            DefaultFullHttpResponse resp = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.EMPTY_BUFFER);
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            return false;
        }
        ctx.writeAndFlush(new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER))
                .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        req.headers().remove(HttpHeaderNames.EXPECT);
        return true;
    }

    @Override
    public void exchangeDone(Exchange e, boolean keepAlive) {
        if (exchange != e) {
            return;
        }
        exchange = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        if (!keepAlive || draining) {
            ctx.close();
            return;
        }
        // No header timer here: an idle keep-alive connection waits for idleTimeout, and the next head's timer
        // starts with its first byte (bytesReceived).
        read();
    }

    /**
     * Asks for the next message (request head or body chunk). Until one arrives, every read cycle that ends without
     * one asks again: the {@link io.netty.handler.flow.FlowControlHandler} in front collapses outstanding reads
     * at the end of each cycle, so a request head spread over several socket reads would otherwise stall.
     */
    @Override
    public void read() {
        wantMessage = true;
        ctx.read();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (wantMessage && ctx.channel().isActive()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    /** This handler is about to be removed. */
    @Override
    public void tunnelled(Exchange e) {
        if (exchange == e) {
            exchange = null;
        }
        cancelHeaderTimer();
    }

    @Override
    public boolean isDraining() {
        return draining;
    }

    /**
     * Bytes arrived from the client (HTTP/1.1 only). Between exchanges they are the start of the next request head,
     * which starts its header-read timeout. Bytes of a pipelined head that arrive during an exchange do not: if
     * such a head never completes, the idle timeout closes the connection.
     */
    void bytesReceived() {
        if (exchange == null && !removed) {
            bytesSinceLastRequest = true;
            if (headStartNanos == 0) {
                headStarted();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelHeaderTimer();
        Exchange e = exchange;
        exchange = null;
        if (e != null) {
            e.onDownstreamClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DownstreamInitializer.DRAIN) {
            draining = true;
            if (exchange == null) {
                ctx.close();
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            // Idle means no request in flight; a slow upstream is bounded by route timeouts instead.
            if (exchange == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("downstream {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("downstream {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    /**
     * Starts timing a request head. Under load this runs for every request, so it only records the time; a timer
     * is scheduled only when none is pending, and a pending one reschedules itself for the head being read when it
     * fires (or lapses when none is), which costs one timer per connection per timeout, not one per request.
     */
    private void headStarted() {
        if (proxy.settings().headerReadTimeout().isZero()) {
            return;
        }
        headStartNanos = nanoTimeNonZero();
        if (headerTimer == null) {
            scheduleHeaderTimer(proxy.settings().headerReadTimeout().toNanos());
        }
    }

    private void scheduleHeaderTimer(long delayNanos) {
        headerTimer = ctx.executor().schedule(this::onHeaderTimer, delayNanos, TimeUnit.NANOSECONDS);
    }

    private static long nanoTimeNonZero() {
        long now = System.nanoTime();
        return now == 0 ? 1 : now;
    }

    private void cancelHeaderTimer() {
        headStartNanos = 0;
        if (headerTimer != null) {
            headerTimer.cancel(false);
            headerTimer = null;
        }
    }

    private void onHeaderTimer() {
        headerTimer = null;
        long start = headStartNanos;
        if (start == 0 || exchange != null || !ctx.channel().isActive()) {
            return;
        }
        long left = proxy.settings().headerReadTimeout().toNanos() - (System.nanoTime() - start);
        if (left > 0) {
            // The head being read started after this timer was scheduled: time it from its own start.
            scheduleHeaderTimer(left);
            return;
        }
        onHeaderTimeout();
    }

    private void onHeaderTimeout() {
        headStartNanos = 0;
        if (!bytesSinceLastRequest) {
            ctx.close();
            return;
        }
        DefaultFullHttpResponse resp = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT, Unpooled.EMPTY_BUFFER);
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }
}
