package dev.nantian.testing.conformance.internal;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The application end of a {@link ProbeClient#exchange} connection: completes {@link #handshake} when the upgrade
 * is done and queues a heap copy of every (aggregated) data message; an error or an early close ends both. Runs on
 * the connection's event loop; the queue is read by the probing thread. {@link SimpleChannelInboundHandler}
 * releases every frame.
 */
final class WebSocketExchangeHandler extends SimpleChannelInboundHandler<WebSocketFrame> {

    /** A received message, or why none will come. */
    record Received(byte[] payload, Throwable failure) {}

    final CompletableFuture<Void> handshake = new CompletableFuture<>();
    final BlockingQueue<Received> messages = new LinkedBlockingQueue<>();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            handshake.complete(null);
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail(new IOException("WebSocket handshake timed out"));
            ctx.close();
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        // Control frames other than close (handled, and not forwarded, by the protocol handler) never matter here.
        if (frame.isFinalFragment() && frame.content() != null && isData(frame)) {
            messages.add(new Received(ByteBufUtil.getBytes(frame.content()), null));
        }
    }

    private static boolean isData(WebSocketFrame frame) {
        return frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new IOException(
                handshake.isDone() ? "connection closed" : "connection closed before the WebSocket handshake"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause);
        ctx.close();
    }

    private void fail(Throwable cause) {
        handshake.completeExceptionally(cause);
        messages.add(new Received(null, cause));
    }
}
