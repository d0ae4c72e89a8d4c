package dev.nantian.proxy.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.testing.echo.EchoServer;
import dev.nantian.testing.tls.TestCertificates;
import dev.nantian.xds.codec.EnvoyCodec;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.server.XdsServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The proxy app end to end: an {@link XdsServer} on a loopback grpc-netty-shaded server plays the control plane (the
 * controller app itself is not a dependency: nothing depends on apps), a real echo backend answers, and bounded
 * loopback load (two client threads) runs through the proxy while the control plane dies, comes back, pushes and
 * sends garbage.
 */
class DataPlaneIT {
    private static final String NODE = "proxy-1";
    private static final String CLUSTER = "default/web:80";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private EchoServer echo;
    private int listenerPort;
    private int xdsPort;
    private XdsServer xds;
    private Server grpc;
    private DataPlane dataPlane;
    private Load load;

    @BeforeEach
    void setUp() throws Exception {
        echo = EchoServer.builder("web-1", "default")
                .serviceName("web")
                .httpPort(0)
                .build()
                .start()
                .toCompletableFuture()
                .join();
        startControlPlane(0);
        xdsPort = ((InetSocketAddress) grpc.getListenSockets().get(0)).getPort();
        // Picked after the gRPC server's ephemeral port, so the two cannot collide.
        listenerPort = freePort();
        ProxyConfig config = ProxyConfig.parse("xds: {address: \"127.0.0.1:" + xdsPort + "\", nodeId: " + NODE + "}\n"
                + "access: {enabled: false}\n"
                + "adminAddr: \"127.0.0.1:0\"\n");
        dataPlane = DataPlane.builder(config)
                .xdsBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .proxy(p -> p.eventLoopThreads(2))
                .build();
        dataPlane.start();
    }

    @AfterEach
    void tearDown() {
        if (load != null) {
            load.stop();
        }
        dataPlane.close();
        stopControlPlane();
        echo.close();
    }

    private void startControlPlane(int port) throws IOException {
        xds = XdsServer.builder().build();
        grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(xds.service())
                .build()
                .start();
    }

    /** Kills the control plane: streams end, the port closes. */
    private void stopControlPlane() {
        xds.close();
        grpc.shutdownNow();
        try {
            grpc.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ConfigSnapshot snapshot(String version) {
        return snapshot(version, listenerPort);
    }

    private ConfigSnapshot snapshot(String version, int port) {
        HttpRoute route = HttpRoute.builder(
                        RouteMeta.of("default", "web"),
                        new RouteAction.Forward(List.of(Backend.ClusterBackend.of(CLUSTER))))
                .build();
        return ConfigSnapshot.builder(version)
                .addCluster(Cluster.builder(CLUSTER)
                        .addEndpoint(Endpoint.of("127.0.0.1", echo.httpPort()))
                        .build())
                .addListener(Listener.builder(
                                "default/gw/http",
                                port,
                                ListenerProtocol.HTTP,
                                new ListenerRoutes.Http(List.of(new VirtualHost("any", List.of("*"), List.of(route)))))
                        .address("127.0.0.1")
                        .build())
                .build();
    }

    private JsonNode admin(String path) throws Exception {
        HttpResponse<String> r = adminGet(path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> adminGet(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + dataPlane.adminAddress().getPort() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void awaitServing(String version) {
        await().atMost(15, TimeUnit.SECONDS)
                .pollInterval(Duration.ofMillis(5))
                .until(() -> dataPlane.configVersion().equals(version));
    }

    private void serveFirstConfig() throws Exception {
        assertThat(adminGet("/readyz").statusCode()).isEqualTo(503);
        xds.setDefaultSnapshot(snapshot("v1"));
        awaitServing("v1");
        await().atMost(5, TimeUnit.SECONDS).until(() -> adminGet("/readyz").statusCode() == 200);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listenerPort + "/hello"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("/hello", "web-1");
        load = new Load(URI.create("http://127.0.0.1:" + listenerPort + "/load"));
    }

    @Test
    void controlPlaneOutageCostsNoRequestAndTheProxyResyncsToTheNewestVersion() throws Exception {
        serveFirstConfig();
        load.awaitMore(200);

        stopControlPlane();

        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(
                        admin("/api/v1/xds/status").path("connected").asBoolean())
                .isFalse());
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(
                        admin("/api/v1/xds/status").path("stream_reconnects").asLong())
                .isGreaterThanOrEqualTo(3));
        load.awaitMore(500);
        assertThat(adminGet("/readyz").statusCode())
                .as("keeps serving its last config")
                .isEqualTo(200);

        startControlPlane(xdsPort);
        xds.setDefaultSnapshot(snapshot("v2"));

        awaitServing("v2");
        // The proxy serves v2 a moment before the client records the ACK.
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
            JsonNode status = admin("/api/v1/xds/status");
            assertThat(status.path("connected").asBoolean()).isTrue();
            assertThat(status.path("config_version").asString()).isEqualTo("v2");
            assertThat(status.path("last_ack").path("version").asString()).isEqualTo("v2");
        });
        assertThat(admin("/api/v1/config/version").path("version").asString()).isEqualTo("v2");
        load.awaitMore(200);
        load.stop();
        assertThat(load.failures).isEmpty();
    }

    @Test
    void hundredConfigPushesUnderLoadCostNoRequest() throws Exception {
        serveFirstConfig();
        load.awaitMore(100);

        for (int i = 1; i <= 100; i++) {
            xds.setDefaultSnapshot(snapshot("push-" + i));
            awaitServing("push-" + i);
        }

        load.awaitMore(100);
        load.stop();
        assertThat(load.failures).isEmpty();
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(admin("/api/v1/xds/status")
                        .path("last_ack")
                        .path("version")
                        .asString())
                .isEqualTo("push-100"));
        assertThat(adminGet("/metrics").body()).contains("nantian_proxy_xds_stream_reconnects 0.0");
    }

    @Test
    void invalidResourceSetIsNackedAndTrafficKeepsFlowing() throws Exception {
        serveFirstConfig();
        load.awaitMore(100);
        XdsResources good = EnvoyCodec.encode(snapshot("bad-1"));
        XdsResources.Builder bad = XdsResources.builder("bad-1");
        good.listeners().forEach(bad::addListener);
        good.routeConfigurations().forEach(bad::addRouteConfiguration);
        // A field our data plane does not implement and would change behaviour: must be refused, not ignored.
        good.clusters().forEach(c -> bad.addCluster(c.toBuilder().setIgnoreHealthOnHostRemoval(true)));
        good.clusterLoadAssignments().forEach(bad::addClusterLoadAssignment);

        xds.setResources(NODE, bad.build());

        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(admin("/api/v1/xds/status")
                        .path("last_nack")
                        .path("version")
                        .asString())
                .isEqualTo("bad-1"));
        JsonNode status = admin("/api/v1/xds/status");
        assertThat(status.path("last_nack").path("error_detail").asString()).contains("ignore_health_on_host_removal");
        assertThat(status.path("config_version").asString()).isEqualTo("v1");
        assertThat(dataPlane.configVersion()).isEqualTo("v1");
        load.awaitMore(300);

        // The next good version is taken again.
        xds.removeSnapshot(NODE);
        xds.setDefaultSnapshot(snapshot("v3"));
        awaitServing("v3");
        load.awaitMore(100);
        load.stop();
        assertThat(load.failures).isEmpty();
    }

    @Test
    void incrementalXdsServesPushesAndResyncsAfterAnOutage() throws Exception {
        int port = freePort();
        // its own snapshots: the data plane of setUp shares this control plane and must not bind the same port
        xds.setSnapshot("delta-1", snapshot("d1", port));
        ProxyConfig config =
                ProxyConfig.parse("xds: {address: \"127.0.0.1:" + xdsPort + "\", nodeId: delta-1, delta: true}\n"
                        + "access: {enabled: false}\n"
                        + "adminAddr: \"127.0.0.1:0\"\n");
        try (DataPlane delta = DataPlane.builder(config)
                .xdsBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .proxy(p -> p.eventLoopThreads(1))
                .build()) {
            delta.start();
            await().atMost(15, TimeUnit.SECONDS).until(delta::ready);
            assertThat(delta.configVersion()).isEqualTo("d1");
            assertThat(xds.clients())
                    .filteredOn(c -> c.nodeId().equals("delta-1"))
                    .singleElement()
                    .satisfies(c -> assertThat(c.incremental()).isTrue());
            URI hello = URI.create("http://127.0.0.1:" + port + "/hello");
            assertThat(http.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(200);

            for (int i = 2; i <= 10; i++) {
                xds.setSnapshot("delta-1", snapshot("d" + i, port));
                String version = "d" + i;
                await().atMost(10, TimeUnit.SECONDS)
                        .until(() -> delta.configVersion().equals(version));
            }

            stopControlPlane();
            await().atMost(10, TimeUnit.SECONDS).until(() -> !delta.xdsStatus().connected());
            startControlPlane(xdsPort);
            xds.setSnapshot("delta-1", snapshot("d11", port));
            await().atMost(15, TimeUnit.SECONDS)
                    .until(() -> delta.configVersion().equals("d11"));
            assertThat(delta.xdsStatus().streamReconnects()).isPositive();
            assertThat(delta.xdsStatus().lastNack()).isEmpty();
            assertThat(http.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void adminConfigIsRedactedAndVersioned() throws Exception {
        serveFirstConfig();

        JsonNode config = admin("/api/v1/config");
        assertThat(config.path("version").asString()).isEqualTo("v1");
        assertThat(config.toString()).contains(CLUSTER);
        assertThat(admin("/api/v1/config/version").path("applied").asBoolean()).isTrue();
        assertThat(adminGet("/metrics").body()).contains("nantian_proxy_xds_connected 1.0");
    }

    @Test
    void mutualTlsToTheControlPlane(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tls) throws Exception {
        TestCertificates ca = new TestCertificates("xds-ca");
        java.nio.file.Path[] server = ca.issue(tls, "server", "controller");
        java.nio.file.Path[] client = ca.issue(tls, "proxy", NODE);
        java.nio.file.Path caFile = ca.writeCa(tls.resolve("ca.crt"));
        XdsServer tlsXds = XdsServer.builder().build();
        Server tlsGrpc = NettyServerBuilder.forAddress(
                        new InetSocketAddress("127.0.0.1", 0),
                        io.grpc.TlsServerCredentials.newBuilder()
                                .keyManager(server[0].toFile(), server[1].toFile())
                                .trustManager(caFile.toFile())
                                .clientAuth(io.grpc.TlsServerCredentials.ClientAuth.REQUIRE)
                                .build())
                .addService(tlsXds.service())
                .build()
                .start();
        int port = ((InetSocketAddress) tlsGrpc.getListenSockets().get(0)).getPort();
        // A port picked after the gRPC server bound its ephemeral port, so the two cannot collide.
        tlsXds.setDefaultSnapshot(snapshot("tls-1", freePort()));
        ProxyConfig config = ProxyConfig.parse("xds: {address: \"127.0.0.1:" + port + "\", nodeId: " + NODE + "}\n"
                + "xdsTls: {enabled: true, caPath: " + caFile + ", certPath: " + client[0] + ", keyPath: " + client[1]
                + ", domainName: localhost}\n"
                + "access: {enabled: false}\n"
                + "adminAddr: \"127.0.0.1:0\"\n");
        try (DataPlane secure = DataPlane.builder(config).build()) {
            secure.start();
            await().atMost(15, TimeUnit.SECONDS).until(secure::ready);
            assertThat(secure.configVersion()).isEqualTo("tls-1");
            assertThat(tlsXds.clients()).extracting(c -> c.nodeId()).containsExactly(NODE);
        } finally {
            tlsXds.close();
            tlsGrpc.shutdownNow();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Two client threads sending GETs back to back, recording every failure. */
    private final class Load {
        final Queue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicLong ok = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Load(URI uri) {
            for (int i = 0; i < 2; i++) {
                Thread t = new Thread(() -> run(uri), "load-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        private void run(URI uri) {
            HttpRequest request =
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
            while (running.get()) {
                try {
                    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(r.statusCode() + " " + r.body());
                    }
                } catch (IOException e) {
                    failures.add(e.toString());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Waits until {@code n} more requests succeeded. */
        void awaitMore(long n) {
            long target = ok.get() + n;
            await().atMost(30, TimeUnit.SECONDS).until(() -> ok.get() >= target || !failures.isEmpty());
            assertThat(failures).isEmpty();
        }

        void stop() {
            running.set(false);
            for (Thread t : threads) {
                try {
                    t.join(15_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
