package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Sends single HTTP round trips the way the upstream suite's Go client does: a new connection for every request
 * (keep-alives off), HTTP/1.1 in clear or over TLS, HTTP/2 over TLS via ALPN, or h2c with prior knowledge; any Host
 * header (which the JDK's HttpClient refuses to set); {@code User-Agent: Go-http-client/...} and
 * {@code Accept-Encoding: gzip} added, gzip bodies transparently decoded. Redirects are never followed.
 *
 * <p>{@link #exchange} holds one WebSocket conversation like golang.org/x/net/websocket's client.
 *
 * <p>{@link #send} and {@link #exchange} block the calling thread, which must not be one of the client's event loops; any number of
 * threads may call it at once. Responses are copied to heap arrays and their buffers released at once.
 */
public final class ProbeClient implements AutoCloseable {

    private static final int MAX_BODY = 16 * 1024 * 1024;

    private final EventLoopGroup group;

    /** Creates a client with its own event loops. */
    public ProbeClient(int threads) {
        this.group = new MultiThreadIoEventLoopGroup(
                threads, new DefaultThreadFactory("nantian-conformance-client", true), NioIoHandler.newFactory());
    }

    /**
     * One request.
     *
     * @param address where to connect
     * @param tls the TLS client for this round trip, or null for cleartext
     * @param sni the server name to send, or null
     * @param protocol the HTTP version
     * @param method the method
     * @param authority the Host header / :authority
     * @param pathAndQuery the request target
     * @param headers extra headers in order (name, value)
     * @param timeout the whole round trip's limit
     */
    public record Probe(
            InetSocketAddress address,
            ClientTls tls,
            String sni,
            HttpCase.Protocol protocol,
            String method,
            String authority,
            String pathAndQuery,
            List<Map.Entry<String, String>> headers,
            Duration timeout) {
        public Probe {
            requireNonNull(address, "address");
            requireNonNull(protocol, "protocol");
            requireNonNull(method, "method");
            requireNonNull(authority, "authority");
            requireNonNull(pathAndQuery, "pathAndQuery");
            headers = List.copyOf(headers);
            requireNonNull(timeout, "timeout");
            if (protocol == HttpCase.Protocol.H2 && tls == null) {
                throw new IllegalArgumentException("H2 needs TLS");
            }
        }
    }

    /** A round trip that ended without a response: connection, TLS or protocol error, or timeout. */
    public static final class TransportException extends Exception {
        private static final long serialVersionUID = 1L;

        TransportException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Sends {@code probe} on a new connection and waits for the whole response.
     *
     * @throws TransportException when no HTTP response arrived
     * @throws InterruptedException when the calling thread is interrupted
     */
    public RoundTrip send(Probe probe) throws TransportException, InterruptedException {
        CompletableFuture<RoundTrip> result = new CompletableFuture<>();
        boolean h2 = probe.protocol() != HttpCase.Protocol.HTTP_1_1;
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, probe.timeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (probe.tls() != null) {
                            p.addLast(new SslHandler(engine(probe, h2)));
                        }
                        if (!h2) {
                            p.addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_BODY));
                            p.addLast(new ResponseHandler(result, probe));
                        } else if (probe.tls() == null) {
                            addHttp2(p);
                        }
                        p.addLast(new FailureHandler(result));
                    }
                });
        ChannelFuture connect = bootstrap.connect(probe.address());
        Channel channel = connect.channel();
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (ssl == null) {
                dispatch(channel, probe, result);
                return;
            }
            ssl.handshakeFuture().addListener(hs -> {
                if (!hs.isSuccess()) {
                    result.completeExceptionally(hs.cause());
                } else if (h2 && !"h2".equals(ssl.engine().getApplicationProtocol())) {
                    // A plain JDK engine (not one from Netty's SslContext): ask the engine, not the handler.
                    result.completeExceptionally(new IOException("server did not negotiate h2 with ALPN (got "
                            + ssl.engine().getApplicationProtocol() + ")"));
                } else {
                    if (h2) {
                        addHttp2Before(channel.pipeline(), FailureHandler.class);
                    }
                    dispatch(channel, probe, result);
                }
            });
        });
        try {
            return result.get(probe.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TransportException("no response within " + probe.timeout().toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new TransportException(describe(cause), cause);
        } finally {
            channel.close();
        }
    }

    /**
     * One WebSocket conversation, the way golang.org/x/net/websocket's {@code Dial} and {@code Message} do it.
     *
     * @param address where to connect (cleartext)
     * @param authority the Host header (Go keeps the port even when it is 80)
     * @param path the request target of the upgrade
     * @param origin the Origin header
     * @param messages what to send, in order; each must be answered by one message with the same payload
     * @param timeout the whole conversation's limit
     */
    public record WebSocketProbe(
            InetSocketAddress address,
            String authority,
            String path,
            String origin,
            List<WebSocketMessage> messages,
            Duration timeout) {
        public WebSocketProbe {
            requireNonNull(address, "address");
            requireNonNull(authority, "authority");
            requireNonNull(path, "path");
            requireNonNull(origin, "origin");
            messages = List.copyOf(messages);
            requireNonNull(timeout, "timeout");
        }
    }

    /** A data message: a text frame or, when {@code binary}, a binary frame. */
    public record WebSocketMessage(boolean binary, byte[] payload) {
        public WebSocketMessage {
            payload = payload.clone();
        }

        /** A text message. */
        public static WebSocketMessage text(String text) {
            return new WebSocketMessage(false, text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public byte[] payload() {
            return payload.clone();
        }

        String describe() {
            return binary ? Arrays.toString(payload) : '"' + new String(payload, StandardCharsets.UTF_8) + '"';
        }
    }

    /**
     * Upgrades a new connection to WebSocket (version 13, no subprotocol, no extensions) and, on it, sends each
     * message and reads one message back, which must carry the same payload (its frame type is not checked, as
     * upstream's {@code Message.Receive} does not). The connection is closed at the end.
     *
     * @return null when every reply matched, else what did not
     * @throws TransportException when the upgrade failed or the connection broke or timed out
     * @throws InterruptedException when the calling thread is interrupted
     */
    public String exchange(WebSocketProbe probe) throws TransportException, InterruptedException {
        long deadline = System.nanoTime() + probe.timeout().toNanos();
        HttpHeaders headers = new DefaultHttpHeaders()
                .set(HttpHeaderNames.HOST, probe.authority())
                .set(HttpHeaderNames.ORIGIN, probe.origin());
        URI uri = URI.create("ws://" + probe.authority() + probe.path());
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .customHeaders(headers)
                .generateOriginHeader(false)
                .handshakeTimeoutMillis(Math.max(1, probe.timeout().toMillis()))
                .maxFramePayloadLength(MAX_BODY)
                .build();
        WebSocketExchangeHandler handler = new WebSocketExchangeHandler();
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, probe.timeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(
                                        new HttpClientCodec(),
                                        new HttpObjectAggregator(MAX_BODY),
                                        new WebSocketClientProtocolHandler(config),
                                        new WebSocketFrameAggregator(MAX_BODY),
                                        handler);
                    }
                });
        ChannelFuture connect = bootstrap.connect(probe.address());
        Channel channel = connect.channel();
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                handler.handshake.completeExceptionally(f.cause());
            }
        });
        try {
            handler.handshake.get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            for (WebSocketMessage message : probe.messages()) {
                WebSocketFrame frame = message.binary()
                        ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message.payload))
                        : new TextWebSocketFrame(Unpooled.wrappedBuffer(message.payload));
                channel.writeAndFlush(frame).addListener(w -> {
                    if (!w.isSuccess()) {
                        handler.messages.add(new WebSocketExchangeHandler.Received(null, w.cause()));
                    }
                });
                WebSocketExchangeHandler.Received reply =
                        handler.messages.poll(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                if (reply == null) {
                    throw new TransportException(
                            "no reply to " + message.describe() + " within "
                                    + probe.timeout().toMillis() + " ms",
                            null);
                }
                if (reply.failure() != null) {
                    throw new TransportException(
                            "while waiting for the reply to " + message.describe() + ": " + describe(reply.failure()),
                            reply.failure());
                }
                if (!Arrays.equals(reply.payload(), message.payload)) {
                    return "unexpected reply: want " + message.describe() + ", got "
                            + new WebSocketMessage(message.binary(), reply.payload()).describe();
                }
            }
            return null;
        } catch (TimeoutException e) {
            throw new TransportException(
                    "no WebSocket handshake within " + probe.timeout().toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new TransportException("WebSocket handshake failed: " + describe(cause), cause);
        } finally {
            channel.close();
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == cause ? message : cause.getClass().getSimpleName() + ": " + message;
    }

    private static SSLEngine engine(Probe probe, boolean h2) {
        String peer = probe.sni() != null ? probe.sni() : probe.address().getHostString();
        SSLEngine engine =
                probe.tls().context().createSSLEngine(peer, probe.address().getPort());
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        if (probe.sni() != null
                && !probe.sni().isEmpty()
                && !NetUtil.isValidIpV4Address(probe.sni())
                && !NetUtil.isValidIpV6Address(probe.sni())) {
            params.setServerNames(List.of(new SNIHostName(probe.sni())));
        } else {
            params.setServerNames(List.of());
        }
        params.setApplicationProtocols(h2 ? new String[] {"h2"} : new String[] {"http/1.1"});
        engine.setSSLParameters(params);
        return engine;
    }

    private static void addHttp2(ChannelPipeline p) {
        p.addLast(Http2FrameCodecBuilder.forClient().build(), new Http2MultiplexHandler(new ServerStreamRefuser()));
    }

    private static void addHttp2Before(ChannelPipeline p, Class<? extends ChannelHandler> before) {
        String name = p.context(before).name();
        p.addBefore(name, null, Http2FrameCodecBuilder.forClient().build());
        p.addBefore(name, null, new Http2MultiplexHandler(new ServerStreamRefuser()));
    }

    private static void dispatch(Channel channel, Probe probe, CompletableFuture<RoundTrip> result) {
        if (probe.protocol() == HttpCase.Protocol.HTTP_1_1) {
            channel.writeAndFlush(request(probe, false)).addListener(w -> {
                if (!w.isSuccess()) {
                    result.completeExceptionally(w.cause());
                }
            });
            return;
        }
        new Http2StreamChannelBootstrap(channel)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline()
                                .addLast(
                                        new Http2StreamFrameToHttpObjectCodec(false),
                                        new HttpObjectAggregator(MAX_BODY),
                                        new ResponseHandler(result, probe),
                                        new FailureHandler(result));
                    }
                })
                .open()
                .addListener(opened -> {
                    if (!opened.isSuccess()) {
                        result.completeExceptionally(opened.cause());
                        return;
                    }
                    Http2StreamChannel stream = (Http2StreamChannel) opened.getNow();
                    stream.writeAndFlush(request(probe, true)).addListener(w -> {
                        if (!w.isSuccess()) {
                            result.completeExceptionally(w.cause());
                        }
                    });
                });
    }

    private static FullHttpRequest request(Probe probe, boolean h2) {
        FullHttpRequest request = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.valueOf(probe.method()), probe.pathAndQuery(), Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, probe.authority());
        request.headers().set(HttpHeaderNames.USER_AGENT, h2 ? "Go-http-client/2.0" : "Go-http-client/1.1");
        String method = probe.method();
        if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
            // Go sends an explicit zero length for body-carrying methods without a body.
            request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
        for (Map.Entry<String, String> header : probe.headers()) {
            request.headers().add(header.getKey(), header.getValue());
        }
        if (h2) {
            request.headers()
                    .set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), probe.tls() == null ? "http" : "https");
        } else {
            request.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        request.headers().set(HttpHeaderNames.ACCEPT_ENCODING, "gzip");
        return request;
    }

    /** Copies the aggregated response; {@link SimpleChannelInboundHandler} releases it. */
    private static final class ResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final CompletableFuture<RoundTrip> result;
        private final Probe probe;

        ResponseHandler(CompletableFuture<RoundTrip> result, Probe probe) {
            this.result = result;
            this.probe = probe;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (response.status().code() / 100 == 1) {
                return; // Go's client skips 1xx responses (101 is not expected here).
            }
            RoundTrip.Headers headers = new RoundTrip.Headers();
            response.headers().forEach(h -> headers.add(h.getKey(), h.getValue()));
            headers.remove(
                    HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text().toString());
            byte[] body = ByteBufUtil.getBytes(response.content());
            if ("gzip".equalsIgnoreCase(response.headers().get(HttpHeaderNames.CONTENT_ENCODING))) {
                // Go decodes gzip when it added Accept-Encoding itself, and hides the encoding headers.
                try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                    body = in.readAllBytes();
                    headers.remove("content-encoding");
                    headers.remove("content-length");
                } catch (IOException e) {
                    result.completeExceptionally(e);
                    return;
                }
            }
            boolean h2 = probe.protocol() != HttpCase.Protocol.HTTP_1_1;
            String proto = h2 ? "HTTP/2.0" : response.protocolVersion().text();
            boolean requested = probe.tls() != null && probe.tls().clientCertificateRequested();
            result.complete(new RoundTrip(response.status().code(), proto, headers.build(), body, requested));
            ctx.close();
        }
    }

    /** Turns an early close or an exception into a failed round trip; a no-op once the response is in. */
    private static final class FailureHandler extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<RoundTrip> result;

        FailureHandler(CompletableFuture<RoundTrip> result) {
            this.result = result;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new IOException("connection closed before a response arrived"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
            ctx.close();
        }
    }

    /** The client never accepts server-initiated (push) streams. */
    @ChannelHandler.Sharable
    private static final class ServerStreamRefuser extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    /** Shuts the event loops down and waits. Idempotent. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
