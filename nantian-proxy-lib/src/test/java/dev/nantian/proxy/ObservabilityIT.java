package dev.nantian.proxy;

import static dev.nantian.proxy.Fixtures.cluster;
import static dev.nantian.proxy.Fixtures.forward;
import static dev.nantian.proxy.Fixtures.prefixTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.admin.AdminServer;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.Secret;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import dev.nantian.proxy.admin.ProxyAdmin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Access log, metrics and the admin API over real sockets: two proxies in one JVM (text log with a Prometheus
 * registry behind an admin server, JSON log without), one backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityIT {
    private static final String TOKEN = "admin-token";
    private static final String PRIVATE_KEY =
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPRIVATEKEYBYTES\n-----END PRIVATE KEY-----\n";
    private static final String API_KEY = "sk-live-do-not-print-me";
    private static final String TEXT_FORMAT = "%CLIENT_IP%|%METHOD%|%PATH%|%PROTOCOL%|%HOST%|%STATUS%|%RESPONSE_FLAGS%|"
            + "%BYTES_RECEIVED%|%BYTES_SENT%|%LATENCY_MS%|%UPSTREAM_ADDR%|%UPSTREAM_CLUSTER%|%ROUTE%|%USER_AGENT%|"
            + "%REQUEST_ID%|%START_TIME%";

    private Path logs;

    private TestBackend backend;
    private int deadPort;
    private PrometheusMeterRegistry registry;
    private NantianProxy textProxy;
    private NantianProxy jsonProxy;
    private int textPort;
    private int jsonPort;
    private AdminServer admin;
    private HttpClient client;
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    void start(@TempDir Path logDir) throws Exception {
        logs = logDir;
        backend = TestBackend.http1("a");
        int[] ports = Fixtures.freePorts(2);
        deadPort = ports[0];
        textPort = ports[1];
        jsonPort = Fixtures.freePort();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        textProxy = NantianProxy.builder()
                .eventLoopThreads(2)
                .accessLog(AccessLogSettings.builder()
                        .path(logs.resolve("text.log"))
                        .format(TEXT_FORMAT)
                        .sampleRate(1.0)
                        .build())
                .meterRegistry(registry)
                .initialSnapshot(snapshot("v1", textPort))
                .build();
        jsonProxy = NantianProxy.builder()
                .eventLoopThreads(1)
                .accessLog(AccessLogSettings.builder()
                        .path(logs.resolve("json.log"))
                        .mode(AccessLogSettings.Mode.JSON)
                        .sampleRate(1.0)
                        .build())
                .initialSnapshot(snapshot("j1", jsonPort))
                .build();
        textProxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        jsonProxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        admin = ProxyAdmin.of(textProxy)
                .registerOn(AdminServer.builder(new InetSocketAddress("127.0.0.1", 0))
                        .bearerToken(TOKEN))
                .build();
        admin.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private ConfigSnapshot snapshot(String version, int port) {
        HttpRoute quiet = HttpRoute.builder(
                        new RouteMeta(
                                "HTTPRoute",
                                "test",
                                "quiet",
                                Instant.EPOCH,
                                0,
                                Optional.empty(),
                                0,
                                Map.of(AccessLogSettings.ENABLED_ANNOTATION, "false")),
                        forward("a"))
                .match(HttpRouteMatch.path(new PathMatch.Prefix("/quiet")))
                .build();
        return ConfigSnapshot.builder(version)
                .addCluster(cluster("a", backend.port()))
                .addCluster(cluster("dead", deadPort))
                // Unreferenced secrets: the admin API must show their names and nothing else.
                .addSecret(new Secret.TlsKeyPair("test/tls", "-----BEGIN CERTIFICATE-----\nCERT\n", PRIVATE_KEY))
                .addSecret(new Secret.Generic("test/provider", Map.of("apiKey", API_KEY)))
                .addSecret(new Secret.CaBundle("test/ca", "-----BEGIN CERTIFICATE-----\nCABUNDLEBYTES\n"))
                .addListener(Fixtures.httpListener(
                        "http",
                        port,
                        List.of(prefixTo("echo", "/echo", "a"), quiet, prefixTo("dead", "/dead", "dead"))))
                .build();
    }

    @AfterAll
    void stop() {
        if (admin != null) {
            admin.close();
        }
        textProxy.close();
        jsonProxy.close();
        backend.close();
    }

    private HttpResponse<String> send(int port, String method, String path, String body, String requestId)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .header("User-Agent", "it-agent \"quoted\"")
                .header("X-Request-Id", requestId)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String path, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + admin.address().getPort() + path))
                .timeout(Duration.ofSeconds(10));
        if (withToken) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /** The text line of the request with {@code requestId}, split into the format's fields. */
    private String[] textLine(String requestId) {
        Path file = logs.resolve("text.log");
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> lines(file).stream()
                                .filter(l -> l.contains("|" + requestId + "|"))
                                .findFirst()
                                .map(l -> l.split("\\|", -1))
                                .orElse(null),
                        fields -> fields != null);
    }

    @Test
    void textLinesCarryTheRequestAndResponseFields() throws Exception {
        HttpResponse<String> resp = send(textPort, "POST", "/echo/x?y=1", "hello", "req-text-1");
        assertThat(resp.statusCode()).isEqualTo(200);

        String[] f = textLine("req-text-1");
        assertThat(f).hasSize(16);
        assertThat(f[0]).isEqualTo("127.0.0.1");
        assertThat(f[1]).isEqualTo("POST");
        assertThat(f[2]).isEqualTo("/echo/x?y=1");
        assertThat(f[3]).isEqualTo("HTTP/1.1");
        assertThat(f[4]).isEqualTo("127.0.0.1:" + textPort);
        assertThat(f[5]).isEqualTo("200");
        assertThat(f[6]).isEqualTo("-");
        assertThat(f[7]).isEqualTo("5");
        assertThat(Long.parseLong(f[8]))
                .isEqualTo(resp.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(Long.parseLong(f[9])).isBetween(0L, 10_000L);
        assertThat(f[10]).isEqualTo("127.0.0.1:" + backend.port());
        assertThat(f[11]).isEqualTo("a");
        assertThat(f[12]).isEqualTo("test/echo/rule/0");
        assertThat(f[13]).isEqualTo("it-agent \\x22quoted\\x22");
        assertThat(f[14]).isEqualTo("req-text-1");
        assertThat(Instant.parse(f[15])).isBetween(Instant.now().minusSeconds(60), Instant.now());
    }

    @Test
    void http2StreamsAreLoggedAsHttp2() throws Exception {
        HttpClient h2 = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        for (String id : List.of("req-h2-upgrade", "req-h2-stream")) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + textPort + "/echo/h2"))
                    .timeout(Duration.ofSeconds(10))
                    .header("X-Request-Id", id)
                    .build();
            HttpResponse<String> resp = h2.send(req, HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.version()).isEqualTo(HttpClient.Version.HTTP_2);
        }
        String[] f = textLine("req-h2-stream");
        assertThat(f[3]).isEqualTo("HTTP/2");
        assertThat(f[4]).isEqualTo("127.0.0.1:" + textPort);
        assertThat(f[5]).isEqualTo("200");
        assertThat(f[12]).isEqualTo("test/echo/rule/0");
    }

    @Test
    void failuresAreLoggedWithResponseFlags() throws Exception {
        assertThat(send(textPort, "GET", "/nowhere", null, "req-nr").statusCode())
                .isEqualTo(404);
        assertThat(send(textPort, "GET", "/dead", null, "req-uf").statusCode()).isEqualTo(503);

        String[] noRoute = textLine("req-nr");
        assertThat(noRoute[5]).isEqualTo("404");
        assertThat(noRoute[6]).isEqualTo("NR");
        assertThat(noRoute[10]).isEqualTo("-");
        assertThat(noRoute[12]).isEqualTo("-");

        String[] connectFailure = textLine("req-uf");
        assertThat(connectFailure[5]).isEqualTo("503");
        assertThat(connectFailure[6]).isEqualTo("UF");
        assertThat(connectFailure[10]).isEqualTo("127.0.0.1:" + deadPort);
        assertThat(connectFailure[11]).isEqualTo("dead");
        assertThat(connectFailure[12]).isEqualTo("test/dead/rule/0");
    }

    @Test
    void routeAnnotationTurnsTheAccessLogOff() throws Exception {
        assertThat(send(textPort, "GET", "/quiet/1", null, "req-quiet").statusCode())
                .isEqualTo(200);
        assertThat(send(textPort, "GET", "/echo/after", null, "req-after-quiet").statusCode())
                .isEqualTo(200);
        textLine("req-after-quiet");
        assertThat(lines(logs.resolve("text.log"))).noneMatch(l -> l.contains("req-quiet"));
        // Metrics still count the quiet route: the annotation is about the log only.
        assertThat(registry.get("nantian.proxy.requests")
                        .tags("route", "test/quiet/rule/0")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void jsonModeWritesOneParseableObjectPerLine() throws Exception {
        assertThat(send(jsonPort, "GET", "/echo/json?q=\"x\"".replace("\"", "%22"), null, "req-json-1")
                        .statusCode())
                .isEqualTo(200);
        assertThat(send(jsonPort, "GET", "/nowhere", null, "req-json-2").statusCode())
                .isEqualTo(404);
        Path file = logs.resolve("json.log");
        await().atMost(Duration.ofSeconds(10)).until(() -> lines(file).size() >= 2);

        List<String> all = lines(file);
        JsonNode ok = null;
        JsonNode notFound = null;
        for (String line : all) {
            JsonNode node = json.readTree(line);
            assertThat(node.isObject()).isTrue();
            if (line.contains("/echo/json")) {
                ok = node;
            } else if (line.contains("/nowhere")) {
                notFound = node;
            }
        }
        assertThat(ok).isNotNull();
        assertThat(ok.get("status").isInt()).isTrue();
        assertThat(ok.get("status").asInt()).isEqualTo(200);
        assertThat(ok.get("client_ip").asString()).isEqualTo("127.0.0.1");
        assertThat(ok.get("method").asString()).isEqualTo("GET");
        assertThat(ok.get("path").asString()).isEqualTo("/echo/json?q=%22x%22");
        assertThat(ok.get("user_agent").asString()).isEqualTo("it-agent \"quoted\"");
        assertThat(ok.get("upstream_addr").asString()).isEqualTo("127.0.0.1:" + backend.port());
        assertThat(ok.get("route").asString()).isEqualTo("test/echo/rule/0");
        assertThat(ok.get("bytes_sent").asLong()).isPositive();
        assertThat(ok.get("response_flags").isNull()).isTrue();
        assertThat(notFound).isNotNull();
        assertThat(notFound.get("status").asInt()).isEqualTo(404);
        assertThat(notFound.get("response_flags").asString()).isEqualTo("NR");
        assertThat(notFound.get("route").isNull()).isTrue();
    }

    @Test
    void metricsAreServedInPrometheusFormat() throws Exception {
        assertThat(send(textPort, "GET", "/echo/m", null, "req-metrics").statusCode())
                .isEqualTo(200);
        assertThat(send(textPort, "GET", "/dead/m", null, "req-metrics-dead").statusCode())
                .isEqualTo(503);

        assertThat(admin("/metrics", false).statusCode()).isEqualTo(401);
        HttpResponse<String> resp = admin("/metrics", true);
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
        String text = resp.body();
        assertThat(text)
                .containsPattern("nantian_proxy_requests_total\\{[^}]*cluster=\"a\"[^}]*code=\"200\"[^}]*"
                        + "route=\"test/echo/rule/0\"[^}]*} [1-9]")
                .containsPattern("nantian_proxy_request_duration_seconds_bucket\\{[^}]*route=\"test/echo/rule/0\"")
                .containsPattern("nantian_proxy_upstream_connect_errors_total\\{cluster=\"dead\",endpoint=\"127.0.0.1:"
                        + deadPort + "\"} [1-9]")
                .containsPattern("nantian_proxy_config_info\\{version=\"v1\"} 1")
                .containsPattern("nantian_proxy_config_swaps_total [1-9]")
                .containsPattern("nantian_proxy_endpoint_healthy\\{cluster=\"a\",endpoint=\"127.0.0.1:" + backend.port()
                        + "\"} 1")
                .containsPattern("nantian_proxy_downstream_connections_total [1-9]")
                .contains("nantian_proxy_downstream_connections_active")
                .containsPattern(
                        "nantian_proxy_response_body_bytes_total\\{[^}]*route=\"test/echo/rule/0\"[^}]*} [1-9]")
                .contains("nantian_proxy_access_log_dropped_total")
                .containsPattern("nantian_proxy_access_log_written_total [1-9]");
    }

    @Test
    void adminApiServesVersionHealthAndAConfigWithoutKeyMaterial() throws Exception {
        assertThat(admin("/readyz", false).statusCode()).isEqualTo(200);
        JsonNode version =
                json.readTree(admin(ProxyAdmin.CONFIG_VERSION_PATH, true).body());
        assertThat(version.get("version").asString()).isEqualTo("v1");
        assertThat(version.get("applied").asBoolean()).isTrue();

        JsonNode health =
                json.readTree(admin(ProxyAdmin.BACKENDS_HEALTH_PATH, true).body());
        JsonNode a = health.get("clusters").get(0);
        assertThat(a.get("name").asString()).isEqualTo("a");
        assertThat(a.get("endpoints").get(0).get("address").asString()).isEqualTo("127.0.0.1:" + backend.port());
        assertThat(a.get("endpoints").get(0).get("health").asString()).isEqualTo("HEALTHY");

        HttpResponse<String> config = admin(ProxyAdmin.CONFIG_PATH, true);
        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(config.body())
                .doesNotContain(API_KEY)
                .doesNotContain("PRIVATEKEYBYTES")
                .doesNotContain("CABUNDLEBYTES")
                .doesNotContain("BEGIN")
                .contains("test/tls", "test/provider", "test/ca", "\"/echo\"");
        JsonNode root = json.readTree(config.body());
        assertThat(root.get("version").asString()).isEqualTo("v1");
        assertThat(root.get("listeners").get(0).get("port").asInt()).isEqualTo(textPort);
    }

    @Test
    void readinessWaitsForAConfig() throws Exception {
        try (NantianProxy idle = NantianProxy.builder().eventLoopThreads(1).build();
                AdminServer idleAdmin = ProxyAdmin.of(idle)
                        .registerOn(AdminServer.builder(new InetSocketAddress("127.0.0.1", 0)))
                        .build()) {
            idleAdmin.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            URI readyz = URI.create("http://127.0.0.1:" + idleAdmin.address().getPort() + "/readyz");
            assertThat(client.send(HttpRequest.newBuilder(readyz).build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(503);
            URI metrics = URI.create("http://127.0.0.1:" + idleAdmin.address().getPort() + "/metrics");
            assertThat(client.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(404);
            idle.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            idle.update(ConfigSnapshot.empty("e1")).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(client.send(HttpRequest.newBuilder(readyz).build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(200);
        }
    }
}
