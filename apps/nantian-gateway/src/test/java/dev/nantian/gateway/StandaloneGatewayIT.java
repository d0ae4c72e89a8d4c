package dev.nantian.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.testing.echo.EchoServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandaloneGatewayIT {
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    private EchoServer echo;
    private StandaloneGateway gateway;
    private int port;

    @BeforeEach
    void startBackend() throws Exception {
        echo = EchoServer.builder("web-7d9f-1", "default")
                .serviceName("web")
                .httpPort(0)
                .build()
                .start()
                .toCompletableFuture()
                .join();
        port = freePort();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        echo.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void writeConfig(String routePrefix) throws IOException {
        Files.writeString(
                dir.resolve("gateway.yaml"),
                String.join(
                        "\n",
                        "apiVersion: gateway.networking.k8s.io/v1",
                        "kind: GatewayClass",
                        "metadata: {name: nantian}",
                        "spec: {controllerName: gateway.networking.k8s.io/nantian-gw}",
                        "---",
                        "apiVersion: gateway.networking.k8s.io/v1",
                        "kind: Gateway",
                        "metadata: {name: gw, namespace: default}",
                        "spec:",
                        "  gatewayClassName: nantian",
                        "  listeners:",
                        "  - {name: http, protocol: HTTP, port: " + port + "}",
                        ""));
        Files.writeString(
                dir.resolve("backend.yaml"),
                String.join(
                        "\n",
                        "apiVersion: v1",
                        "kind: Service",
                        "metadata: {name: web, namespace: default}",
                        "spec:",
                        "  ports: [{name: http, port: 80, targetPort: " + echo.httpPort() + "}]",
                        "---",
                        "apiVersion: discovery.k8s.io/v1",
                        "kind: EndpointSlice",
                        "metadata:",
                        "  name: web-1",
                        "  namespace: default",
                        "  labels: {kubernetes.io/service-name: web}",
                        "addressType: IPv4",
                        "ports: [{name: http, port: " + echo.httpPort() + "}]",
                        "endpoints: [{addresses: [\"127.0.0.1\"]}]",
                        ""));
        Files.writeString(
                dir.resolve("route.yaml"),
                String.join(
                        "\n",
                        "apiVersion: gateway.networking.k8s.io/v1",
                        "kind: HTTPRoute",
                        "metadata: {name: web, namespace: default}",
                        "spec:",
                        "  parentRefs: [{name: gw}]",
                        "  rules:",
                        "  - matches: [{path: {type: PathPrefix, value: " + routePrefix + "}}]",
                        "    backendRefs: [{name: web, port: 80}]",
                        ""));
    }

    private void startGateway() {
        gateway = StandaloneGateway.builder(dir)
                .adminAddress(new InetSocketAddress("127.0.0.1", 0))
                .addressAllocator(dev.nantian.k8s.translate.AddressAllocator.fixed("127.0.0.1"))
                .settleDelay(Duration.ofMillis(100))
                .build();
        gateway.start();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String path) throws Exception {
        InetSocketAddress a = gateway.adminAddress();
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheDirectoryAndReportsStatus() throws Exception {
        writeConfig("/app");
        startGateway();

        HttpResponse<String> response = get("/app/hello");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"path\": \"/app/hello\"", "\"pod\": \"web-7d9f-1\"");
        assertThat(get("/other").statusCode()).isEqualTo(404);

        HttpResponse<String> status = admin("/api/v1/status");
        assertThat(status.body())
                .contains("\"revision\":\"" + ConfigRevision.of(dir) + "\"")
                .contains("\"errors\":[]")
                .contains("\"kind\":\"HTTPRoute\"", "\"reason\":\"Accepted\"", "\"generation\":1");
        assertThat(admin("/readyz").statusCode()).isEqualTo(200);
        assertThat(admin("/api/v1/features").body()).contains("\"HTTPRoute\"");
        assertThat(admin("/api/v1/backends/health").body()).contains(String.valueOf(echo.httpPort()));
        assertThat(admin("/api/v1/config").statusCode()).isEqualTo(200);
    }

    @Test
    void hotReloadsEditsAndBumpsTheGeneration() throws Exception {
        writeConfig("/app");
        startGateway();
        assertThat(get("/v2/x").statusCode()).isEqualTo(404);

        writeConfig("/v2");

        await().atMost(Duration.ofSeconds(10)).until(() -> get("/v2/x").statusCode() == 200);
        assertThat(get("/app/x").statusCode()).isEqualTo(404);
        assertThat(admin("/api/v1/status").body()).contains("\"name\":\"web\",\"generation\":2");
    }

    @Test
    void anInvalidEditKeepsTheLastGoodConfigurationServing() throws Exception {
        writeConfig("/app");
        startGateway();
        String good = gateway.servingRevision();

        Files.writeString(dir.resolve("broken.yaml"), "apiVersion: v1\nkind: NoSuchKind\nmetadata: {name: x}\n");
        writeConfig("/v2");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> admin("/api/v1/status").body().contains("broken.yaml"));
        assertThat(gateway.servingRevision()).isEqualTo(good);
        assertThat(get("/app/x").statusCode()).isEqualTo(200);
        assertThat(get("/v2/x").statusCode()).isEqualTo(404);

        Files.delete(dir.resolve("broken.yaml"));
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/v2/x").statusCode() == 200);
        assertThat(gateway.errors()).isEmpty();
    }

    @Test
    void startsEmptyAndBecomesReadyWithTheFirstGoodConfiguration() throws Exception {
        Files.writeString(dir.resolve("broken.yaml"), "not: [valid");
        startGateway();
        assertThat(admin("/readyz").statusCode()).isEqualTo(503);
        assertThat(gateway.errors()).isNotEmpty();

        Files.delete(dir.resolve("broken.yaml"));
        writeConfig("/app");

        await().atMost(Duration.ofSeconds(10)).until(() -> admin("/readyz").statusCode() == 200);
        assertThat(get("/app/x").statusCode()).isEqualTo(200);
    }
}
