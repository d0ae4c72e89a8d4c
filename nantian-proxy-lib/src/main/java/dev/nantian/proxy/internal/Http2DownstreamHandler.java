package dev.nantian.proxy.internal;

import dev.nantian.core.filter.ConnectionInfo;
import dev.nantian.core.routing.Binding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one handler of an HTTP/2 downstream connection, whichever way it became HTTP/2 (h2c prior knowledge, h2c
 * {@code Upgrade}, h2 by ALPN): Netty's {@link Http2ConnectionHandler} with a frame listener that maps each stream to
 * an {@link Exchange} through a small {@link Http2DownstreamStream} kept as a property of the {@link Http2Stream}.
 * There are no child channels: a request costs the stream object, its HTTP/1 request and the exchange.
 *
 * <ul>
 *   <li>HEADERS open a stream's exchange with a request built straight from the header block ({@link Http2Messages});
 *       a malformed one is a stream error, and the connection goes on.
 *   <li>DATA is queued per stream until the exchange reads it; its flow-control window is returned only then.
 *   <li>A stream that closes before its response ended (client RST_STREAM, protocol error, connection gone) is the
 *       exchange's {@code onDownstreamClosed}, as {@code channelInactive} is on HTTP/1.1.
 *   <li>Writes are flushed once per read cycle, or once per event-loop turn for writes from elsewhere (upstream
 *       responses), for all streams of the connection together.
 *   <li>{@link DownstreamInitializer#DRAIN} sends GOAWAY and closes once the open streams are done, at most after
 *       the drain timeout; the idle timeout closes only a connection without streams.
 * </ul>
 *
 * <p>Every method runs on the connection's event loop, and so do the exchanges of its streams.
 */
final class Http2DownstreamHandler extends Http2ConnectionHandler {
    private static final Logger log = LoggerFactory.getLogger(Http2DownstreamHandler.class);

    /**
     * The connection's receive window. Unread request bodies hold it as well as their stream's window, so with the
     * default 64 KiB one stream waiting for a slow upstream would stall every other upload on the connection; this
     * leaves room for sixteen such streams.
     */
    private static final int CONNECTION_WINDOW = 1 << 20;

    private static final int MAX_CONCURRENT_STREAMS = 1000;

    private final ProxyContext proxy;
    private final Binding binding;
    private final DownstreamTls tls;
    private final Http2Connection.PropertyKey streamKey;
    private final Runnable flushTask = this::flushNow;
    private ChannelHandlerContext ctx;
    private ConnectionInfo connectionInfo;
    private String clientIp;
    private boolean draining;
    private boolean windowOpened;
    /** Between {@code channelRead} and {@code channelReadComplete}, which flushes whatever was written meanwhile. */
    private boolean inRead;

    private boolean flushScheduled;

    private Http2DownstreamHandler(
            Http2ConnectionDecoder decoder,
            Http2ConnectionEncoder encoder,
            Http2Settings initialSettings,
            ProxyContext proxy,
            Binding binding,
            DownstreamTls tls) {
        super(decoder, encoder, initialSettings);
        this.proxy = proxy;
        this.binding = binding;
        this.tls = tls;
        this.streamKey = connection().newKey();
        connection().addListener(new StreamListener());
        decoder.frameListener(new FrameListener());
    }

    /**
     * A handler for a new HTTP/2 connection, behind terminated TLS when {@code tls} is not {@code null}: at most
     * 1000 concurrent streams, header lists up to {@link ProxySettings#maxHeaderSize()}, graceful shutdown within
     * {@link ProxySettings#drainTimeout()}.
     */
    static Http2DownstreamHandler create(ProxyContext proxy, Binding binding, DownstreamTls tls) {
        return new Builder(proxy, binding, tls).build();
    }

    // ---------------------------------------------------------------------------------------------------------
    // For the streams
    // ---------------------------------------------------------------------------------------------------------

    ChannelHandlerContext ctx() {
        return ctx;
    }

    DownstreamTls tls() {
        return tls;
    }

    boolean isDraining() {
        return draining;
    }

    /** Shared by the streams, created on first use. */
    ConnectionInfo connectionInfo() {
        ConnectionInfo info = connectionInfo;
        if (info == null) {
            info = DownstreamHandler.describe(ctx.channel(), tls);
            connectionInfo = info;
        }
        return info;
    }

    /** The client's IP address as text, shared by the streams. */
    String clientIp() {
        String ip = clientIp;
        if (ip == null) {
            ip = DownstreamHandler.ipText(ctx.channel().remoteAddress());
            clientIp = ip;
        }
        return ip;
    }

    /** Gives {@code n} request bytes an exchange took back to the client's window (a WINDOW_UPDATE when due). */
    void consumeBytes(Http2Stream stream, int n) {
        if (n == 0) {
            return;
        }
        try {
            if (decoder().flowController().consumeBytes(stream, n)) {
                requestFlush();
            }
        } catch (Http2Exception e) {
            onError(ctx, false, e);
        }
    }

    /**
     * Flushes what the streams wrote: at the end of the current read cycle when there is one, else once at the end of
     * this event-loop turn, so that responses completed in the same turn share one write to the socket.
     */
    void requestFlush() {
        if (inRead || flushScheduled || !ctx.channel().isActive()) {
            return;
        }
        flushScheduled = true;
        ctx.executor().execute(flushTask);
    }

    private void flushNow() {
        flushScheduled = false;
        // Our own flush: it also writes the DATA the remote flow controller holds, which ctx.flush() would not.
        flush(ctx);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Channel events
    // ---------------------------------------------------------------------------------------------------------

    /**
     * The connection left HTTP/1.1 (or never spoke it): the HTTP/1.1 handlers go, and the connection reads freely,
     * as HTTP/2 flow control bounds each stream.
     */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
        ChannelPipeline p = ctx.pipeline();
        for (String name : DownstreamInitializer.HTTP1_HANDLERS) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
        ctx.channel().config().setAutoRead(true);
        proxy.telemetry().trackConnection(ctx.channel());
        openConnectionWindow();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        super.channelActive(ctx);
        openConnectionWindow();
    }

    /** Widens the connection window once our SETTINGS went out, which needs an active channel. */
    private void openConnectionWindow() throws Http2Exception {
        if (windowOpened || !ctx.channel().isActive()) {
            return;
        }
        windowOpened = true;
        decoder()
                .flowController()
                .incrementWindowSize(
                        connection().connectionStream(), CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE);
        ctx.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        inRead = true;
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        // Cleared first: what the flush below completes (an exchange ending, a reset) must schedule its own flush.
        inRead = false;
        super.channelReadComplete(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == DownstreamInitializer.DRAIN) {
            draining = true;
            // Through the pipeline to our close(): GOAWAY now, the socket closes when the open streams are done.
            ctx.channel().close();
            return;
        }
        if (evt instanceof IdleStateEvent) {
            // Idle means no stream in flight; a slow upstream is bounded by route timeouts instead.
            if (connection().numActiveStreams() == 0) {
                ctx.channel().close();
            }
            return;
        }
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent upgrade) {
            try {
                onUpgrade(upgrade.upgradeRequest());
            } finally {
                upgrade.release();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    /**
     * The HTTP/1.1 request that asked for {@code Upgrade: h2c} is stream 1, half-closed by the client since the
     * request was complete (Netty created the stream in {@link #onHttpServerUpgrade}). Its exchange takes the request
     * as it came; the exchange removes the upgrade's hop-by-hop headers like any others.
     */
    private void onUpgrade(FullHttpRequest request) {
        Http2Stream stream = connection().stream(Http2CodecUtil.HTTP_UPGRADE_STREAM_ID);
        if (stream == null) {
            return;
        }
        FullHttpRequest req = request.retain();
        Http2DownstreamStream s = new Http2DownstreamStream(this, stream);
        stream.setProperty(streamKey, s);
        s.start(new Exchange(s, proxy, proxy.config(), binding, true, req), HttpMethod.HEAD.equals(req.method()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
            if (cause instanceof IOException) {
                log.debug("downstream {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            } else {
                log.warn("downstream {} failed", ctx.channel().remoteAddress(), cause);
            }
        }
        // A stream error resets its stream; anything else ends the connection (GOAWAY, then close).
        onError(ctx, false, cause);
    }

    private Http2Exception streamFailed(int streamId, RuntimeException e) {
        log.warn("exchange on stream {} of {} failed", streamId, ctx.channel().remoteAddress(), e);
        return Http2Exception.streamError(streamId, Http2Error.INTERNAL_ERROR, e, "internal error");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Frames and stream life cycle
    // ---------------------------------------------------------------------------------------------------------

    /** Frames of the client's streams; Netty has validated them (state, headers, content-length, flow control). */
    private final class FrameListener extends Http2FrameAdapter {
        @Override
        public void onHeadersRead(
                ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endOfStream)
                throws Http2Exception {
            Http2Stream stream = connection().stream(streamId);
            if (stream == null) {
                return;
            }
            Http2DownstreamStream open = stream.getProperty(streamKey);
            if (open != null) {
                // A second HEADERS: trailers, which Netty lets through only with END_STREAM and no pseudo-headers.
                // (Http2Stream#isTrailersReceived cannot tell: a stream opened half-closed counts its first HEADERS
                // twice.)
                try {
                    open.onTrailers(Http2Messages.trailers(streamId, headers));
                } catch (RuntimeException e) {
                    throw streamFailed(streamId, e);
                }
                return;
            }
            HttpRequest request = Http2Messages.request(streamId, headers, endOfStream);
            Http2DownstreamStream s = new Http2DownstreamStream(Http2DownstreamHandler.this, stream);
            stream.setProperty(streamKey, s);
            try {
                s.start(
                        new Exchange(s, proxy, proxy.config(), binding, true, request),
                        HttpMethod.HEAD.equals(request.method()));
            } catch (RuntimeException e) {
                throw streamFailed(streamId, e);
            }
        }

        @Override
        public void onHeadersRead(
                ChannelHandlerContext ctx,
                int streamId,
                Http2Headers headers,
                int streamDependency,
                short weight,
                boolean exclusive,
                int padding,
                boolean endOfStream)
                throws Http2Exception {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
                throws Http2Exception {
            Http2Stream stream = connection().stream(streamId);
            Http2DownstreamStream s = stream == null ? null : stream.getProperty(streamKey);
            if (s == null) {
                return data.readableBytes() + padding;
            }
            try {
                return s.onData(data, padding, endOfStream);
            } catch (RuntimeException e) {
                throw streamFailed(streamId, e);
            }
        }
    }

    /** Ends the stream's exchange when Netty closes the stream, however that came about. */
    private final class StreamListener extends Http2ConnectionAdapter {
        @Override
        public void onStreamClosed(Http2Stream stream) {
            Http2DownstreamStream s = stream.removeProperty(streamKey);
            if (s != null) {
                s.onClosed();
            }
        }
    }

    /** Netty's builder, for its defaults (header validation, reset-flood limits) and our settings. */
    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<Http2DownstreamHandler, Builder> {
        private final ProxyContext proxy;
        private final Binding binding;
        private final DownstreamTls tls;

        Builder(ProxyContext proxy, Binding binding, DownstreamTls tls) {
            this.proxy = proxy;
            this.binding = binding;
            this.tls = tls;
            ProxySettings s = proxy.settings();
            server(true);
            initialSettings(Http2Settings.defaultSettings()
                    .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                    .maxHeaderListSize(s.maxHeaderSize()));
            gracefulShutdownTimeoutMillis(s.drainTimeout().toMillis());
        }

        @Override
        protected Http2DownstreamHandler build() {
            return super.build();
        }

        @Override
        protected Http2DownstreamHandler build(
                Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings) {
            return new Http2DownstreamHandler(decoder, encoder, initialSettings, proxy, binding, tls);
        }
    }
}
