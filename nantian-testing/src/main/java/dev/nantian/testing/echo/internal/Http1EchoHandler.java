package dev.nantian.testing.echo.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves HTTP/1.x requests of one connection (after {@code HttpServerCodec}). Request bodies are read and dropped, as
 * upstream never reads them; the reply goes out once the whole request has arrived. Responses stay in request order:
 * while one is pending (a {@code ?delay=} for instance) reading is paused and further pipelined requests wait.
 *
 * <p>All methods run on the connection's event loop.
 */
final class Http1EchoHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Http1EchoHandler.class);
    private static final int MAX_WEBSOCKET_FRAME = 1 << 20;

    private record Pending(EchoRequest request, HttpVersion version, HttpHeaders headers, boolean keepAlive) {}

    private final EchoResponder responder;
    private final PortKind port;
    private final TlsInfo tls;
    private final Queue<Pending> queued = new ArrayDeque<>();
    private Pending reading;
    private boolean busy;

    Http1EchoHandler(EchoResponder responder, PortKind port, TlsInfo tls) {
        this.responder = requireNonNull(responder, "responder");
        this.port = requireNonNull(port, "port");
        this.tls = tls;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!(msg instanceof HttpObject object)) {
                return;
            }
            if (object.decoderResult().isFailure()) {
                // Malformed request line, headers or chunk: Go answers 400 and closes.
                log.debug(
                        "malformed HTTP/1 request from {}",
                        ctx.channel().remoteAddress(),
                        object.decoderResult().cause());
                reading = null;
                FullHttpResponse bad = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.BAD_REQUEST,
                        Unpooled.copiedBuffer("400 Bad Request", StandardCharsets.US_ASCII));
                bad.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
                HttpUtil.setContentLength(bad, bad.content().readableBytes());
                HttpUtil.setKeepAlive(bad, false);
                ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (msg instanceof HttpRequest request) {
                reading = pending(ctx, request);
            }
            if (msg instanceof LastHttpContent && reading != null) {
                Pending complete = reading;
                reading = null;
                if (busy) {
                    queued.add(complete);
                } else {
                    process(ctx, complete);
                }
            }
        } finally {
            // Bodies are not echoed; every message (FullHttpRequest included) is released here.
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent
                || evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
            // The connection now speaks HTTP/2; its streams are served by Http2EchoStreamHandler.
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("closing HTTP/1 connection from {}", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    private Pending pending(ChannelHandlerContext ctx, HttpRequest request) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String host = "";
        boolean sawHost = false;
        for (Map.Entry<String, String> header : request.headers()) {
            String name = header.getKey();
            if (name.equalsIgnoreCase("Host")) {
                // Go moves Host into Request.Host and drops Transfer-Encoding into Request.TransferEncoding.
                if (!sawHost) {
                    host = header.getValue();
                    sawHost = true;
                }
            } else if (!name.equalsIgnoreCase("Transfer-Encoding")) {
                headers.add(Map.entry(name, header.getValue()));
            }
        }
        String uri = request.uri();
        String absoluteHost = absoluteFormHost(uri);
        if (absoluteHost != null) {
            host = absoluteHost;
        }
        EchoRequest echo = new EchoRequest(
                request.method().name(),
                uri,
                host,
                request.protocolVersion().text(),
                headers,
                EchoChannelInitializer.goAddress(ctx.channel().remoteAddress()),
                tls,
                port);
        return new Pending(echo, request.protocolVersion(), request.headers(), HttpUtil.isKeepAlive(request));
    }

    private static String absoluteFormHost(String uri) {
        int scheme = uri.indexOf("://");
        if (uri.startsWith("/") || scheme <= 0) {
            return null;
        }
        int end = scheme + 3;
        while (end < uri.length() && "/?".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        return uri.substring(scheme + 3, end);
    }

    private void process(ChannelHandlerContext ctx, Pending pending) {
        busy = true;
        // Backpressure and ordering: read nothing more until this response is written.
        ctx.channel().config().setAutoRead(false);
        carryOut(ctx, pending, responder.respond(pending.request()));
    }

    private void carryOut(ChannelHandlerContext ctx, Pending pending, Outcome outcome) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (outcome instanceof Outcome.Reply reply) {
            write(ctx, pending, reply.response());
        } else if (outcome instanceof Outcome.Delayed delayed) {
            ScheduledFuture<?> timer = ctx.executor()
                    .schedule(
                            () -> carryOut(ctx, pending, delayed.then()),
                            delayed.delay().toNanos(),
                            TimeUnit.NANOSECONDS);
            ctx.channel().closeFuture().addListener(f -> timer.cancel(false));
        } else if (outcome instanceof Outcome.Reset) {
            // Upstream hijacks the connection and closes it with linger 0: the client sees a TCP reset.
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
        } else if (outcome instanceof Outcome.WebSocketUpgrade) {
            upgradeToWebSocket(ctx, pending);
        }
    }

    private void write(ChannelHandlerContext ctx, Pending pending, EchoResponse response) {
        HttpVersion version = pending.version();
        if (response.interimStatus() != 0) {
            ctx.write(new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(response.interimStatus())));
        }
        boolean head = pending.request().isHead();
        FullHttpResponse res = new DefaultFullHttpResponse(
                version,
                HttpResponseStatus.valueOf(response.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body()));
        for (Map.Entry<String, String> header : response.headers()) {
            res.headers().add(header.getKey(), header.getValue());
        }
        if (response.allowsContentLength()) {
            HttpUtil.setContentLength(res, response.body().length);
        }
        boolean keepAlive =
                pending.keepAlive() && !res.headers().containsValue(HttpHeaderNames.CONNECTION, "close", true);
        HttpUtil.setKeepAlive(res, keepAlive);
        ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> {
            if (!keepAlive || !f.isSuccess()) {
                ctx.close();
            } else {
                next(ctx);
            }
        });
    }

    private void next(ChannelHandlerContext ctx) {
        busy = false;
        Pending waiting = queued.poll();
        if (waiting != null) {
            process(ctx, waiting);
        } else {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void upgradeToWebSocket(ChannelHandlerContext ctx, Pending pending) {
        EchoRequest request = pending.request();
        String url = (tls != null ? "wss://" : "ws://") + request.host() + request.requestUri();
        DefaultFullHttpRequest handshakeRequest = new DefaultFullHttpRequest(
                pending.version(),
                HttpMethod.GET,
                request.requestUri(),
                Unpooled.EMPTY_BUFFER,
                pending.headers(),
                EmptyHttpHeaders.INSTANCE);
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                        url, null, false, MAX_WEBSOCKET_FRAME)
                .newHandshaker(handshakeRequest);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // From here on the connection carries frames; swap in the frame echo before any can arrive.
        ctx.pipeline().replace(this, "nantian-websocket-echo", new WebSocketEchoHandler());
        handshaker.handshake(ctx.channel(), handshakeRequest).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                f.channel().config().setAutoRead(true);
            } else {
                log.debug("websocket handshake failed", f.cause());
                f.channel().close();
            }
        });
    }
}
