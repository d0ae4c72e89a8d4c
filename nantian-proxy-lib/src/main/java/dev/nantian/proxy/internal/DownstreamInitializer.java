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
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of an accepted cleartext connection (and, through {@link #initHttp1OverTls} and
 * {@link #initHttp2OverTls}, completes that of a terminated HTTPS connection once ALPN chose its protocol). A
 * cleartext connection starts as HTTP/1.1 behind Netty's {@link CleartextHttp2ServerUpgradeHandler}, which switches
 * to HTTP/2 on the client's connection preface (prior knowledge) or on {@code Upgrade: h2c}. Each HTTP/2 stream
 * becomes a child channel that speaks the same HTTP/1 objects as a connection, so both end in a
 * {@link DownstreamHandler}.
 *
 * <p>Connections start with {@code AUTO_READ} off: the HTTP/1.1 handler reads one request at a time (the
 * {@link FlowControlHandler} holds back pipelined ones), and request bodies are read as fast as the upstream takes
 * them.
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
        DownstreamHandler http1 = new DownstreamHandler(proxy, binding, false);
        ChannelPipeline p = ch.pipeline();
        p.addLast(IDLE, new IdleStateHandler(0, 0, s.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(BYTES, new RequestStartMarker(http1));
        p.addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                Http2FrameCodec frameCodec = newFrameCodec();
                c.pipeline().addLast(frameCodec, newMultiplexHandler(), new Http2Connection(frameCodec));
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
        DownstreamHandler http1 = new DownstreamHandler(proxy, binding, false, tls);
        p.addLast(
                IDLE, new IdleStateHandler(0, 0, proxy.settings().idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(BYTES, new RequestStartMarker(http1));
        p.addLast(newCodec());
        p.addLast(FLOW, new FlowControlHandler());
        p.addLast(EXPECT, new ExpectContinue(proxy.settings().maxRequestBodyBytes()));
        p.addLast(HTTP1, http1);
    }

    /** Completes the pipeline of a TLS connection whose ALPN chose HTTP/2: the same stream path as h2c. */
    void initHttp2OverTls(ChannelPipeline p, DownstreamTls tls) {
        Http2FrameCodec frameCodec = newFrameCodec();
        p.addLast(
                IDLE, new IdleStateHandler(0, 0, proxy.settings().idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(frameCodec, newMultiplexHandler(tls), new Http2Connection(frameCodec));
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
        Http2FrameCodec frameCodec = newFrameCodec();
        return new Http2ServerUpgradeCodec(frameCodec, newMultiplexHandler(), new Http2Connection(frameCodec));
    }

    private Http2FrameCodec newFrameCodec() {
        ProxySettings s = proxy.settings();
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(1000)
                        .maxHeaderListSize(s.maxHeaderSize()))
                .gracefulShutdownTimeoutMillis(s.drainTimeout().toMillis())
                .build();
    }

    private Http2MultiplexHandler newMultiplexHandler() {
        return newMultiplexHandler(null);
    }

    private Http2MultiplexHandler newMultiplexHandler(DownstreamTls tls) {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                // Per-stream backpressure: frames queue in the child (bounded by the HTTP/2 window, which is only
                // replenished as we read) until the exchange asks for them.
                stream.config().setAutoRead(false);
                stream.pipeline()
                        .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                        .addLast(new FlowControlHandler())
                        .addLast(new DownstreamHandler(proxy, binding, true, tls));
            }
        });
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

    /**
     * The connection-level handler of an HTTP/2 connection. When it is added the connection has left HTTP/1.1, so it
     * removes the HTTP/1.1 handlers and lets the connection read freely (HTTP/2 flow control bounds each stream).
     * Closing the channel makes the frame codec send GOAWAY and wait for open streams, which is the drain.
     */
    private static final class Http2Connection extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        Http2Connection(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ChannelPipeline p = ctx.pipeline();
            for (String name : HTTP1_HANDLERS) {
                if (p.get(name) != null) {
                    p.remove(name);
                }
            }
            ctx.channel().config().setAutoRead(true);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == DRAIN) {
                ctx.close();
                return;
            }
            if (evt instanceof IdleStateEvent) {
                if (codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
