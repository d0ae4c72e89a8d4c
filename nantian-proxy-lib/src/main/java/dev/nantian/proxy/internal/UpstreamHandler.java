package dev.nantian.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream connection or stream: hands what it reads to the request currently using it. A
 * pooled connection has no listener; anything it reads then is unexpected (or its peer closing), so it is closed.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private UpstreamListener listener;
    private int uses;

    /** Runs on the channel's event loop. */
    void attach(UpstreamListener listener) {
        this.listener = listener;
        uses++;
    }

    /** Runs on the channel's event loop. */
    void detach() {
        listener = null;
    }

    /** True when an earlier request used this connection: it may have been closed by the peer meanwhile. */
    boolean reused() {
        return uses > 1;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l != null && msg instanceof HttpObject) {
            l.onUpstreamMessage((HttpObject) msg);
            return;
        }
        if (l != null && msg instanceof ByteBuf buf) {
            l.onUpstreamBytes(buf);
            return;
        }
        ReferenceCountUtil.release(msg);
        if (l == null) {
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamClosed(null);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamListener l = listener;
        listener = null;
        ctx.close();
        if (l != null) {
            l.onUpstreamClosed(cause);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            // Idle timeouts matter only for pooled connections; a request in flight has its own timeouts.
            if (listener == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
