package dev.nantian.proxy;

import static dev.nantian.proxy.Fixtures.prefix;
import static dev.nantian.proxy.Fixtures.prefixTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.HealthCheck;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.OutlierDetection;
import dev.nantian.core.model.SessionPersistence;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.proxy.admin.ProxyAdmin;
import dev.nantian.proxy.metrics.ProxyMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Load balancing, active health checks and outlier ejection through a real proxy to real loopback backends. Waits
 * use Awaitility on observable state (the proxy's endpoint health, the backends' counters), never sleeps; health
 * check intervals and ejection times are short so that the waits are too.
 */
class LoadBalancingIT {
    private static final String CLUSTER = "c";

    private final List<TestBackend> backends = new ArrayList<>();
    private final Map<String, TestBackend> byName = new HashMap<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private NantianProxy proxy;
    private int port;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backends.forEach(TestBackend::close);
    }

    private TestBackend backend(String name) throws InterruptedException {
        TestBackend b = TestBackend.http1(name);
        backends.add(b);
        byName.put(name, b);
        return b;
    }

    private static Endpoint endpoint(TestBackend b, int weight) {
        return new Endpoint("127.0.0.1", b.port(), weight, Optional.empty(), "");
    }

    private static Endpoint endpoint(TestBackend b) {
        return endpoint(b, 1);
    }

    private static String authority(TestBackend b) {
        return "127.0.0.1:" + b.port();
    }

    private ConfigSnapshot snapshot(String version, HttpRoute route, Cluster... clusters) {
        if (port == 0) {
            port = Fixtures.freePort();
        }
        ConfigSnapshot.Builder s =
                ConfigSnapshot.builder(version).addListener(Fixtures.httpListener("l", port, List.of(route)));
        for (Cluster c : clusters) {
            s.addCluster(c);
        }
        return s.build();
    }

    private ConfigSnapshot snapshot(String version, Cluster cluster) {
        return snapshot(version, prefixTo("all", "/", cluster.name()), cluster);
    }

    private void serve(ConfigSnapshot snapshot) throws Exception {
        if (proxy == null) {
            proxy = NantianProxy.builder()
                    .filterRegistry(new TestFilters().registry())
                    .eventLoopThreads(2)
                    .drainTimeout(Duration.ofSeconds(2))
                    .meterRegistry(registry)
                    .initialSnapshot(snapshot)
                    .build();
            proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } else {
            proxy.update(snapshot).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private HttpRequest request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return client.send(request(path, headers), HttpResponse.BodyHandlers.ofString());
    }

    /** Which backend answered, {@code none} for a local reply. */
    private static String backendOf(HttpResponse<String> r) {
        return r.headers().firstValue("x-backend").orElse("none");
    }

    /** How many of {@code n} requests each backend answered. */
    private Map<String, Integer> spread(int n, String... headers) throws Exception {
        Map<String, Integer> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = get("/", headers);
            out.merge(backendOf(r), 1, Integer::sum);
        }
        return out;
    }

    private Cluster.Builder cluster(TestBackend... bs) {
        Cluster.Builder c = Cluster.builder(CLUSTER);
        for (TestBackend b : bs) {
            c.addEndpoint(endpoint(b));
        }
        return c;
    }

    private EndpointHealth health(TestBackend b) {
        return proxy.endpointHealth(CLUSTER, authority(b)).orElseThrow();
    }

    private static HealthCheck check(int healthy, int unhealthy) {
        return new HealthCheck(
                "/health",
                Optional.empty(),
                Duration.ofMillis(50),
                Duration.ofSeconds(1),
                healthy,
                unhealthy,
                200,
                299);
    }

    // ---- load-balancing policies ----

    @Test
    void weightedRoundRobinSplitsExactlyByWeight() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        TestBackend c = backend("c");
        serve(snapshot(
                "v1",
                Cluster.builder(CLUSTER)
                        .addEndpoint(endpoint(a, 1))
                        .addEndpoint(endpoint(b, 2))
                        .addEndpoint(endpoint(c, 3))
                        .build()));

        assertThat(spread(60)).isEqualTo(Map.of("a", 10, "b", 20, "c", 30));
    }

    @Test
    void randomFollowsWeights() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        serve(snapshot(
                "v1",
                Cluster.builder(CLUSTER)
                        .addEndpoint(endpoint(a, 1))
                        .addEndpoint(endpoint(b, 3))
                        .loadBalancing(new LoadBalancing.Random())
                        .build()));

        Map<String, Integer> spread = spread(400);

        // b expects 300 of 400 (standard deviation under 9): far from both an even split and from b alone
        assertThat(spread.get("b")).isBetween(240, 360);
        assertThat(spread.get("a")).isBetween(40, 160);
    }

    @Test
    void leastRequestAvoidsTheEndpointWithRequestsInFlight() throws Exception {
        TestBackend slow = backend("slow");
        TestBackend fast = backend("fast");
        slow.delayAll(3000);
        serve(snapshot(
                "v1",
                cluster(slow, fast)
                        .loadBalancing(new LoadBalancing.LeastRequest(8))
                        .build()));

        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // One pick at a time: the next request starts once this one was answered or is held by the slow one.
            int slowSeen = slow.requests.size();
            CompletableFuture<HttpResponse<String>> f =
                    client.sendAsync(request("/"), HttpResponse.BodyHandlers.ofString());
            inFlight.add(f);
            await().atMost(Duration.ofSeconds(5)).until(() -> f.isDone() || slow.requests.size() > slowSeen);
        }
        Map<String, Integer> spread = new TreeMap<>();
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            spread.merge(backendOf(f.get(10, TimeUnit.SECONDS)), 1, Integer::sum);
        }

        // Once the slow endpoint holds a request, it is only picked when all 8 draws land on it (1 in 256), while
        // random or round robin would give it about 10 of 20.
        assertThat(spread.getOrDefault("slow", 0)).isLessThanOrEqualTo(4);
        assertThat(spread.get("fast")).isGreaterThanOrEqualTo(16);
    }

    @Test
    void consistentHashOnAHeaderSticksAndMovesOnlyTheKeysOfARemovedEndpoint() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        TestBackend c = backend("c");
        LoadBalancing hash = new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.Header("x-user"));
        serve(snapshot("v1", cluster(a, b, c).loadBalancing(hash).build()));

        Map<String, String> before = new HashMap<>();
        for (int u = 0; u < 60; u++) {
            String user = "user-" + u;
            String first = backendOf(get("/", "x-user", user));
            assertThat(backendOf(get("/", "x-user", user))).as(user).isEqualTo(first);
            before.put(user, first);
        }
        assertThat(before.values()).contains("a", "b", "c");

        serve(snapshot("v2", cluster(a, b).loadBalancing(hash).build()));

        for (Map.Entry<String, String> e : before.entrySet()) {
            String now = backendOf(get("/", "x-user", e.getKey()));
            if (e.getValue().equals("c")) {
                assertThat(now).as(e.getKey()).isIn("a", "b");
            } else {
                assertThat(now)
                        .as(e.getKey() + " was not on the removed endpoint")
                        .isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void consistentHashCookieIsMadeUpOnTheFirstResponseAndThenSticks() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        TestBackend c = backend("c");
        LoadBalancing hash = new LoadBalancing.ConsistentHash(
                new LoadBalancing.HashKey.Cookie("sticky", Optional.of(Duration.ofHours(1)), "/app"));
        serve(snapshot("v1", cluster(a, b, c).loadBalancing(hash).build()));

        for (int client = 0; client < 5; client++) {
            HttpResponse<String> first = get("/");
            String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
            assertThat(setCookie).startsWith("sticky=").contains("Max-Age=3600", "Path=/app", "HTTPOnly");
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            for (int i = 0; i < 8; i++) {
                HttpResponse<String> next = get("/", "cookie", "other=1; " + cookie);
                assertThat(backendOf(next)).isEqualTo(backendOf(first));
                assertThat(next.headers().firstValue("set-cookie")).isEmpty();
            }
        }
    }

    @Test
    void sessionPersistenceCookiePinsTheEndpointWhileItIsHealthy() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        TestBackend c = backend("c");
        HttpRoute route = prefix("all", "/", Fixtures.forward(CLUSTER))
                .sessionPersistence(new SessionPersistence(
                        Optional.of("nantian-sess"),
                        SessionPersistence.Type.COOKIE,
                        Optional.of(Duration.ofMinutes(10)),
                        Optional.empty(),
                        true))
                .build();
        serve(snapshot(
                "v1",
                route,
                cluster(a, b, c)
                        .outlierDetection(new OutlierDetection(1, Duration.ofMinutes(1), 100))
                        .build()));

        HttpResponse<String> first = get("/");
        String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).startsWith("nantian-sess=").contains("Max-Age=600", "Path=/", "HTTPOnly");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String pinned = backendOf(first);
        for (int i = 0; i < 9; i++) {
            // round robin alone would rotate through a, b and c
            assertThat(backendOf(get("/", "cookie", cookie))).isEqualTo(pinned);
        }

        // A token that does not decode is a new session, not an error.
        HttpResponse<String> garbage = get("/", "cookie", "nantian-sess=%%%not-base64");
        assertThat(garbage.statusCode()).isEqualTo(200);
        assertThat(garbage.headers().firstValue("set-cookie")).isPresent();

        // The pinned endpoint fails and is ejected: the session moves, and the response re-pins it.
        TestBackend pinnedBackend = byName.get(pinned);
        pinnedBackend.failNext(1, 503);
        assertThat(get("/", "cookie", cookie).statusCode()).isEqualTo(503);
        assertThat(health(pinnedBackend)).isEqualTo(EndpointHealth.EJECTED);
        HttpResponse<String> moved = get("/", "cookie", cookie);
        assertThat(backendOf(moved)).isNotEqualTo(pinned);
        String repinned = moved.headers().firstValue("set-cookie").orElseThrow();
        String newCookie = repinned.substring(0, repinned.indexOf(';'));
        for (int i = 0; i < 5; i++) {
            assertThat(backendOf(get("/", "cookie", newCookie))).isEqualTo(backendOf(moved));
        }
    }

    @Test
    void sessionPersistenceHeaderTravelsInAResponseHeader() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        HttpRoute route = prefix("all", "/", Fixtures.forward(CLUSTER))
                .sessionPersistence(new SessionPersistence(
                        Optional.of("x-session"),
                        SessionPersistence.Type.HEADER,
                        Optional.empty(),
                        Optional.empty(),
                        false))
                .build();
        serve(snapshot("v1", route, cluster(a, b).build()));

        HttpResponse<String> first = get("/");
        String token = first.headers().firstValue("x-session").orElseThrow();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> next = get("/", "x-session", token);
            assertThat(backendOf(next)).isEqualTo(backendOf(first));
            assertThat(next.headers().firstValue("x-session")).isEmpty();
        }
    }

    // ---- active health checks ----

    @Test
    void healthChecksTakeAnEndpointOutAfterTheThresholdAndBackAfterTheirs() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        serve(snapshot("v1", cluster(a, b).healthCheck(check(2, 3)).build()));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.healthPassed.get() > 0);

        b.health(503);
        await().atMost(Duration.ofSeconds(5)).until(() -> health(b) == EndpointHealth.UNHEALTHY);
        assertThat(b.healthFailed.get()).as("failed checks before unhealthy").isGreaterThanOrEqualTo(3);
        assertThat(spread(10)).isEqualTo(Map.of("a", 10));
        assertThat(registry.get(ProxyMetrics.ENDPOINT_HEALTHY)
                        .tag(ProxyMetrics.TAG_ENDPOINT, authority(b))
                        .gauge()
                        .value())
                .isZero();
        JsonNode report = backendHealth();
        JsonNode cluster = report.get("clusters").get(0);
        assertThat(cluster.get("healthSource").asString()).isEqualTo("active");
        assertThat(cluster.get("healthy").asInt()).isEqualTo(1);
        assertThat(cluster.get("panic").asBoolean()).isFalse();
        assertThat(cluster.get("endpoints").get(1).get("health").asString()).isEqualTo("UNHEALTHY");

        int passedBefore = b.healthPassed.get();
        b.health(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> health(b) == EndpointHealth.HEALTHY);
        assertThat(b.healthPassed.get() - passedBefore)
                .as("good checks before healthy")
                .isGreaterThanOrEqualTo(2);
        assertThat(spread(10)).isEqualTo(Map.of("a", 5, "b", 5));
        assertThat(registry.get(ProxyMetrics.ENDPOINT_HEALTHY)
                        .tag(ProxyMetrics.TAG_ENDPOINT, authority(b))
                        .gauge()
                        .value())
                .isEqualTo(1.0);
    }

    @Test
    void healthChecksSpeakHttp2ToH2cEndpoints() throws Exception {
        TestBackend a = TestBackend.h2c("a");
        TestBackend b = TestBackend.h2c("b");
        backends.add(a);
        backends.add(b);
        serve(snapshot(
                "v1",
                cluster(a, b)
                        .protocol(UpstreamProtocol.H2C)
                        .healthCheck(check(1, 2))
                        .build()));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.healthPassed.get() > 0 && b.healthPassed.get() > 0);
        assertThat(health(b)).isEqualTo(EndpointHealth.HEALTHY);

        b.health(503);
        await().atMost(Duration.ofSeconds(5)).until(() -> health(b) == EndpointHealth.UNHEALTHY);
        assertThat(spread(6)).isEqualTo(Map.of("a", 6));
        assertThat(health(a)).isEqualTo(EndpointHealth.HEALTHY);
    }

    @Test
    void healthChecksKeepTheirConnectionBetweenChecks() throws Exception {
        TestBackend a = backend("a");
        TestBackend h2 = TestBackend.h2c("h2");
        backends.add(h2);
        serve(snapshot(
                "v1",
                prefixTo("all", "/", CLUSTER),
                cluster(a).healthCheck(check(1, 2)).build(),
                Cluster.builder("h2")
                        .addEndpoint(endpoint(h2))
                        .protocol(UpstreamProtocol.H2C)
                        .healthCheck(check(1, 2))
                        .build()));
        // Checks every 50 ms, and no proxied traffic: every connection the backends see is a checker's.
        await().atMost(Duration.ofSeconds(5)).until(() -> a.healthPassed.get() >= 10 && h2.healthPassed.get() >= 10);
        assertThat(a.connections.get()).as("HTTP/1.1 keep-alive between checks").isEqualTo(1);
        assertThat(h2.connections.get())
                .as("one HTTP/2 connection, a stream per check")
                .isEqualTo(1);

        // A failing answer keeps the connection too; an endpoint that closes it gets a new one at the next check.
        a.health(503);
        await().atMost(Duration.ofSeconds(5)).until(() -> health(a) == EndpointHealth.UNHEALTHY);
        assertThat(a.connections.get()).isEqualTo(1);
    }

    @Test
    void anUnchangedClusterKeepsItsHealthAcrossASwap() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        Cluster checked = cluster(a, b).healthCheck(check(1, 1)).build();
        serve(snapshot("v1", checked));
        b.health(503);
        await().atMost(Duration.ofSeconds(5)).until(() -> health(b) == EndpointHealth.UNHEALTHY);

        // Another route and another cluster: new endpoints start healthy, ours stays as it was.
        TestBackend other = backend("other");
        serve(snapshot(
                "v2",
                prefixTo("all", "/", CLUSTER),
                checked,
                Cluster.builder("other").addEndpoint(endpoint(other)).build()));
        assertThat(health(b)).isEqualTo(EndpointHealth.UNHEALTHY);
        assertThat(spread(6)).isEqualTo(Map.of("a", 6));

        // The cluster loses its health check: nothing says the endpoint is bad any more.
        serve(snapshot("v3", cluster(a, b).build()));
        assertThat(health(b)).isEqualTo(EndpointHealth.HEALTHY);
        assertThat(spread(6)).isEqualTo(Map.of("a", 3, "b", 3));
    }

    @Test
    void whenEveryEndpointIsUnhealthyRequestsGoToAllOfThem() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        a.health(500);
        b.health(500);
        serve(snapshot("v1", cluster(a, b).healthCheck(check(1, 1)).build()));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> health(a) == EndpointHealth.UNHEALTHY && health(b) == EndpointHealth.UNHEALTHY);

        assertThat(spread(10)).isEqualTo(Map.of("a", 5, "b", 5));
        JsonNode cluster = backendHealth().get("clusters").get(0);
        assertThat(cluster.get("panic").asBoolean()).isTrue();
        assertThat(cluster.get("healthy").asInt()).isZero();
    }

    // ---- outlier detection ----

    @Test
    void consecutiveFailuresEjectAnEndpointUntilItsEjectionTimeIsOver() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        serve(snapshot(
                "v1",
                cluster(a, b)
                        .outlierDetection(new OutlierDetection(3, Duration.ofMillis(600), 50))
                        .build()));
        b.failNext(3, 503);

        Map<String, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = get("/");
            statuses.merge(backendOf(r) + ":" + r.statusCode(), 1, Integer::sum);
        }
        assertThat(statuses).isEqualTo(Map.of("a:200", 3, "b:503", 3));
        await().atMost(Duration.ofSeconds(2)).until(() -> health(b) == EndpointHealth.EJECTED);
        assertThat(spread(10)).isEqualTo(Map.of("a", 10));
        assertThat(backendHealth().get("clusters").get(0).get("healthSource").asString())
                .isEqualTo("passive");

        await().atMost(Duration.ofSeconds(5)).until(() -> health(b) == EndpointHealth.HEALTHY);
        assertThat(spread(10)).containsEntry("b", 5);
    }

    @Test
    void routesWithExtensionFiltersLeaseEndpointsAndFeedOutlierDetectionToo() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        Cluster c = cluster(a, b)
                .outlierDetection(new OutlierDetection(2, Duration.ofMinutes(1), 50))
                .build();
        if (port == 0) {
            port = Fixtures.freePort();
        }
        serve(ConfigSnapshot.builder("v1")
                .addListener(Fixtures.httpListener(
                        "l", port, List.of(Fixtures.prefixTo("chained", "/", CLUSTER, TestFilters.ref("Tag", "t")))))
                .addCluster(c)
                .addExtension(TestFilters.config("Tag", "t", Map.of("value", "t")))
                .build());
        b.failNext(2, 503);

        Map<String, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = get("/");
            statuses.merge(backendOf(r) + ":" + r.statusCode(), 1, Integer::sum);
        }
        assertThat(statuses).isEqualTo(Map.of("a:200", 2, "b:503", 2));
        await().atMost(Duration.ofSeconds(2)).until(() -> health(b) == EndpointHealth.EJECTED);
        assertThat(spread(10)).isEqualTo(Map.of("a", 10));
    }

    @Test
    void connectFailuresEjectAnEndpointThatIsGone() throws Exception {
        TestBackend a = backend("a");
        int gone = Fixtures.freePort();
        serve(snapshot(
                "v1",
                cluster(a)
                        .addEndpoint(Endpoint.of("127.0.0.1", gone))
                        .outlierDetection(new OutlierDetection(2, Duration.ofMinutes(1), 100))
                        .build()));

        int refused = 0;
        for (int i = 0; i < 6; i++) {
            if (get("/").statusCode() == 503) {
                refused++;
            }
        }
        assertThat(refused).isEqualTo(2);
        assertThat(proxy.endpointHealth(CLUSTER, "127.0.0.1:" + gone)).contains(EndpointHealth.EJECTED);
        assertThat(spread(10)).isEqualTo(Map.of("a", 10));
    }

    @Test
    void maxEjectionPercentLeavesTheRestInService() throws Exception {
        List<TestBackend> four = new ArrayList<>();
        for (String n : List.of("a", "b", "c", "d")) {
            TestBackend t = backend(n);
            t.failNext(1000, 502);
            four.add(t);
        }
        serve(snapshot(
                "v1",
                cluster(four.toArray(new TestBackend[0]))
                        .outlierDetection(new OutlierDetection(1, Duration.ofMinutes(1), 25))
                        .build()));

        for (int i = 0; i < 12; i++) {
            assertThat(get("/").statusCode()).isEqualTo(502);
        }

        long ejected =
                four.stream().filter(t -> health(t) == EndpointHealth.EJECTED).count();
        assertThat(ejected).as("25% of 4 endpoints").isEqualTo(1);
    }

    private JsonNode backendHealth() {
        String body = ProxyAdmin.of(proxy)
                .backendHealth(
                        new dev.nantian.core.admin.AdminRequest("GET", ProxyAdmin.BACKENDS_HEALTH_PATH, Map.of()))
                .body();
        return JsonMapper.builder().build().readTree(body);
    }
}
