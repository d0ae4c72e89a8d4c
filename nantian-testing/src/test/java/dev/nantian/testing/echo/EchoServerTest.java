package dev.nantian.testing.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EchoServerTest {

    private static final String NAMESPACE = "gateway-conformance-infra";
    private static final String POD = "infra-backend-v1-7f9c6d5b8-abcde";

    @TempDir
    static Path certificates;

    private static TestCertificates server;
    private static TestCertificates client;
    private static EventLoopGroup clientGroup;

    private final List<String> requestLog = new CopyOnWriteArrayList<>();
    private EchoServer echo;

    @BeforeAll
    static void generateCertificatesAndClientLoop() throws Exception {
        server = TestCertificates.generate(certificates, "echo.example.com", "127.0.0.1");
        client = TestCertificates.generate(certificates, "gateway.example.com");
        clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopClientLoop() {
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void startEchoServer() {
        echo = EchoServer.builder(POD, NAMESPACE)
                .serviceName("infra-backend-v1")
                .bindAddress(InetAddress.getLoopbackAddress())
                .httpPort(0)
                .h2cPort(0)
                .httpsPort(0)
                .tlsCertificate(server.certificatePem, server.privateKeyPem)
                .requestAnyClientCertificate()
                .requestLog(requestLog::add)
                .build();
        echo.start().toCompletableFuture().join();
    }

    @AfterEach
    void closeEchoServer() {
        echo.close();
    }

    @Test
    void echoesTheRequestInUpstreamJsonFormat() throws IOException {
        RawResponse response = raw(
                echo.httpPort(),
                "GET /foo?x=1 HTTP/1.1\r\n"
                        + "Host: example.com\r\n"
                        + "User-Agent: Go-http-client/1.1\r\n"
                        + "X-Echo-Set-Header: \r\n"
                        + "Accept-Encoding: gzip\r\n"
                        + "Connection: close\r\n\r\n");

        assertThat(response.status).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.body)
                .isEqualTo("{\n"
                        + " \"path\": \"/foo?x=1\",\n"
                        + " \"host\": \"example.com\",\n"
                        + " \"method\": \"GET\",\n"
                        + " \"proto\": \"HTTP/1.1\",\n"
                        + " \"headers\": {\n"
                        + "  \"Accept-Encoding\": [\n"
                        + "   \"gzip\"\n"
                        + "  ],\n"
                        + "  \"Connection\": [\n"
                        + "   \"close\"\n"
                        + "  ],\n"
                        + "  \"User-Agent\": [\n"
                        + "   \"Go-http-client/1.1\"\n"
                        + "  ],\n"
                        + "  \"X-Echo-Set-Header\": [\n"
                        + "   \"\"\n"
                        + "  ]\n"
                        + " },\n"
                        + " \"httpPort\": \"" + echo.httpPort() + "\",\n"
                        + " \"namespace\": \"gateway-conformance-infra\",\n"
                        + " \"ingress\": \"\",\n"
                        + " \"service\": \"infra-backend-v1\",\n"
                        + " \"pod\": \"infra-backend-v1-7f9c6d5b8-abcde\"\n"
                        + "}");
        assertThat(requestLog)
                .singleElement()
                .asString()
                .startsWith("Echoing back request made to /foo?x=1 to client (127.0.0.1:");
    }

    @Test
    void canonicalisesHeaderNamesAndKeepsEveryValue() throws IOException {
        RawResponse response = raw(
                echo.httpPort(),
                "GET / HTTP/1.1\r\n"
                        + "Host: example.com\r\n"
                        + "x-custom-header: a\r\n"
                        + "X-CUSTOM-HEADER: b\r\n"
                        + "x-html: <a&b>\r\n"
                        + "Connection: close\r\n\r\n");

        assertThat(response.body)
                .contains("  \"X-Custom-Header\": [\n   \"a\",\n   \"b\"\n  ],\n")
                // Go's encoder escapes HTML-sensitive characters.
                .contains("  \"X-Html\": [\n   \"\\u003ca\\u0026b\\u003e\"\n  ]\n")
                .doesNotContain("\"Host\"");
    }

    @Test
    void setsResponseHeadersNamedInXEchoSetHeaderKeepingTheirCase() throws IOException {
        RawResponse response = raw(
                echo.httpPort(),
                "GET / HTTP/1.1\r\n"
                        + "Host: example.com\r\n"
                        + "X-Echo-Set-Header: X-Foo: bar, x-lower:baz,X-Foo:qux\r\n"
                        + "Connection: close\r\n\r\n");

        assertThat(response.status).isEqualTo(200);
        assertThat(response.headers).containsEntry("X-Foo", "bar,qux").containsEntry("x-lower", "baz");
    }

    @Test
    void statusPathRepliesWithThatStatusAndAnEmptyBody() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        HttpResponse<String> teapot =
                http.send(get(echo.httpPort(), "/status/418"), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> withQuery =
                http.send(get(echo.httpPort(), "/status/418?x=1"), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> health = http.send(get(echo.httpPort(), "/health"), HttpResponse.BodyHandlers.ofString());

        assertThat(teapot.statusCode()).isEqualTo(418);
        assertThat(teapot.body()).isEmpty();
        assertThat(withQuery.statusCode()).isEqualTo(400);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("OK");
        assertThat(requestLog).isEmpty();
    }

    @Test
    void delayQueryWaitsThatGoDurationBeforeEchoing() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        long start = System.nanoTime();
        HttpResponse<String> delayed =
                http.send(get(echo.httpPort(), "/backend-timeout?delay=300ms"), HttpResponse.BodyHandlers.ofString());
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        HttpResponse<String> invalid =
                http.send(get(echo.httpPort(), "/?delay=abc"), HttpResponse.BodyHandlers.ofString());

        assertThat(delayed.statusCode()).isEqualTo(200);
        assertThat(delayed.body()).contains("\"path\": \"/backend-timeout?delay=300ms\"");
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(300);
        assertThat(invalid.statusCode()).isEqualTo(500);
        assertThat(invalid.body()).isEqualTo("{\"message\":\"time: invalid duration \\\"abc\\\"\"}");
    }

    @Test
    void retryPathFailsTheFirstAttemptsPerUuidThenEchoes() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String withCode = "/retry/code-500-attempts-3?responseCode=500&succeedAfter=2&uuid=u1";
        String withReset = "/retry/code-all-attempts-2?succeedAfter=1&uuid=u2";

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            statuses.add(http.send(get(echo.httpPort(), withCode), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
        }

        assertThat(statuses).containsExactly(500, 500, 200);
        // A raw socket: HttpClient would silently retry a GET whose pooled connection was reset.
        assertThatThrownBy(() -> raw(echo.httpPort(), "GET " + withReset + " HTTP/1.1\r\nHost: example.com\r\n\r\n"))
                .isInstanceOf(SocketException.class)
                .hasMessageContaining("reset");
        assertThat(http.send(get(echo.httpPort(), withReset), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
        assertThat(http.send(get(echo.httpPort(), "/retry/x?uuid=u3"), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(400);
    }

    @Test
    void answersHttp2WithPriorKnowledgeOnTheHttpAndH2cPorts() throws Exception {
        H2Response onHttpPort = h2(echo.httpPort(), "/h2?x=1", null);
        H2Response onH2cPort = h2(echo.h2cPort().orElseThrow(), "/anything/status/500", null);

        assertThat(onHttpPort.status).isEqualTo("200");
        assertThat(onHttpPort.body)
                .contains("\"path\": \"/h2?x=1\"")
                .contains("\"host\": \"h2.example.com\"")
                .contains("\"proto\": \"HTTP/2.0\"")
                .contains("  \"X-Custom\": [\n   \"v\"\n  ]")
                .doesNotContain("\"tls\"");
        assertThat(onHttpPort.headers).containsEntry("content-type", "application/json");
        assertThat(onH2cPort.status).isEqualTo("200");
        assertThat(onH2cPort.body).contains("\"proto\": \"HTTP/2.0\"");
    }

    @Test
    void upgradesHttp1ToH2c() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

        HttpResponse<String> response =
                http.send(get(echo.httpPort(), "/upgrade"), HttpResponse.BodyHandlers.ofString());

        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.body()).contains("\"proto\": \"HTTP/2.0\"").contains("\"path\": \"/upgrade\"");
    }

    @Test
    void strictH2cPortRejectsPlainHttp1() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        HttpResponse<String> response =
                http.send(get(echo.h2cPort().orElseThrow(), "/"), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("Expected h2c request");
    }

    @Test
    void echoesSniAlpnAndCipherOverTls() throws Exception {
        H2Response response = h2(echo.httpsPort().orElseThrow(), "/tls", tlsClient(false));

        assertThat(response.status).isEqualTo("200");
        assertThat(response.body)
                .contains("\"proto\": \"HTTP/2.0\"")
                .contains(" \"tls\": {\n  \"version\": \"TLSv1.3\",\n  \"serverName\": \"echo.example.com\",\n"
                        + "  \"negotiatedProtocol\": \"h2\",\n  \"cipherSuite\": \"TLS_")
                .doesNotContain("peerCertificates");
    }

    @Test
    void servesHttp1OverTlsWithoutAlpn() throws Exception {
        HttpResponse<String> response = https(false);

        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.body())
                .contains("\"proto\": \"HTTP/1.1\"")
                .contains("\"serverName\": \"\"")
                .doesNotContain("negotiatedProtocol");
    }

    @Test
    void echoesTheClientCertificateAPeerPresents() throws Exception {
        HttpResponse<String> overHttp1 = https(true);
        H2Response overHttp2 = h2(echo.httpsPort().orElseThrow(), "/tls", tlsClient(true));

        String escapedPem = client.certificatePem.replace("\n", "\\n");
        String expected = "  \"peerCertificates\": [\n   \"" + escapedPem + "\"\n  ],\n";
        assertThat(overHttp1.body()).contains(expected);
        assertThat(overHttp2.body).contains(expected);
    }

    @Test
    void echoesWebSocketFramesOnWs() throws Exception {
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();
            private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    received.add(text.toString());
                    text.setLength(0);
                }
                socket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                binary.writeBytes(bytes);
                if (last) {
                    received.add(binary.toByteArray());
                    binary.reset();
                }
                socket.request(1);
                return null;
            }
        };
        WebSocket socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .header("Origin", "ws://gateway/EchoServerTest")
                .buildAsync(URI.create("ws://127.0.0.1:" + echo.httpPort() + "/ws"), listener)
                .get(10, TimeUnit.SECONDS);

        socket.sendText("Websocket Support!", true).get(10, TimeUnit.SECONDS);
        Object text = received.poll(10, TimeUnit.SECONDS);
        socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7}), true)
                .get(10, TimeUnit.SECONDS);
        Object binary = received.poll(10, TimeUnit.SECONDS);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);

        assertThat(text).isEqualTo("Websocket Support!");
        assertThat(binary).isEqualTo(new byte[] {1, 2, 3, 4, 5, 6, 7});
    }

    @Test
    void webSocketWithoutOriginIsForbiddenLikeUpstream() throws IOException {
        RawResponse response = raw(
                echo.httpPort(),
                "GET /ws HTTP/1.1\r\n"
                        + "Host: example.com\r\n"
                        + "Upgrade: websocket\r\n"
                        + "Connection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n");

        assertThat(response.status).isEqualTo(403);
    }

    @Test
    void closeReleasesThePortsAndIsIdempotent() throws Exception {
        EchoServer other = EchoServer.builder("pod-b", NAMESPACE).httpPort(0).build();
        int port = other.start().toCompletableFuture().get(10, TimeUnit.SECONDS).httpPort();
        assertThat(port).isPositive();
        assertThat(other.h2cPort()).isEmpty();
        assertThat(other.httpsPort()).isEmpty();

        other.close();
        other.close();

        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                .isInstanceOf(ConnectException.class);
        assertThatThrownBy(other::httpPort).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void startFailsWhenAPortIsTaken() {
        EchoServer clash =
                EchoServer.builder("pod-c", NAMESPACE).httpPort(echo.httpPort()).build();
        try {
            assertThat(clash.start().toCompletableFuture()).failsWithin(Duration.ofSeconds(10));
        } finally {
            clash.close();
        }
    }

    /**
     * HTTP/1.1 over TLS with the JDK client. It sends no SNI for an IP literal (and drops ALPN when given custom
     * SSLParameters), so SNI and h2 are covered by the Netty client in {@link #h2}.
     */
    private HttpResponse<String> https(boolean presentClientCertificate) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(
                presentClientCertificate ? client.keyManagerFactory().getKeyManagers() : null,
                server.trustManagerFactory().getTrustManagers(),
                null);
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(tls)
                .build();
        URI uri = URI.create("https://127.0.0.1:" + echo.httpsPort().orElseThrow() + "/tls");
        return http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static SslContext tlsClient(boolean presentClientCertificate) throws Exception {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .trustManager(server.trustManagerFactory())
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2));
        if (presentClientCertificate) {
            builder.keyManager(client.keyManagerFactory());
        }
        return builder.build();
    }

    private static HttpRequest get(int port, String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    /**
     * One HTTP/2 request over a raw Netty client, read frame by frame: cleartext by prior knowledge when {@code tls}
     * is null, else TLS with SNI {@code echo.example.com} and ALPN h2.
     */
    private static H2Response h2(int port, String path, SslContext tls) throws Exception {
        CompletableFuture<H2Response> result = new CompletableFuture<>();
        Channel connection = new Bootstrap()
                .group(clientGroup)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "echo.example.com", port));
                        }
                        ch.pipeline()
                                .addLast(
                                        Http2FrameCodecBuilder.forClient().build(),
                                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                })
                .connect(InetAddress.getLoopbackAddress(), port)
                .sync()
                .channel();
        try {
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection)
                    .handler(new SimpleChannelInboundHandler<Http2StreamFrame>() {
                        private final H2Response response = new H2Response();

                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
                            boolean end = false;
                            if (frame instanceof Http2HeadersFrame headers) {
                                response.status =
                                        String.valueOf(headers.headers().status());
                                headers.headers()
                                        .forEach(h -> response.headers.put(
                                                h.getKey().toString(),
                                                h.getValue().toString()));
                                end = headers.isEndStream();
                            } else if (frame instanceof Http2DataFrame data) {
                                ByteBuf content = data.content();
                                response.body += content.toString(StandardCharsets.UTF_8);
                                end = data.isEndStream();
                            }
                            if (end) {
                                result.complete(response);
                            }
                        }
                    })
                    .open()
                    .sync()
                    .getNow();
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(
                    new DefaultHttp2Headers()
                            .method("GET")
                            .path(path)
                            .scheme(tls == null ? "http" : "https")
                            .authority("h2.example.com")
                            .add("x-custom", "v"),
                    true));
            return result.get(10, TimeUnit.SECONDS);
        } finally {
            connection.close().sync();
        }
    }

    private static final class H2Response {
        String status;
        final Map<String, String> headers = new LinkedHashMap<>();
        String body = "";
    }

    /** Sends {@code request} verbatim and reads until the server closes, so header case and bytes are exact. */
    private static RawResponse raw(int port, String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int split = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, split).split("\r\n");
            RawResponse response = new RawResponse();
            response.status = Integer.parseInt(lines[0].split(" ")[1]);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                response.headers.put(
                        lines[i].substring(0, colon),
                        lines[i].substring(colon + 1).strip());
            }
            response.body = text.substring(split + 4);
            return response;
        }
    }

    private static final class RawResponse {
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        String body;

        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(null);
        }
    }
}
