package dev.nantian.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.testing.echo.EchoServer;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Gateway API {@code HTTPRouteBackendProtocolH2C}: a Service port with {@code appProtocol: kubernetes.io/h2c} is a
 * cluster spoken to with HTTP/2 prior knowledge, here the conformance echo server's strict h2c port (which refuses
 * HTTP/1.1). Both an HTTP/1.1 client and an h2c prior-knowledge client must get through.
 *
 * <p>Regression: an HTTP/2 request whose HEADERS frame ends the stream arrives as one {@code FullHttpRequest}; the
 * proxy used to queue that object as the request's last content, so the upstream HTTP/2 codec sent it as a second
 * HEADERS frame with pseudo-headers ("invalid Pseudo-Header in trailers"), the backend reset the stream and the
 * client got 502.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class H2cBackendIT {
    private EchoServer echo;
    private NantianProxy proxy;
    private int port;
    private EventLoopGroup clientGroup;

    @BeforeAll
    void start() throws Exception {
        echo = EchoServer.builder("infra-backend-v1-0", "gateway-conformance-infra")
                .httpPort(0)
                .h2cPort(0)
                .build();
        echo.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        port = Fixtures.freePort();
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addCluster(Cluster.builder("infra-backend-v1:8081")
                        .protocol(UpstreamProtocol.H2C)
                        .addEndpoint(Endpoint.of("127.0.0.1", echo.h2cPort().getAsInt()))
                        .build())
                .addListener(Fixtures.httpListener(
                        "http", port, List.of(Fixtures.prefixTo("h2c", "/", "infra-backend-v1:8081"))))
                .build();
        proxy = Fixtures.startProxy(snapshot, 2);
        clientGroup = Fixtures.clientGroup();
    }

    @AfterAll
    void stop() {
        proxy.close();
        echo.close();
        Fixtures.shutdown(clientGroup);
    }

    @Test
    void http11ClientReachesStrictH2cBackend() throws Exception {
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (String method : List.of("GET", "POST")) {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/h1"))
                            .method(
                                    method,
                                    method.equals("GET")
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofString("payload"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"proto\": \"HTTP/2.0\"").contains("\"method\": \"" + method + "\"");
        }
    }

    @Test
    void priorKnowledgeRequestEndingWithItsHeadersReachesStrictH2cBackend() throws Exception {
        try (H2Client client = H2Client.connect(clientGroup, "127.0.0.1", port)) {
            for (int i = 0; i < 3; i++) {
                H2Client.Response r = client.send(request(HttpMethod.GET, "/pk/" + i, ""));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).contains("\"path\": \"/pk/" + i + "\"").contains("\"proto\": \"HTTP/2.0\"");
            }
        }
    }

    @Test
    void priorKnowledgeRequestWithBodyReachesStrictH2cBackend() throws Exception {
        try (H2Client client = H2Client.connect(clientGroup, "127.0.0.1", port)) {
            H2Client.Response r = client.send(request(HttpMethod.POST, "/post", "hello"));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("\"method\": \"POST\"");
        }
    }

    private FullHttpRequest request(HttpMethod method, String path, String body) {
        FullHttpRequest req = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, method, path, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        req.headers().set("host", "127.0.0.1:" + port);
        req.headers().set("user-agent", "Go-http-client/2.0");
        req.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
        if (!body.isEmpty()) {
            req.headers().setInt("content-length", body.length());
        }
        return req;
    }
}
