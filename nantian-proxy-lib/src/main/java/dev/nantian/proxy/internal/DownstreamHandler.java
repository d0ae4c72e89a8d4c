package dev.nantian.proxy.internal;

import dev.nantian.core.filter.ConnectionInfo;
import dev.nantian.core.routing.Binding;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
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
 * The end of a downstream pipeline: an HTTP/1.1 connection or one HTTP/2 stream. It runs one {@link Exchange} at a
 * time and, on HTTP/1.1, reads the next request only after the previous response was written, which is what makes
 * pipelining safe: responses can never be reordered. Every method runs on the channel's event loop.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(DownstreamHandler.class);

    private final ProxyContext proxy;
    private final Binding binding;
    private final boolean h2;
    private final DownstreamTls tls;
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    private boolean draining;
    private boolean bytesSinceLastRequest;
    private boolean wantMessage;
    private ScheduledFuture<?> headerTimer;
    private ConnectionInfo connectionInfo;

    DownstreamHandler(ProxyContext proxy, Binding binding, boolean h2) {
        this(proxy, binding, h2, null);
    }

    /** A handler behind terminated TLS when {@code tls} is not {@code null}. */
    DownstreamHandler(ProxyContext proxy, Binding binding, boolean h2, DownstreamTls tls) {
        this.proxy = proxy;
        this.binding = binding;
        this.h2 = h2;
        this.tls = tls;
    }

    /** The TLS the connection arrived over, or {@code null} for cleartext. */
    DownstreamTls tls() {
        return tls;
    }

    /**
     * The connection as extension filters see it; created on first use, so routes without filters never pay for it.
     * An HTTP/2 stream describes its parent connection.
     */
    ConnectionInfo connectionInfo() {
        ConnectionInfo info = connectionInfo;
        if (info == null) {
            Channel ch = h2 && ctx.channel().parent() != null ? ctx.channel().parent() : ctx.channel();
            InetSocketAddress remote = inet(ch.remoteAddress());
            InetSocketAddress local = inet(ch.localAddress());
            SslHandler ssl = tls == null ? null : ch.pipeline().get(SslHandler.class);
            info = ssl != null
                    ? ConnectionInfo.tls(remote, local, ssl.engine().getSession(), tls.serverName())
                    : ConnectionInfo.plaintext(remote, local);
            connectionInfo = info;
        }
        return info;
    }

    private static InetSocketAddress inet(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet : new InetSocketAddress(0);
    }

    /** {@code https} behind terminated TLS, else {@code http}. */
    String scheme() {
        return tls != null ? "https" : "http";
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // A stream reports its connection: whatever the pipeline, each connection is counted once.
        proxy.telemetry().trackConnection(h2 ? ctx.channel().parent() : ctx.channel());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelHeaderTimer();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        armHeaderTimer();
        read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        wantMessage = false;
        if (msg instanceof HttpRequest req) {
            cancelHeaderTimer();
            bytesSinceLastRequest = false;
            if (exchange != null) {
                // Cannot happen while reads follow responses; if it does, the connection state is unknown.
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            exchange = new Exchange(this, ctx, proxy, proxy.config(), binding, h2, req);
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

    /** Called by the exchange once its response is written (or failed to be). */
    void exchangeDone(Exchange e, boolean keepAlive) {
        if (exchange != e) {
            return;
        }
        exchange = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        if (h2) {
            if (!keepAlive) {
                // The response ended but the request did not: reset the stream so the client stops sending.
                ctx.close();
            }
            return;
        }
        if (!keepAlive || draining) {
            ctx.close();
            return;
        }
        armHeaderTimer();
        read();
    }

    /**
     * Asks for the next message (request head or body chunk). Until one arrives, every read cycle that ends without
     * one asks again: the {@link io.netty.handler.flow.FlowControlHandler} in front collapses outstanding reads
     * at the end of each cycle, so a request head spread over several socket reads would otherwise stall.
     */
    void read() {
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

    /** The exchange turned the connection into a tunnel; this handler is about to be removed. */
    void tunnelled(Exchange e) {
        if (exchange == e) {
            exchange = null;
        }
        cancelHeaderTimer();
    }

    /** True once the connection was asked to close after its current request. */
    boolean isDraining() {
        return draining;
    }

    void bytesReceived() {
        if (exchange == null) {
            bytesSinceLastRequest = true;
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
            if (exchange == null && !h2) {
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

    private void armHeaderTimer() {
        if (h2 || proxy.settings().headerReadTimeout().isZero()) {
            return;
        }
        cancelHeaderTimer();
        headerTimer = ctx.executor()
                .schedule(
                        this::onHeaderTimeout,
                        proxy.settings().headerReadTimeout().toNanos(),
                        TimeUnit.NANOSECONDS);
    }

    private void cancelHeaderTimer() {
        if (headerTimer != null) {
            headerTimer.cancel(false);
            headerTimer = null;
        }
    }

    private void onHeaderTimeout() {
        headerTimer = null;
        if (exchange != null || !ctx.channel().isActive()) {
            return;
        }
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
