package dev.nantian.proxy;

import static dev.nantian.proxy.Fixtures.cluster;
import static dev.nantian.proxy.Fixtures.prefixTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.UpstreamProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Cleartext HTTP/2 downstream: Upgrade from HTTP/1.1 and prior knowledge, with trailers end to end. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http2IT {
    private TestBackend h1;
    private TestBackend h2;
    private NantianProxy proxy;
    private int port;
    private EventLoopGroup clientGroup;

    @BeforeAll
    void start() throws Exception {
        h1 = TestBackend.http1("h1");
        h2 = TestBackend.h2c("h2");
        port = Fixtures.freePort();
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addCluster(cluster("h1", h1.port()))
                .addCluster(cluster("h2", UpstreamProtocol.H2C, h2.port()))
                .addListener(Fixtures.httpListener(
                        "http",
                        port,
                        List.of(
                                prefixTo("grpc", "/grpc", "h2"),
                                prefixTo("trailers", "/trailers", "h2"),
                                prefixTo("h1", "/", "h1"))))
                .build();
        proxy = Fixtures.startProxy(snapshot, 1);
        clientGroup = Fixtures.clientGroup();
    }

    @AfterAll
    void stop() {
        proxy.close();
        h1.close();
        h2.close();
        Fixtures.shutdown(clientGroup);
    }

    @Test
    void upgradesHttp11ToH2c() throws Exception {
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        // The JDK client upgrades cleartext connections with "Upgrade: h2c" on its first request.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/up/" + i))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.body()).startsWith("h1 GET /up/" + i);
        }
    }

    @Test
    void priorKnowledgeStreamsCarryTrailersEndToEnd() throws Exception {
        Channel conn = new Bootstrap()
                .group(clientGroup)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(Http2FrameCodecBuilder.forClient().build())
                                .addLast(new Http2MultiplexHandler(new SimpleChannelInboundHandler<Object>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {}
                                }));
                    }
                })
                .connect("127.0.0.1", port)
                .sync()
                .channel();
        try {
            for (String path : List.of("/trailers", "/grpc/x", "/plain")) {
                List<Http2StreamFrame> frames = new CopyOnWriteArrayList<>();
                StringBuilder body = new StringBuilder();
                CompletableFuture<Void> done = new CompletableFuture<>();
                Http2StreamChannel stream = new Http2StreamChannelBootstrap(conn)
                        .handler(new SimpleChannelInboundHandler<Http2StreamFrame>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame f) {
                                boolean end = false;
                                if (f instanceof Http2DataFrame d) {
                                    body.append(d.content().toString(StandardCharsets.UTF_8));
                                    end = d.isEndStream();
                                } else if (f instanceof Http2HeadersFrame h) {
                                    frames.add(ReferenceCountUtil.retain(h));
                                    end = h.isEndStream();
                                }
                                if (end) {
                                    done.complete(null);
                                }
                            }
                        })
                        .open()
                        .sync()
                        .getNow();
                Http2Headers headers = new DefaultHttp2Headers()
                        .method("GET")
                        .path(path)
                        .scheme("http")
                        .authority("127.0.0.1:" + port)
                        .add("te", "trailers");
                stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
                done.get(5, TimeUnit.SECONDS);
                Http2Headers first = ((Http2HeadersFrame) frames.get(0)).headers();
                assertThat(first.status().toString()).isEqualTo("200");
                if (path.equals("/trailers")) {
                    assertThat(body.toString()).isEqualTo("part1part2");
                    assertThat(frames).hasSize(2);
                    Http2Headers trailers = ((Http2HeadersFrame) frames.get(1)).headers();
                    assertThat(trailers.get("grpc-status").toString()).isEqualTo("0");
                } else if (path.equals("/grpc/x")) {
                    assertThat(body.toString()).startsWith("h2 GET /grpc/x").contains("te: trailers");
                } else {
                    assertThat(body.toString()).startsWith("h1 GET /plain");
                }
            }
        } finally {
            conn.close().sync();
        }
    }

    @Test
    void concurrentStreamsReuseTheirUpstreamConnectionsInTheNextBurst() throws Exception {
        // More streams in flight than the old idle cap of 64: each holds an HTTP/1.1 upstream connection of its own,
        // and all of them must be kept for the next burst rather than closed and opened again.
        int streams = 100;
        ExecutorService senders = Executors.newFixedThreadPool(streams);
        try (H2Client client = H2Client.connect(clientGroup, "127.0.0.1", port)) {
            burst(client, senders, streams);
            int afterFirst = h1.connections.get();
            burst(client, senders, streams);
            assertThat(h1.connections.get()).isEqualTo(afterFirst);
        } finally {
            senders.shutdownNow();
        }
    }

    /** Sends {@code streams} requests at once that the backend holds long enough for all of them to overlap. */
    private void burst(H2Client client, ExecutorService senders, int streams) {
        List<CompletableFuture<H2Client.Response>> responses = IntStream.range(0, streams)
                .mapToObj(i -> CompletableFuture.supplyAsync(
                        () -> {
                            FullHttpRequest req = new DefaultFullHttpRequest(
                                    HttpVersion.HTTP_1_1, HttpMethod.GET, "/delay/300/" + i, Unpooled.EMPTY_BUFFER);
                            req.headers().set("host", "127.0.0.1:" + port);
                            req.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
                            try {
                                return client.send(req);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        senders))
                .toList();
        for (CompletableFuture<H2Client.Response> r : responses) {
            assertThat(r.join().status()).isEqualTo(200);
        }
    }

    @Test
    void plainHttp11StillWorksOnTheH2cPort() throws Exception {
        // Sanity: plain HTTP/1.1 on the same port still works next to h2c.
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/h11"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    }
}
