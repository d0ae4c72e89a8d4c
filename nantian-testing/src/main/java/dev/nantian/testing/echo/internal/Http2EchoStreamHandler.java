package dev.nantian.testing.echo.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one HTTP/2 stream (a child channel of {@code Http2MultiplexHandler}); a new instance per stream. The reply
 * goes out when the request stream ends; DATA frames are dropped, and the multiplexer returns their flow-control
 * credit as they are read.
 *
 * <p>All methods run on the parent connection's event loop.
 */
final class Http2EchoStreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Http2EchoStreamHandler.class);
    // Connection-specific fields are illegal in HTTP/2; Go's server drops them from responses too.
    private static final Set<String> CONNECTION_SPECIFIC =
            Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade");

    private final EchoResponder responder;
    private final PortKind port;
    private final TlsInfo tls;
    private EchoRequest request;
    private boolean answered;

    Http2EchoStreamHandler(EchoResponder responder, PortKind port, TlsInfo tls) {
        this.responder = requireNonNull(responder, "responder");
        this.port = requireNonNull(port, "port");
        this.tls = tls;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            boolean endStream = false;
            if (msg instanceof Http2HeadersFrame headers) {
                if (request == null) {
                    request = request(ctx, headers.headers());
                    if (request == null) {
                        reset(ctx, Http2Error.PROTOCOL_ERROR);
                        return;
                    }
                }
                endStream = headers.isEndStream();
            } else if (msg instanceof Http2DataFrame data) {
                endStream = data.isEndStream();
            }
            if (endStream && request != null && !answered) {
                answered = true;
                carryOut(ctx, responder.respond(request));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("resetting HTTP/2 stream", cause);
        reset(ctx, Http2Error.INTERNAL_ERROR);
    }

    private EchoRequest request(ChannelHandlerContext ctx, Http2Headers headers) {
        CharSequence method = headers.method();
        CharSequence path = headers.path();
        if (method == null || path == null) {
            return null;
        }
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        List<String> cookies = new ArrayList<>();
        int cookieIndex = -1;
        String hostHeader = null;
        for (Map.Entry<CharSequence, CharSequence> header : headers) {
            String name = header.getKey().toString();
            if (name.startsWith(":")) {
                continue;
            }
            String value = header.getValue().toString();
            if (name.equals("cookie")) {
                // Go's HTTP/2 server merges cookie fields into one "; "-separated value (RFC 9113 8.2.3).
                if (cookieIndex < 0) {
                    cookieIndex = fields.size();
                    fields.add(null);
                }
                cookies.add(value);
                continue;
            }
            if (name.equals("host") && hostHeader == null) {
                hostHeader = value;
            }
            if (name.equals("expect") && value.equalsIgnoreCase("100-continue")) {
                continue; // Go's HTTP/2 server consumes it.
            }
            fields.add(Map.entry(name, value));
        }
        if (cookieIndex >= 0) {
            fields.set(cookieIndex, Map.entry("cookie", String.join("; ", cookies)));
        }
        CharSequence authority = headers.authority();
        String host = authority != null && authority.length() > 0 ? authority.toString() : hostHeader;
        // Go exposes the connection's TLS state only to requests whose :scheme is https.
        boolean https = headers.scheme() != null && "https".contentEquals(headers.scheme());
        return new EchoRequest(
                method.toString(),
                path.toString(),
                host == null ? "" : host,
                "HTTP/2.0",
                fields,
                EchoChannelInitializer.goAddress(ctx.channel().parent().remoteAddress()),
                https ? tls : null,
                port);
    }

    private void carryOut(ChannelHandlerContext ctx, Outcome outcome) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (outcome instanceof Outcome.Reply reply) {
            write(ctx, reply.response());
        } else if (outcome instanceof Outcome.Delayed delayed) {
            ScheduledFuture<?> timer = ctx.executor()
                    .schedule(
                            () -> carryOut(ctx, delayed.then()), delayed.delay().toNanos(), TimeUnit.NANOSECONDS);
            ctx.channel().closeFuture().addListener(f -> timer.cancel(false));
        } else {
            // Reset (and a WebSocket upgrade, which HTTP/2 cannot hijack): end this stream only, not the
            // connection other streams share.
            reset(ctx, Http2Error.INTERNAL_ERROR);
        }
    }

    private void write(ChannelHandlerContext ctx, EchoResponse response) {
        if (response.interimStatus() != 0) {
            ctx.write(new DefaultHttp2HeadersFrame(
                    new DefaultHttp2Headers().status(Integer.toString(response.interimStatus())), false));
        }
        Http2Headers headers = new DefaultHttp2Headers().status(Integer.toString(response.status()));
        for (Map.Entry<String, String> header : response.headers()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!CONNECTION_SPECIFIC.contains(name)) {
                headers.add(name, header.getValue());
            }
        }
        if (response.allowsContentLength()) {
            headers.setInt("content-length", response.body().length);
        }
        boolean noBody = response.body().length == 0 || request.isHead();
        ctx.write(new DefaultHttp2HeadersFrame(headers, noBody));
        if (!noBody) {
            ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(response.body()), true));
        }
        ctx.flush();
    }

    private static void reset(ChannelHandlerContext ctx, Http2Error error) {
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(error));
    }
}
