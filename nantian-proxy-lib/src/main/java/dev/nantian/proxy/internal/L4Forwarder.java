package dev.nantian.proxy.internal;

import dev.nantian.proxy.accesslog.internal.ResponseFlags;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splices a downstream connection to one upstream endpoint, byte for byte: TCP routes, TLS passthrough (the bytes
 * include the ClientHello that chose the route) and terminated TLS routes (behind the {@code SslHandler}). Each side
 * is read again only once the other side wrote what it got, so a slow reader slows the writer instead of filling
 * memory; until the upstream connects, the downstream is not read beyond what already arrived. A connection without
 * traffic either way for {@link ProxySettings#idleTimeout()} is closed (there is no separate layer-4 idle timeout
 * yet). Closing either side closes the other once pending writes are flushed.
 *
 * <p>The connection's {@link L4Record} holds the endpoint's lease until the connection closes, learns whether the
 * upstream connected, counts the bytes each way (received as read from the client, sent once written to it) and
 * goes to {@link Telemetry#l4Done} when the connection closes. An exception on either side (a reset) flags the entry
 * ({@code UC} or {@code DC}); a plain close from either side does not.
 *
 * <p>Every method runs on the downstream channel's event loop, which the upstream connection shares.
 */
final class L4Forwarder extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(L4Forwarder.class);

    private final ProxyContext proxy;
    private final L4Record record;
    private final EndpointKey endpoint;
    private final boolean afterHandshake;
    private final ArrayDeque<Object> pending = new ArrayDeque<>(2);
    private Channel upstream;
    private boolean connecting;
    /** Set once what arrived before the upstream connected was written; later reads go straight through. */
    private boolean ready;

    private boolean closed;

    /**
     * @param record the connection's account, with a lease on the endpoint to connect to
     * @param afterHandshake wait for the TLS handshake in front to succeed before connecting (terminated TLS routes)
     */
    L4Forwarder(ProxyContext proxy, L4Record record, boolean afterHandshake) {
        this.proxy = proxy;
        this.record = record;
        this.endpoint = record.endpoint();
        this.afterHandshake = afterHandshake;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (!afterHandshake && ctx.channel().isActive()) {
            connect(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!afterHandshake) {
            connect(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                connect(ctx);
            } else {
                log.debug(
                        "TLS handshake with {} failed: {}",
                        ctx.channel().remoteAddress(),
                        done.cause().toString());
                record.flags |= ResponseFlags.DOWNSTREAM_PROTOCOL_ERROR;
                ctx.close();
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        if (evt == DownstreamInitializer.DRAIN) {
            // A byte stream has no request boundary to stop at; the drain timeout closes it.
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void connect(ChannelHandlerContext ctx) {
        if (connecting || closed) {
            return;
        }
        connecting = true;
        record.upstream = endpoint;
        Channel down = ctx.channel();
        Bootstrap b = new Bootstrap()
                .group(down.eventLoop())
                .channel(proxy.pools().transport().socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, proxy.settings().allocator())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, endpoint.connectTimeoutMillis())
                .handler(new Relay(down, record));
        ChannelFuture f = b.connect(endpoint.address(), endpoint.port());
        upstream = f.channel();
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                log.debug("connect to {} failed: {}", endpoint, cf.cause().toString());
                record.connectFailed();
                proxy.telemetry().upstreamConnectFailed(record.cluster, endpoint);
                ctx.close();
                return;
            }
            record.connected();
            if (closed) {
                cf.channel().close();
                return;
            }
            Object msg;
            while ((msg = pending.poll()) != null) {
                cf.channel().write(msg);
            }
            cf.channel().flush();
            ready = true;
            cf.channel().read();
            down.read();
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel up = upstream;
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf b) {
            record.bytesReceived += b.readableBytes();
        }
        if (!ready) {
            // Bytes that came with the ClientHello or before the upstream connected keep their order.
            pending.add(msg);
            return;
        }
        up.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ctx.channel().read();
            } else {
                record.flags |= ResponseFlags.UPSTREAM_RESET;
                ctx.close();
            }
        });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Reads are driven by write completions, not by read cycles.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        closeAll();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            record.flags |= ResponseFlags.DOWNSTREAM_RESET;
            log.debug("downstream {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else if (cause instanceof DecoderException) {
            // e.g. a broken TLS record of a terminated TLS route
            record.flags |= ResponseFlags.DOWNSTREAM_PROTOCOL_ERROR;
            log.debug("downstream {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.debug("downstream {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    private void closeAll() {
        if (closed) {
            return;
        }
        closed = true;
        Object msg;
        while ((msg = pending.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
        if (upstream != null) {
            closeOnFlush(upstream);
        }
        if (record.finish()) {
            proxy.telemetry().l4Done(record);
        }
    }

    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    /** The upstream side: what it reads goes downstream, and it reads again once that was written. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel downstream;
        private final L4Record record;

        Relay(Channel downstream, L4Record record) {
            this.downstream = downstream;
            this.record = record;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!downstream.isActive()) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            int size = msg instanceof ByteBuf b ? b.readableBytes() : 0;
            downstream.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    record.bytesSent += size;
                    ctx.channel().read();
                } else {
                    record.flags |= ResponseFlags.DOWNSTREAM_RESET;
                    ctx.close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(downstream);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("upstream {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            record.flags |= ResponseFlags.UPSTREAM_RESET;
            ctx.close();
        }
    }
}
