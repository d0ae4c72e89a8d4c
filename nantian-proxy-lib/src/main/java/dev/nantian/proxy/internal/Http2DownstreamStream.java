package dev.nantian.proxy.internal;

import dev.nantian.core.filter.ConnectionInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * One stream of an HTTP/2 downstream connection, as its {@link Exchange} sees it: the {@link Downstream} that hands
 * the exchange its request body and frames its response. It is a plain object kept as a property of the
 * {@link Http2Stream}: no channel, pipeline or handler per stream.
 *
 * <p>Request body backpressure: DATA is queued here until the exchange asks for it with {@link #read()}, and its bytes
 * go back to the client's flow-control window only when a chunk is handed over. A slow upstream therefore holds the
 * client to the stream window (and the connection window shared by all streams), never more.
 *
 * <p>Every method runs on the connection's event loop.
 */
final class Http2DownstreamStream implements Downstream {
    private final Http2DownstreamHandler connection;
    private final Http2Stream stream;
    private Exchange exchange;
    /** Request body chunks the exchange has not asked for yet; created for the first one that waits. */
    private ArrayDeque<HttpContent> queued;

    private boolean readWanted;
    private boolean delivering;
    /** Set while a frame is handed to the encoder, which may close the stream before it returns. */
    private boolean writing;

    private boolean headersSent;
    /** A frame that ends the stream was written: the exchange finishes through that write's future. */
    private boolean responseEnded;

    private boolean bodyAllowed = true;
    private boolean headRequest;
    private boolean reset;

    Http2DownstreamStream(Http2DownstreamHandler connection, Http2Stream stream) {
        this.connection = connection;
        this.stream = stream;
    }

    /** Starts the exchange of this stream's request. */
    void start(Exchange e, boolean head) {
        exchange = e;
        headRequest = head;
        e.onRequestHead();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Request side, from the connection's frame listener
    // ---------------------------------------------------------------------------------------------------------

    /**
     * A DATA frame of the request. Returns the bytes that may go back to the client's window at once: the padding,
     * plus the data when it went straight to a waiting exchange; the rest is returned when it is handed over.
     */
    int onData(ByteBuf data, int padding, boolean endOfStream) {
        int n = data.readableBytes();
        if (exchange == null || reset) {
            // Nobody reads it any more (the exchange ended early): let the window go and Netty release the frame.
            return n + padding;
        }
        if (n == 0 && !endOfStream) {
            return padding;
        }
        boolean waiting = waiting();
        // What waits is copied: a retained slice would keep the whole read buffer it arrived in alive, often many
        // times the frame, for as long as the upstream is slow; the window would no longer bound the memory.
        ByteBuf content = n == 0 ? Unpooled.EMPTY_BUFFER : waiting ? data.retain() : data.copy();
        HttpContent c = !endOfStream
                ? new DefaultHttpContent(content)
                : n == 0 ? LastHttpContent.EMPTY_LAST_CONTENT : new DefaultLastHttpContent(content);
        if (waiting) {
            readWanted = false;
            exchange.onRequestContent(c);
            return n + padding;
        }
        enqueue(c);
        return padding;
    }

    /** The request trailers, which end the stream. */
    void onTrailers(LastHttpContent trailers) {
        if (exchange == null || reset) {
            trailers.release();
            return;
        }
        if (waiting()) {
            readWanted = false;
            exchange.onRequestContent(trailers);
        } else {
            enqueue(trailers);
        }
    }

    /** True when the exchange asked for the next message and nothing queued comes before it. */
    private boolean waiting() {
        return readWanted && !delivering && (queued == null || queued.isEmpty());
    }

    private void enqueue(HttpContent c) {
        if (queued == null) {
            queued = new ArrayDeque<>(4);
        }
        queued.add(c);
    }

    @Override
    public void read() {
        readWanted = true;
        if (delivering) {
            // Asked again from inside a delivery: the loop below goes on.
            return;
        }
        delivering = true;
        try {
            HttpContent c;
            while (readWanted && exchange != null && queued != null && (c = queued.poll()) != null) {
                readWanted = false;
                // The chunk is the exchange's now: give its bytes back to the client's window.
                connection.consumeBytes(stream, c.content().readableBytes());
                exchange.onRequestContent(c);
            }
        } finally {
            delivering = false;
        }
    }

    /** Netty closed the stream: reset by the client or by us, ended both ways, or the connection is gone. */
    void onClosed() {
        releaseQueued();
        Exchange e = exchange;
        if (e == null || responseEnded) {
            // An exchange whose last frame was written learns how that went from the write's future.
            return;
        }
        exchange = null;
        if (writing) {
            // The encoder closed the stream while the exchange is in the middle of a write: tell it afterwards.
            connection.ctx().executor().execute(e::onDownstreamClosed);
        } else {
            e.onDownstreamClosed();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Response side: Downstream
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public ChannelFuture write(HttpObject msg) {
        ChannelHandlerContext ctx = connection.ctx();
        if (responseEnded || reset || !sendable()) {
            ReferenceCountUtil.release(msg);
            return ctx.newFailedFuture(new ClosedChannelException());
        }
        writing = true;
        try {
            if (msg instanceof HttpResponse resp) {
                return writeHead(ctx, resp);
            }
            if (msg instanceof LastHttpContent last) {
                return writeLast(ctx, last.content(), last.trailingHeaders());
            }
            if (msg instanceof HttpContent c) {
                ByteBuf content = c.content();
                if (!headersSent || !bodyAllowed || !content.isReadable()) {
                    c.release();
                    return headersSent ? ctx.newSucceededFuture() : failedWrite(ctx);
                }
                return connection.encoder().writeData(ctx, stream.id(), content, 0, false, ctx.newPromise());
            }
            ReferenceCountUtil.release(msg);
            return failedWrite(ctx);
        } finally {
            writing = false;
        }
    }

    private ChannelFuture writeHead(ChannelHandlerContext ctx, HttpResponse resp) {
        if (headersSent) {
            // A second head: the exchange never does this; refuse rather than break the stream's framing.
            ReferenceCountUtil.release(resp);
            return failedWrite(ctx);
        }
        headersSent = true;
        int code = resp.status().code();
        bodyAllowed = !headRequest && code != 204 && code != 304;
        Http2ConnectionEncoder encoder = connection.encoder();
        if (!(resp instanceof LastHttpContent full)) {
            return encoder.writeHeaders(
                    ctx, stream.id(), Http2Messages.responseHeaders(resp), 0, false, ctx.newPromise());
        }
        // A whole response in one object: HEADERS with END_STREAM when there is nothing else to send.
        ByteBuf content = full.content();
        HttpHeaders trailers = full.trailingHeaders();
        if ((!bodyAllowed || !content.isReadable()) && trailers.isEmpty()) {
            full.release();
            responseEnded = true;
            return encoder.writeHeaders(
                    ctx, stream.id(), Http2Messages.responseHeaders(resp), 0, true, ctx.newPromise());
        }
        encoder.writeHeaders(ctx, stream.id(), Http2Messages.responseHeaders(resp), 0, false, ctx.newPromise());
        return writeLast(ctx, content, trailers);
    }

    /** The end of the response: the last DATA with END_STREAM, or trailing HEADERS with it. Owns {@code content}. */
    private ChannelFuture writeLast(ChannelHandlerContext ctx, ByteBuf content, HttpHeaders trailers) {
        if (!headersSent) {
            content.release();
            return failedWrite(ctx);
        }
        if (!bodyAllowed && content.isReadable()) {
            content.release();
            content = Unpooled.EMPTY_BUFFER;
        }
        responseEnded = true;
        Http2ConnectionEncoder encoder = connection.encoder();
        if (trailers.isEmpty()) {
            return encoder.writeData(ctx, stream.id(), content, 0, true, ctx.newPromise());
        }
        if (content.isReadable()) {
            encoder.writeData(ctx, stream.id(), content, 0, false, ctx.newPromise());
        } else {
            content.release();
        }
        return encoder.writeHeaders(
                ctx, stream.id(), Http2Messages.responseTrailers(trailers), 0, true, ctx.newPromise());
    }

    private static ChannelFuture failedWrite(ChannelHandlerContext ctx) {
        return ctx.newFailedFuture(new IllegalStateException("response written out of order"));
    }

    /** True while the stream takes frames from us: our side is open and Netty did not reset it (a stream error). */
    private boolean sendable() {
        Http2Stream.State state = stream.state();
        return (state == Http2Stream.State.OPEN || state == Http2Stream.State.HALF_CLOSED_REMOTE)
                && !stream.isResetSent();
    }

    @Override
    public ChannelFuture writeAndFlush(HttpObject msg) {
        ChannelFuture f = write(msg);
        connection.requestFlush();
        return f;
    }

    @Override
    public void flush() {
        connection.requestFlush();
    }

    /** Aborts the response: RST_STREAM {@code INTERNAL_ERROR}; the connection and its other streams go on. */
    @Override
    public void close() {
        if (stream.state() != Http2Stream.State.CLOSED) {
            reset(Http2Error.INTERNAL_ERROR);
        }
    }

    @Override
    public void exchangeDone(Exchange e, boolean keepAlive) {
        if (exchange != e) {
            return;
        }
        exchange = null;
        releaseQueued();
        Http2Stream.State state = stream.state();
        if (!keepAlive && (state == Http2Stream.State.OPEN || state == Http2Stream.State.HALF_CLOSED_LOCAL)) {
            // The response ended but the client is still sending the request: tell it to stop.
            reset(Http2Error.CANCEL);
        }
    }

    private void reset(Http2Error error) {
        if (reset) {
            return;
        }
        reset = true;
        releaseQueued();
        ChannelHandlerContext ctx = connection.ctx();
        connection.resetStream(ctx, stream.id(), error.code(), ctx.newPromise());
        connection.requestFlush();
    }

    private void releaseQueued() {
        if (queued != null) {
            HttpContent c;
            while ((c = queued.poll()) != null) {
                c.release();
            }
        }
    }

    @Override
    public void tunnelled(Exchange e) {
        // WebSocket is HTTP/1.1 only: an exchange on a stream never tunnels.
    }

    @Override
    public boolean isDraining() {
        return connection.isDraining();
    }

    @Override
    public ByteBufAllocator alloc() {
        return connection.ctx().alloc();
    }

    @Override
    public EventLoop eventLoop() {
        return connection.ctx().channel().eventLoop();
    }

    @Override
    public SocketAddress remoteAddress() {
        return connection.ctx().channel().remoteAddress();
    }

    @Override
    public String clientIp() {
        return connection.clientIp();
    }

    @Override
    public Channel channel() {
        return connection.ctx().channel();
    }

    @Override
    public DownstreamTls tls() {
        return connection.tls();
    }

    @Override
    public String scheme() {
        return connection.tls() != null ? "https" : "http";
    }

    @Override
    public ConnectionInfo connectionInfo() {
        return connection.connectionInfo();
    }

    @Override
    public String toString() {
        return "Http2DownstreamStream[" + stream.id() + "]";
    }
}
