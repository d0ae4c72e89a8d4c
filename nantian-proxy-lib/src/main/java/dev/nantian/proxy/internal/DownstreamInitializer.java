package dev.nantian.proxy.internal;

import dev.nantian.core.routing.Binding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
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
    static final String BYTES = "request-start";
    static final String FLOW = "flow-control";
    static final String EXPECT = "expect-continue";
    static final String HTTP1 = "http1";
    /** Handlers that exist only while the connection speaks HTTP/1.1. */
    static final List<String> HTTP1_HANDLERS = List.of(BYTES, FLOW, EXPECT, HTTP1);

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
        p.addLast(IDLE, new IdleStateHandler(0, 0, s.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(BYTES, new RequestStartMarker(http1));
        p.addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(Http2DownstreamHandler.create(proxy, binding, null));
            }
        }));
        p.addLast(FLOW, new FlowControlHandler());
        p.addLast(EXPECT, new ExpectContinue(s.maxRequestBodyBytes()));
        p.addLast(HTTP1, http1);
    }

    /**
     * Completes the pipeline of a TLS connection whose ALPN chose HTTP/1.1: as the cleartext one, without h2c
     * upgrades. The connection is already active, so the caller fires {@code channelActive} onwards afterwards.
     */
    void initHttp1OverTls(ChannelPipeline p, DownstreamTls tls) {
        DownstreamHandler http1 = new DownstreamHandler(proxy, binding, tls);
        p.addLast(
                IDLE, new IdleStateHandler(0, 0, proxy.settings().idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(BYTES, new RequestStartMarker(http1));
        p.addLast(newCodec());
        p.addLast(FLOW, new FlowControlHandler());
        p.addLast(EXPECT, new ExpectContinue(proxy.settings().maxRequestBodyBytes()));
        p.addLast(HTTP1, http1);
    }

    /** Completes the pipeline of a TLS connection whose ALPN chose HTTP/2: the same handler as h2c. */
    void initHttp2OverTls(ChannelPipeline p, DownstreamTls tls) {
        p.addLast(
                IDLE, new IdleStateHandler(0, 0, proxy.settings().idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
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
     * Remembers that bytes of a request arrived, so that a header-read timeout can tell a slow client (408) from an
     * idle keep-alive connection (just closed).
     */
    private static final class RequestStartMarker extends ChannelInboundHandlerAdapter {
        private final DownstreamHandler handler;

        RequestStartMarker(DownstreamHandler handler) {
            this.handler = handler;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf && buf.isReadable()) {
                handler.bytesReceived();
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** Answers {@code Expect: 100-continue}, or 413 at once when the declared body is over the limit. */
    private static final class ExpectContinue extends HttpServerExpectContinueHandler {
        private final long maxBody;

        ExpectContinue(long maxBody) {
            this.maxBody = maxBody;
        }

        @Override
        protected HttpResponse acceptMessage(HttpRequest request) {
            if (HttpUtil.getContentLength(request, -1L) > maxBody) {
                return null;
            }
            return super.acceptMessage(request);
        }

        @Override
        protected HttpResponse rejectResponse(HttpRequest request) {
            HttpResponse resp =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            resp.headers().set(HttpHeaderNames.CONNECTION, "close");
            return resp;
        }
    }
}
