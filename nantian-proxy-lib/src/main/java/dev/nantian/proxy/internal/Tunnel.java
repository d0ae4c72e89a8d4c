package dev.nantian.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Splices two connections after a protocol upgrade (WebSocket): bytes are copied both ways untouched, and each side
 * reads again only when the other side wrote what it got (Netty's {@code HexDumpProxy} pattern), so a slow reader
 * slows the writer instead of filling memory.
 */
final class Tunnel extends ChannelInboundHandlerAdapter {
    private final Channel peer;

    private Tunnel(Channel peer) {
        this.peer = peer;
    }

    /**
     * Replaces the HTTP handlers of both channels with a tunnel. Runs on their (shared) event loop; the codecs are
     * removed last, so that bytes they had already received pass on into the tunnel.
     */
    static void splice(Channel downstream, Channel upstream) {
        ChannelPipeline down = downstream.pipeline();
        down.addLast("tunnel", new Tunnel(upstream));
        for (String name : DownstreamInitializer.HTTP1_HANDLERS) {
            if (down.get(name) != null) {
                down.remove(name);
            }
        }
        if (down.get(HttpServerUpgradeHandler.class) != null) {
            down.remove(HttpServerUpgradeHandler.class);
        }
        if (down.get(HttpServerCodec.class) != null) {
            down.remove(HttpServerCodec.class);
        }
        ChannelPipeline up = upstream.pipeline();
        up.addLast("tunnel", new Tunnel(downstream));
        up.remove(Http1Pool.HANDLER);
        up.remove(Http1Pool.IDLE);
        if (up.get(HttpClientCodec.class) != null) {
            up.remove(HttpClientCodec.class);
        }
        downstream.read();
        upstream.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            // The empty last content that follows a 101 from the HTTP decoder.
            ReferenceCountUtil.release(msg);
            ctx.channel().read();
            return;
        }
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        peer.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ctx.channel().read();
            } else {
                ctx.channel().close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeOnFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closeOnFlush(ctx.channel());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent || evt == DownstreamInitializer.DRAIN) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
