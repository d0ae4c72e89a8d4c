package dev.nantian.proxy;

import static dev.nantian.proxy.Fixtures.cluster;
import static dev.nantian.proxy.Fixtures.prefixTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.ConfigSnapshot;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * HTTP/2 streams of one downstream connection, frame by frame: request bodies held to the flow-control window by a
 * slow upstream, client resets, malformed requests, early responses, trailers both ways, many streams at once and a
 * graceful drain. The connection must keep serving its other streams whatever happens to one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http2StreamsIT {
    private static final int CHUNK = 16 * 1024;

    private TestBackend h1;
    private GatedBackend gated;
    private NantianProxy proxy;
    private int port;
    private EventLoopGroup clientGroup;

    @BeforeAll
    void start() throws Exception {
        h1 = TestBackend.http1("h1");
        gated = new GatedBackend();
        port = Fixtures.freePort();
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addCluster(cluster("h1", h1.port()))
                .addCluster(cluster("gated", gated.port()))
                .addListener(Fixtures.httpListener(
                        "http",
                        port,
                        List.of(
                                prefixTo("gated", "/gated", "gated"),
                                prefixTo("status", "/status", "h1"),
                                prefixTo("h1", "/h1", "h1"))))
                .build();
        proxy = Fixtures.startProxy(snapshot, 1);
        clientGroup = Fixtures.clientGroup();
    }

    @AfterAll
    void stop() {
        proxy.close();
        h1.close();
        gated.close();
        Fixtures.shutdown(clientGroup);
    }

    private Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers()
                .method(method)
                .path(path)
                .scheme("http")
                .authority("127.0.0.1:" + port);
    }

    @Test
    void requestBodyLargerThanTheStreamWindowWaitsForASlowUpstreamAndArrivesIntact() throws Exception {
        long total = 16L << 20;
        gated.pause();
        try (RawClient client = RawClient.connect(clientGroup, port)) {
            RawStream stream = client.open();
            stream.send(new DefaultHttp2HeadersFrame(request("POST", "/gated/big"), false));
            Upload upload = new Upload(stream.channel, total);
            upload.start();
            // The upstream takes nothing, so the proxy returns no window: the client is soon held up, far short of
            // the body (what it got out sits in the socket buffers and in one stream window at the proxy).
            await().atMost(Duration.ofSeconds(30)).until(upload::stalled);
            assertThat(upload.sent()).isLessThan(total / 2);

            gated.resume();
            stream.ended.get(30, TimeUnit.SECONDS);
            assertThat(upload.failure).isNull();
            assertThat(stream.status()).isEqualTo("200");
            assertThat(stream.body()).isEqualTo("bytes=" + total + " crc=" + upload.crc() + " trailer=null");
        } finally {
            gated.resume();
        }
    }

    @Test
    void clientResetMidBodyReleasesTheStreamAndTheConnectionKeepsServing() throws Exception {
        gated.pause();
        int closedBefore = gated.closed.get();
        try (RawClient client = RawClient.connect(clientGroup, port)) {
            RawStream stream = client.open();
            stream.send(new DefaultHttp2HeadersFrame(request("POST", "/gated/reset"), false));
            // More than the socket buffers take, so that the proxy holds queued DATA for the stream when it is reset.
            Upload upload = new Upload(stream.channel, 64L << 20);
            upload.start();
            await().atMost(Duration.ofSeconds(30)).until(upload::stalled);
            stream.send(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
            gated.resume();
            // The exchange ended with the stream: its upstream connection is closed, not reused.
            await().atMost(Duration.ofSeconds(10)).until(() -> gated.closed.get() > closedBefore);

            RawStream next = client.open();
            next.send(new DefaultHttp2HeadersFrame(request("GET", "/h1/after-reset"), true));
            next.ended.get(10, TimeUnit.SECONDS);
            assertThat(next.status()).isEqualTo("200");
            assertThat(next.body()).startsWith("h1 GET /h1/after-reset");

            // The reset stream's share of the connection window came back: a body bigger than what is left of the
            // window still gets through.
            RawStream upload2 = client.open();
            upload2.send(new DefaultHttp2HeadersFrame(request("POST", "/gated/after"), false));
            Upload second = new Upload(upload2.channel, 2L << 20);
            second.start();
            upload2.ended.get(30, TimeUnit.SECONDS);
            assertThat(upload2.body()).isEqualTo("bytes=" + (2L << 20) + " crc=" + second.crc() + " trailer=null");
        } finally {
            gated.resume();
        }
    }

    @Test
    void manyConcurrentStreamsOnOneConnectionEachGetTheirOwnResponse() throws Exception {
        int streams = 200;
        try (RawClient client = RawClient.connect(clientGroup, port)) {
            List<RawStream> open = new ArrayList<>();
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                RawStream s = client.open();
                String body = ("stream " + i + ";").repeat(1 + i * 7);
                bodies.add(body);
                s.send(new DefaultHttp2HeadersFrame(request("POST", "/h1/many/" + i), false));
                s.send(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), true));
                open.add(s);
            }
            for (int i = 0; i < streams; i++) {
                RawStream s = open.get(i);
                s.ended.get(20, TimeUnit.SECONDS);
                assertThat(s.status()).isEqualTo("200");
                assertThat(s.body()).startsWith("h1 POST /h1/many/" + i + "\n").endsWith("\n" + bodies.get(i));
            }
        }
    }

    @Test
    void malformedRequestHeadersResetTheStreamAndTheConnectionKeepsWorking() throws Exception {
        try (RawClient client = RawClient.connect(clientGroup, port)) {
            RawStream noPath = client.open();
            noPath.send(new DefaultHttp2HeadersFrame(
                    new DefaultHttp2Headers().method("GET").scheme("http").authority("127.0.0.1"), true));
            RawStream conflictingHost = client.open();
            conflictingHost.send(
                    new DefaultHttp2HeadersFrame(request("GET", "/h1/x").add("host", "elsewhere.example"), true));
            for (RawStream s : List.of(noPath, conflictingHost)) {
                s.ended.get(10, TimeUnit.SECONDS);
                assertThat(s.headers).isEmpty();
                assertThat(s.resetCode).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            }

            RawStream ok = client.open();
            ok.send(new DefaultHttp2HeadersFrame(request("GET", "/h1/fine"), true));
            ok.ended.get(10, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo("200");
        }
    }

    @Test
    void aResponseThatEndsBeforeTheRequestBodyCancelsTheRestOfTheStream() throws Exception {
        try (RawClient client = RawClient.connect(clientGroup, port)) {
            RawStream early = client.open();
            early.send(new DefaultHttp2HeadersFrame(request("POST", "/nowhere"), false));
            early.send(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("partial", StandardCharsets.UTF_8), false));
            early.ended.get(10, TimeUnit.SECONDS);
            assertThat(early.status()).isEqualTo("404");
            assertThat(early.body()).isEqualTo("no route");
            // The response is complete; the client is asked to stop sending the rest of the request.
            await().atMost(Duration.ofSeconds(10)).until(() -> early.resetCode == Http2Error.CANCEL.code());

            RawStream ok = client.open();
            ok.send(new DefaultHttp2HeadersFrame(request("GET", "/h1/still-here"), true));
            ok.ended.get(10, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo("200");
        }
    }

    @Test
    void requestAndResponseTrailersCrossTheProxy() throws Exception {
        try (RawClient client = RawClient.connect(clientGroup, port)) {
            RawStream s = client.open();
            s.send(new DefaultHttp2HeadersFrame(
                    request("POST", "/gated/trailers").add("te", "trailers"), false));
            s.send(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8), false));
            s.send(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("x-checksum", "abc"), true));
            s.ended.get(10, TimeUnit.SECONDS);
            assertThat(s.status()).isEqualTo("200");
            CRC32 crc = new CRC32();
            crc.update("hello".getBytes(StandardCharsets.UTF_8));
            assertThat(s.body()).isEqualTo("bytes=5 crc=" + crc.getValue() + " trailer=abc");
            assertThat(s.headers).hasSize(2);
            Http2Headers trailers = s.headers.get(1);
            assertThat(trailers.status()).isNull();
            assertThat(trailers.get("x-request-trailer").toString()).isEqualTo("abc");
            assertThat(trailers.get("grpc-status").toString()).isEqualTo("0");
            assertThat(s.endedWithHeaders).isTrue();
        }
    }

    @Test
    void headAndNoContentResponsesCarryNoBody() throws Exception {
        try (RawClient client = RawClient.connect(clientGroup, port)) {
            RawStream head = client.open();
            head.send(new DefaultHttp2HeadersFrame(request("HEAD", "/h1/head"), true));
            RawStream noContent = client.open();
            noContent.send(new DefaultHttp2HeadersFrame(request("GET", "/status/204"), true));
            head.ended.get(10, TimeUnit.SECONDS);
            noContent.ended.get(10, TimeUnit.SECONDS);
            assertThat(head.status()).isEqualTo("200");
            assertThat(head.body()).isEmpty();
            assertThat(noContent.status()).isEqualTo("204");
            assertThat(noContent.body()).isEmpty();
            assertThat(head.resetCode).isEqualTo(-1);
            assertThat(noContent.resetCode).isEqualTo(-1);
        }
    }

    @Test
    void drainSendsGoAwayAndLetsTheOpenStreamFinish() throws Exception {
        int drainPort = Fixtures.freePort();
        NantianProxy draining = NantianProxy.builder()
                .eventLoopThreads(1)
                .drainTimeout(Duration.ofSeconds(5))
                .initialSnapshot(ConfigSnapshot.builder("v1")
                        .addCluster(cluster("h1", h1.port()))
                        .addListener(
                                Fixtures.httpListener("http", drainPort, List.of(prefixTo("delay", "/delay", "h1"))))
                        .build())
                .build();
        try {
            draining.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            try (RawClient client = RawClient.connect(clientGroup, drainPort)) {
                RawStream slow = client.open();
                slow.send(new DefaultHttp2HeadersFrame(
                        new DefaultHttp2Headers()
                                .method("GET")
                                .path("/delay/500/drain")
                                .scheme("http")
                                .authority("127.0.0.1:" + drainPort),
                        true));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> h1.seen().stream().anyMatch(r -> r.uri().equals("/delay/500/drain")));
                CompletableFuture<Void> closed = draining.closeAsync().toCompletableFuture();
                client.goAway.get(10, TimeUnit.SECONDS);
                slow.ended.get(10, TimeUnit.SECONDS);
                assertThat(slow.status()).isEqualTo("200");
                assertThat(slow.body()).startsWith("h1 GET /delay/500/drain");
                closed.get(10, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(10)).until(() -> !client.connection.isActive());
            }
        } finally {
            draining.close();
        }
    }

    /** A prior-knowledge HTTP/2 client whose streams see every frame. */
    private static final class RawClient implements AutoCloseable {
        final Channel connection;
        final CompletableFuture<Http2GoAwayFrame> goAway;

        private RawClient(Channel connection, CompletableFuture<Http2GoAwayFrame> goAway) {
            this.connection = connection;
            this.goAway = goAway;
        }

        static RawClient connect(EventLoopGroup group, int port) throws InterruptedException {
            CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();
            Channel ch = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline()
                                    .addLast(
                                            Http2FrameCodecBuilder.forClient().build(),
                                            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                                            new ChannelInboundHandlerAdapter() {
                                                @Override
                                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                                    // Connection-level frames the multiplexer passes on.
                                                    if (msg instanceof Http2GoAwayFrame g) {
                                                        goAway.complete(g);
                                                    }
                                                    ReferenceCountUtil.release(msg);
                                                }
                                            });
                        }
                    })
                    .connect("127.0.0.1", port)
                    .sync()
                    .channel();
            return new RawClient(ch, goAway);
        }

        RawStream open() throws InterruptedException {
            RawStream s = new RawStream();
            s.channel = new Http2StreamChannelBootstrap(connection)
                    .handler(s)
                    .open()
                    .sync()
                    .getNow();
            return s;
        }

        @Override
        public void close() {
            connection.close().syncUninterruptibly();
        }
    }

    /** One client stream: collects the response's header blocks and body, and how the stream ended. */
    private static final class RawStream extends ChannelInboundHandlerAdapter {
        Http2StreamChannel channel;
        final List<Http2Headers> headers = new CopyOnWriteArrayList<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        volatile long resetCode = -1;
        volatile boolean endedWithHeaders;

        void send(Object frame) {
            channel.writeAndFlush(frame);
        }

        String status() {
            return headers.isEmpty() ? null : String.valueOf(headers.get(0).status());
        }

        String body() {
            synchronized (body) {
                return body.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame h) {
                    headers.add(h.headers());
                    if (h.isEndStream()) {
                        endedWithHeaders = true;
                        ended.complete(null);
                    }
                } else if (msg instanceof Http2DataFrame d) {
                    synchronized (body) {
                        body.writeBytes(ByteBufUtil.getBytes(d.content()));
                    }
                    if (d.isEndStream()) {
                        ended.complete(null);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            // The multiplexer hands RST_STREAM to the stream as an event, not as a read.
            if (evt instanceof Http2ResetFrame r) {
                resetCode = r.errorCode();
                ended.complete(null);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended.complete(null);
        }
    }

    /**
     * Streams a request body of pseudo-random chunks, each written once the previous one went out, i.e. once HTTP/2
     * flow control let it: how far it got shows how much window the proxy gave.
     */
    private static final class Upload {
        private final Http2StreamChannel channel;
        private final long total;
        private final CRC32 crc = new CRC32();
        private long offset;
        private volatile long sent;
        private volatile long lastProgressNanos = System.nanoTime();
        private volatile boolean pending;
        volatile Throwable failure;

        Upload(Http2StreamChannel channel, long total) {
            this.channel = channel;
            this.total = total;
        }

        void start() {
            channel.eventLoop().execute(this::writeNext);
        }

        long sent() {
            return sent;
        }

        long crc() {
            return crc.getValue();
        }

        /** A chunk has been waiting for the window for a while. */
        boolean stalled() {
            return pending && System.nanoTime() - lastProgressNanos > TimeUnit.MILLISECONDS.toNanos(500);
        }

        private void writeNext() {
            if (offset == total || failure != null) {
                return;
            }
            int n = (int) Math.min(CHUNK, total - offset);
            byte[] bytes = new byte[n];
            new Random(offset).nextBytes(bytes);
            crc.update(bytes);
            offset += n;
            boolean last = offset == total;
            pending = true;
            channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(bytes), last))
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            failure = f.cause();
                            return;
                        }
                        sent += n;
                        pending = false;
                        lastProgressNanos = System.nanoTime();
                        writeNext();
                    });
        }
    }

    /**
     * An HTTP/1.1 backend that reads only while it is open ({@link #pause}, {@link #resume}), with small socket
     * buffers, and answers each request once its body ended: {@code bytes=N crc=C trailer=T} (the request's
     * {@code x-checksum} trailer), chunked, with trailers {@code x-request-trailer} and {@code grpc-status}.
     */
    private static final class GatedBackend implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel server;
        private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
        final AtomicInteger closed = new AtomicInteger();
        private volatile boolean open = true;

        GatedBackend() throws InterruptedException {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 32 * 1024)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            channels.add(ch);
                            ch.closeFuture().addListener(f -> {
                                channels.remove(ch);
                                closed.incrementAndGet();
                            });
                            ch.pipeline().addLast(new HttpServerCodec(), new Answer());
                        }
                    })
                    .bind("127.0.0.1", 0)
                    .sync()
                    .channel();
        }

        int port() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        void pause() {
            open = false;
        }

        void resume() {
            open = true;
            for (Channel ch : channels) {
                ch.eventLoop().execute(ch::read);
            }
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        private final class Answer extends ChannelInboundHandlerAdapter {
            private long bytes;
            private final CRC32 crc = new CRC32();

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                if (open) {
                    ctx.read();
                }
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof HttpRequest) {
                        bytes = 0;
                        crc.reset();
                    }
                    if (msg instanceof HttpContent c) {
                        ByteBuf content = c.content();
                        bytes += content.readableBytes();
                        crc.update(content.nioBuffer());
                    }
                    if (msg instanceof LastHttpContent last) {
                        String trailer = last.trailingHeaders().get("x-checksum");
                        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                        ctx.write(head);
                        ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(
                                "bytes=" + bytes + " crc=" + crc.getValue() + " trailer=" + trailer,
                                StandardCharsets.UTF_8)));
                        LastHttpContent end = new DefaultLastHttpContent();
                        end.trailingHeaders().set("x-request-trailer", String.valueOf(trailer));
                        end.trailingHeaders().set("grpc-status", "0");
                        ctx.writeAndFlush(end);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                if (open) {
                    ctx.read();
                }
            }
        }
    }
}
