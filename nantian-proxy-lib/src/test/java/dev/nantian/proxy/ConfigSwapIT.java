package dev.nantian.proxy;

import static dev.nantian.proxy.Fixtures.cluster;
import static dev.nantian.proxy.Fixtures.prefixTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.NantianException;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.VirtualHost;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Snapshot swaps: under load, adding and removing listeners, rejected snapshots, graceful close. */
class ConfigSwapIT {
    private TestBackend a;
    private TestBackend b;
    private NantianProxy proxy;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @BeforeEach
    void backends() throws Exception {
        a = TestBackend.http1("a");
        b = TestBackend.http1("b");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        a.close();
        b.close();
    }

    private ConfigSnapshot snapshot(String version, String cluster, int... ports) {
        ConfigSnapshot.Builder s = ConfigSnapshot.builder(version)
                .addCluster(cluster("a", a.port()))
                .addCluster(cluster("b", b.port()));
        int i = 0;
        for (int port : ports) {
            s.addListener(Fixtures.httpListener("l" + i++, port, List.of(prefixTo("all", "/", cluster))));
        }
        return s.build();
    }

    private NantianProxy start(ConfigSnapshot initial) throws Exception {
        proxy = NantianProxy.builder()
                .eventLoopThreads(2)
                .drainTimeout(Duration.ofSeconds(3))
                .initialSnapshot(initial)
                .build();
        proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return proxy;
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void fiftySwapsUnderLoadFailNoRequest() throws Exception {
        int port = Fixtures.freePort();
        start(snapshot("v0", "a", port));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> load = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            load.add(CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    try {
                        HttpResponse<String> r = get(port, "/load");
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.merge("status " + r.statusCode(), 1, Integer::sum);
                        }
                    } catch (Exception e) {
                        failures.merge(e.toString(), 1, Integer::sum);
                    }
                }
            }));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > 20);
        for (int v = 1; v <= 50; v++) {
            proxy.update(snapshot("v" + v, v % 2 == 0 ? "a" : "b", port))
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            int seen = ok.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > seen + 2);
        }
        stop.set(true);
        CompletableFuture.allOf(load.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertThat(failures).isEmpty();
        assertThat(proxy.configVersion()).isEqualTo("v50");
        assertThat(a.requests).isNotEmpty();
        assertThat(b.requests).isNotEmpty();
    }

    @Test
    void listenersOpenAndCloseWithSnapshots() throws Exception {
        int[] ports = Fixtures.freePorts(2);
        int first = ports[0];
        int second = ports[1];
        start(snapshot("v1", "a", first));
        assertThat(get(first, "/x").body()).startsWith("a ");

        proxy.update(snapshot("v2", "b", first, second)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(get(second, "/x").body()).startsWith("b ");
        assertThat(get(first, "/x").body()).startsWith("b ");
        assertThat(proxy.localAddresses()).hasSize(2);

        proxy.update(snapshot("v3", "a", second)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(get(second, "/x").body()).startsWith("a ");
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThatThrownBy(() -> get(first, "/x")).isInstanceOf(ConnectException.class));
    }

    @Test
    void rejectedSnapshotKeepsServingThePreviousOne() throws Exception {
        int port = Fixtures.freePort();
        start(snapshot("v1", "a", port));
        // Two virtual hosts of one listener claim the same domain: the router table rejects it.
        HttpRoute route = prefixTo("r", "/", "b");
        Listener bad = Listener.builder(
                        "bad",
                        port,
                        ListenerProtocol.HTTP,
                        new ListenerRoutes.Http(List.of(
                                new VirtualHost("one", List.of("x.example"), List.of(route)),
                                new VirtualHost("two", List.of("x.example"), List.of(route)))))
                .address("127.0.0.1")
                .build();
        ConfigSnapshot invalid = ConfigSnapshot.builder("v2")
                .addCluster(cluster("b", b.port()))
                .addListener(bad)
                .build();
        assertThatThrownBy(() -> proxy.update(invalid).toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ConfigValidationException.class);
        assertThat(proxy.configVersion()).isEqualTo("v1");
        assertThat(get(port, "/x").body()).startsWith("a ");

        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> proxy.update(snapshot("v3", "b", port, taken.getLocalPort()))
                            .toCompletableFuture()
                            .get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NantianException.class);
        }
        assertThat(proxy.configVersion()).isEqualTo("v1");
        assertThat(get(port, "/x").body()).startsWith("a ");
    }

    @Test
    void closeLetsInFlightRequestsFinish() throws Exception {
        int port = Fixtures.freePort();
        start(snapshot("v1", "a", port));
        CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/delay/700"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> !a.requests.isEmpty());
        CompletableFuture<Void> closed = proxy.closeAsync().toCompletableFuture();
        assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        closed.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> get(port, "/x")).isInstanceOf(ConnectException.class);
    }
}
