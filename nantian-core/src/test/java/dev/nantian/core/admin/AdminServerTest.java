package dev.nantian.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminServerTest {
    private final HttpClient client = HttpClient.newHttpClient();
    private AdminServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private InetSocketAddress start(AdminServer.Builder builder) {
        server = builder.build();
        return server.start().toCompletableFuture().join();
    }

    private HttpResponse<String> get(InetSocketAddress addr, String path, String token) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + addr.getPort() + path));
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        return client.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesJsonHandlersAndHealth() throws Exception {
        InetSocketAddress addr = start(AdminServer.builder(new InetSocketAddress("127.0.0.1", 0))
                .route("/api/v1/config/version", req -> AdminResponse.json(Map.of("version", "v\"1"))));

        HttpResponse<String> version = get(addr, "/api/v1/config/version", null);
        assertThat(version.statusCode()).isEqualTo(200);
        assertThat(version.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(version.body()).isEqualTo("{\"version\":\"v\\\"1\"}\n");
        assertThat(get(addr, "/healthz", null).statusCode()).isEqualTo(200);
        assertThat(get(addr, "/nope", null).statusCode()).isEqualTo(404);
    }

    @Test
    void readinessFollowsTheSupplier() throws Exception {
        AtomicBoolean ready = new AtomicBoolean();
        InetSocketAddress addr =
                start(AdminServer.builder(new InetSocketAddress("127.0.0.1", 0)).readiness(ready::get));

        assertThat(get(addr, "/readyz", null).statusCode()).isEqualTo(503);
        ready.set(true);
        assertThat(get(addr, "/readyz", null).statusCode()).isEqualTo(200);
    }

    @Test
    void bearerTokenGuardsEverythingButProbes() throws Exception {
        InetSocketAddress addr = start(AdminServer.builder(new InetSocketAddress("127.0.0.1", 0))
                .route("/api/v1/status", req -> AdminResponse.json(List.of()))
                .bearerToken("s3cret"));

        assertThat(get(addr, "/api/v1/status", null).statusCode()).isEqualTo(401);
        assertThat(get(addr, "/api/v1/status", "wrong").statusCode()).isEqualTo(401);
        assertThat(get(addr, "/api/v1/status", "s3cret").statusCode()).isEqualTo(200);
        assertThat(get(addr, "/healthz", null).statusCode()).isEqualTo(200);
        assertThat(get(addr, "/readyz", null).statusCode()).isEqualTo(200);
    }

    @Test
    void tokenFileRotatesWithoutRestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "one\n");
        InetSocketAddress addr = start(AdminServer.builder(new InetSocketAddress("127.0.0.1", 0))
                .route("/x", req -> AdminResponse.text("x"))
                .bearerTokenFile(file));

        assertThat(get(addr, "/x", "one").statusCode()).isEqualTo(200);
        Files.writeString(file, "two");
        assertThat(get(addr, "/x", "one").statusCode()).isEqualTo(401);
        assertThat(get(addr, "/x", "two").statusCode()).isEqualTo(200);
    }

    @Test
    void failingHandlerGivesAGeneric500() throws Exception {
        InetSocketAddress addr =
                start(AdminServer.builder(new InetSocketAddress("127.0.0.1", 0)).route("/boom", req -> {
                    throw new IllegalStateException("secret detail");
                }));

        HttpResponse<String> response = get(addr, "/boom", null);
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("secret detail");
    }

    @Test
    void closeIsIdempotentAndFreesThePort() throws Exception {
        InetSocketAddress addr = start(AdminServer.builder(new InetSocketAddress("127.0.0.1", 0)));
        server.close();
        server.close();

        try (AdminServer again = AdminServer.builder(new InetSocketAddress("127.0.0.1", addr.getPort()))
                .build()) {
            assertThat(again.start().toCompletableFuture().join().getPort()).isEqualTo(addr.getPort());
        }
    }

    @Test
    void jsonEscapesControlCharactersAndWritesNestedValues() {
        assertThat(Json.write(Map.of("a", List.of(1, 2.5, true, "x\n\u0001"))))
                .isEqualTo("{\"a\":[1,2.5,true,\"x\\n\\u0001\"]}");
        assertThat(Json.write(Double.NaN)).isEqualTo("null");
    }
}
