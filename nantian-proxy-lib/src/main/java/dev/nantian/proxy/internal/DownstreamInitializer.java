package dev.nantian.proxy.internal;

import dev.nantian.core.routing.Binding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of an accepted cleartext connection (and, through {@link #initHttp1OverTls} and
 * {@link #initHttp2OverTls}, completes that of a terminated HTTPS connection once ALPN chose its protocol). A
 * cleartext connection starts as HTTP/1.1 behind Netty's {@link CleartextHttp2ServerUpgradeHandler}, which switches
 * to HTTP/2 on the client's connection preface (prior knowledge) or on {@code Upgrade: h2c}. An HTTP/1.1 connection
 * ends in a {@link DownstreamHandler}; an HTTP/2 connection is one {@link Http2DownstreamHandler}, which removes the
 * HTTP/1.1 handlers when it is added. Both hand their requests to {@link Exchange}s as Netty's HTTP/1 objects.
 *
 * <p>Connections start with {@code AUTO_READ} off: the HTTP/1.1 handler reads one request at a time (the
 * {@link FlowControlHandler} holds back pipelined ones), and request bodies are read as fast as the upstream takes
 * them. HTTP/2 connections read freely; flow control bounds each stream.
 */
public final class DownstreamInitializer extends ChannelInitializer<Channel> {
    /** User event asking a connection to finish its current request and close (listener removed, shutdown). */
    public static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    static final String IDLE = "idle";
    static final String FLOW = "flow-control";
    static final String HTTP1 = "http1";
    /** Handlers that exist only while the connection speaks HTTP/1.1. */
    static final List<String> HTTP1_HANDLERS = List.of(FLOW, HTTP1);

    private static final int MAX_UPGRADE_BODY = 65536;

    private final ProxyContext proxy;
    private final Binding binding;
    private final ChannelGroup connections;

    public DownstreamInitializer(ProxyContext proxy, Binding binding, ChannelGroup connections) {
        this.proxy = proxy;
        this.binding = binding;
        this.connections = connections;
    }

    @Override
    protected void initChannel(Channel ch) {
        connections.add(ch);
        ProxySettings s = proxy.settings();
        HttpServerCodec codec = newCodec();
        HttpServerUpgradeHandler upgrade =
                new HttpServerUpgradeHandler(
                        codec,
                        protocol -> AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                ? newUpgradeCodec()
                                : null,
                        MAX_UPGRADE_BODY) {
                    @Override
                    protected boolean shouldHandleUpgradeRequest(HttpRequest req) {
                        // Only h2c is upgraded here; WebSocket upgrades stream through to the backend.
                        String upgradeHeader = req.headers().get(HttpHeaderNames.UPGRADE);
                        return upgradeHeader != null
                                && upgradeHeader.toLowerCase(Locale.ROOT).contains("h2c")
                                && super.shouldHandleUpgradeRequest(req);
                    }
                };
        DownstreamHandler http1 = new DownstreamHandler(proxy, binding, null);
        ChannelPipeline p = ch.pipeline();
        p.addLast(IDLE, new Http1Idle(s.idleTimeout(), http1));
        p.addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(Http2DownstreamHandler.create(proxy, binding, null));
            }
        }));
        p.addLast(FLOW, new FlowControlHandler());
        p.addLast(HTTP1, http1);
    }

    /**
     * Completes the pipeline of a TLS connection whose ALPN chose HTTP/1.1: as the cleartext one, without h2c
     * upgrades. The connection is already active, so the caller fires {@code channelActive} onwards afterwards.
     */
    void initHttp1OverTls(ChannelPipeline p, DownstreamTls tls) {
        DownstreamHandler http1 = new DownstreamHandler(proxy, binding, tls);
        p.addLast(IDLE, new Http1Idle(proxy.settings().idleTimeout(), http1));
        p.addLast(newCodec());
        p.addLast(FLOW, new FlowControlHandler());
        p.addLast(HTTP1, http1);
    }

    /** Completes the pipeline of a TLS connection whose ALPN chose HTTP/2: the same handler as h2c. */
    void initHttp2OverTls(ChannelPipeline p, DownstreamTls tls) {
        p.addLast(IDLE, idleHandler(proxy.settings().idleTimeout()));
        p.addLast(Http2DownstreamHandler.create(proxy, binding, tls));
    }

    /** The channel group that drains with the socket. */
    ChannelGroup connections() {
        return connections;
    }

    private HttpServerCodec newCodec() {
        ProxySettings s = proxy.settings();
        return new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(s.maxInitialLineLength())
                .setMaxHeaderSize(s.maxHeaderSize())
                .setMaxChunkSize(65536));
    }

    private Http2ServerUpgradeCodec newUpgradeCodec() {
        return new Http2ServerUpgradeCodec(Http2DownstreamHandler.create(proxy, binding, null));
    }

    /**
     * The idle timer of a connection: only reads count as activity, since the handlers that act on it close a
     * connection only while no request is in flight (timing writes would add a listener to every write). A reader
     * timeout alone also needs no per-write bookkeeping.
     */
    static IdleStateHandler idleHandler(Duration idleTimeout) {
        return new IdleStateHandler(idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS);
    }

    /**
     * The idle timer of an HTTP/1.1 connection, which also tells its {@link DownstreamHandler} that bytes of a
     * request arrived, so that a header-read timeout can tell a slow client (408) from an idle keep-alive connection
     * (just closed). One handler for both: each handler costs every message a pipeline hop.
     */
    private static final class Http1Idle extends IdleStateHandler {
        private final DownstreamHandler handler;

        Http1Idle(Duration idleTimeout, DownstreamHandler handler) {
            super(idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS);
            this.handler = handler;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof ByteBuf buf && buf.isReadable()) {
                handler.bytesReceived();
            }
            super.channelRead(ctx, msg);
        }
    }
}
