package dev.nantian.xds.client;

import static dev.nantian.xds.testing.XdsTestSupport.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.xds.codec.EnvoyCodec;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.server.ClientState;
import dev.nantian.xds.server.XdsServer;
import dev.nantian.xds.testing.XdsTestSupport;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An {@link XdsClient} against an {@link XdsServer} over in-process gRPC, state-of-the-world; {@link
 * XdsClientIncrementalTest} runs every test again over incremental ADS.
 */
class XdsClientTest {
    private static final String NODE = "proxy-1";

    private final List<ConfigSnapshot> applied = new CopyOnWriteArrayList<>();
    private volatile String rejectVersion = "";
    private XdsTestSupport grpc;
    private XdsServer server;
    private XdsClient client;

    @BeforeEach
    void setUp() {
        grpc = new XdsTestSupport();
        server = XdsServer.builder().build();
        grpc.serve(server);
        client = XdsClient.builder(grpc::channel, NODE, this::apply)
                .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .incremental(incremental())
                .build();
    }

    /** Whether the clients under test speak incremental ADS. */
    boolean incremental() {
        return false;
    }

    @Test
    void theServerSeesTheProtocolTheClientSpeaks() {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        client.start();
        awaitAckedEverywhere("v1");

        assertThat(server.clients()).singleElement().satisfies(c -> assertThat(c.incremental())
                .isEqualTo(incremental()));
    }

    private void apply(ConfigSnapshot snapshot) {
        if (snapshot.version().equals(rejectVersion)) {
            throw new IllegalStateException("listener port 8080 is taken");
        }
        applied.add(snapshot);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        client.close();
        server.close();
        grpc.close();
    }

    private ClientState.TypeState serverView(String typeUrl) {
        List<ClientState> clients = server.clients();
        assertThat(clients).hasSize(1);
        assertThat(clients.get(0).nodeId()).isEqualTo(NODE);
        return clients.get(0).type(typeUrl).orElseThrow();
    }

    private void awaitAckedEverywhere(String version) {
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            for (String typeUrl : XdsResources.TYPE_URLS) {
                assertThat(serverView(typeUrl).lastAckedVersion()).contains(version);
            }
        });
    }

    @Test
    void clientReceivesSnapshotAndServerSeesTheAck() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));

        ConfigSnapshot first = client.start().toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(first).isEqualTo(snapshot("v1", 8080));
        assertThat(client.ready()).isTrue();
        awaitAckedEverywhere("v1");
        XdsClientStatus status = client.status();
        assertThat(status.connected()).isTrue();
        assertThat(status.configVersion()).contains("v1");
        assertThat(status.lastAck())
                .hasValueSatisfying(a -> assertThat(a.version()).isEqualTo("v1"));
        assertThat(status.lastNack()).isEmpty();
        assertThat(status.streamReconnects()).isZero();
        assertThat(serverView(XdsResources.LISTENER_TYPE_URL).lastNack()).isEmpty();
    }

    @Test
    void clientIsNotReadyUntilTheFirstConfig() {
        client.start();

        await().during(200, TimeUnit.MILLISECONDS).until(() -> !client.ready());
        assertThat(client.config()).isEmpty();

        server.setDefaultSnapshot(snapshot("v1", 8080));
        await().atMost(10, TimeUnit.SECONDS).until(client::ready);
    }

    @Test
    void snapshotUpdateIsPushedAndApplied() {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        client.start();
        awaitAckedEverywhere("v1");

        server.setDefaultSnapshot(snapshot("v2", 9090));

        awaitAckedEverywhere("v2");
        assertThat(client.config()).contains(snapshot("v2", 9090));
        assertThat(applied).extracting(ConfigSnapshot::version).containsExactly("v1", "v2");
    }

    @Test
    void nodeSnapshotOverridesTheDefault() {
        server.setDefaultSnapshot(snapshot("default-1", 8080));
        server.setSnapshot("someone-else", snapshot("other-1", 7070));
        client.start();
        awaitAckedEverywhere("default-1");

        server.setSnapshot(NODE, snapshot("mine-1", 9090));

        awaitAckedEverywhere("mine-1");
        assertThat(client.config()).contains(snapshot("mine-1", 9090));
        assertThat(server.version(NODE)).contains("mine-1");
        assertThat(server.version("nobody")).contains("default-1");
    }

    /** Version v2 in which the route points at a cluster that is not there. */
    private static XdsResources routeToMissingCluster() {
        XdsResources good = EnvoyCodec.encode(snapshot("v2", 9090));
        XdsResources.Builder b = XdsResources.builder("v2");
        good.listeners().forEach(b::addListener);
        good.routeConfigurations().forEach(b::addRouteConfiguration);
        Cluster web = good.clusters().get(0);
        b.addCluster(web.toBuilder()
                .setName("default/other:80")
                .setEdsClusterConfig(web.getEdsClusterConfig().toBuilder().setServiceName("default/other:80")));
        good.clusterLoadAssignments()
                .forEach(a -> b.addClusterLoadAssignment(a.toBuilder().setClusterName("default/other:80")));
        return b.build();
    }

    @Test
    void invalidResourceSetIsNackedAndLastGoodConfigKept() {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        client.start();
        awaitAckedEverywhere("v1");

        server.setResources(NODE, routeToMissingCluster());

        await().atMost(10, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(client.status().lastNack()).isPresent());
        XdsClientStatus.Nack nack = client.status().lastNack().orElseThrow();
        assertThat(nack.version()).isEqualTo("v2");
        assertThat(nack.errorDetail()).contains("references unknown cluster " + XdsTestSupport.WEB);
        assertThat(client.config()).contains(snapshot("v1", 8080));
        assertThat(client.status().configVersion()).contains("v1");
        assertThat(applied).extracting(ConfigSnapshot::version).containsExactly("v1");
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            for (String typeUrl : XdsResources.TYPE_URLS) {
                ClientState.TypeState t = serverView(typeUrl);
                assertThat(t.lastAckedVersion()).contains("v1");
                assertThat(t.lastNack()).hasValueSatisfying(n -> {
                    assertThat(n.version()).isEqualTo("v2");
                    assertThat(n.errorDetail()).isEqualTo(nack.errorDetail());
                });
            }
        });

        // the next good version is taken again
        server.setSnapshot(NODE, snapshot("v3", 7070));
        awaitAckedEverywhere("v3");
        assertThat(client.config()).contains(snapshot("v3", 7070));
    }

    @Test
    void unsupportedFieldsAreAllNamedInTheNack() {
        XdsResources good = EnvoyCodec.encode(snapshot("v2", 9090));
        XdsResources.Builder b = XdsResources.builder("v2");
        good.listeners()
                .forEach(l -> b.addListener(l.toBuilder().setPerConnectionBufferLimitBytes(UInt32Value.of(1024))));
        good.routeConfigurations().forEach(b::addRouteConfiguration);
        good.clusters().forEach(c -> b.addCluster(c.toBuilder().setIgnoreHealthOnHostRemoval(true)));
        good.clusterLoadAssignments().forEach(b::addClusterLoadAssignment);
        server.setResources(NODE, b.build());

        client.start();

        await().atMost(10, TimeUnit.SECONDS)
                .untilAsserted(
                        () -> assertThat(client.status().lastNack()).hasValueSatisfying(n -> assertThat(n.errorDetail())
                                .startsWith("2 errors: ")
                                .contains("per_connection_buffer_limit_bytes")
                                .contains("ignore_health_on_host_removal")));
        assertThat(client.ready()).isFalse();
        assertThat(applied).isEmpty();
    }

    @Test
    void listenerRejectionIsNackedWithItsMessage() {
        rejectVersion = "v2";
        server.setDefaultSnapshot(snapshot("v1", 8080));
        client.start();
        awaitAckedEverywhere("v1");

        server.setDefaultSnapshot(snapshot("v2", 9090));

        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(
                        serverView(XdsResources.CLUSTER_TYPE_URL).lastNack())
                .hasValueSatisfying(n -> assertThat(n.errorDetail()).contains("listener port 8080 is taken")));
        assertThat(client.status().lastNack())
                .hasValueSatisfying(n -> assertThat(n.version()).isEqualTo("v2"));
        assertThat(client.config()).contains(snapshot("v1", 8080));
        assertThat(serverView(XdsResources.CLUSTER_TYPE_URL).lastAckedVersion()).contains("v1");
    }

    @Test
    void listenerValidationErrorsAreListedInTheNack() {
        ConfigListener strict = s -> {
            throw new ConfigValidationException(List.of("route a: bad", "route b: worse"));
        };
        try (XdsClient strictClient = XdsClient.builder(grpc::channel, "strict", strict)
                .incremental(incremental())
                .build()) {
            server.setDefaultSnapshot(snapshot("v1", 8080));
            strictClient.start();

            await().atMost(10, TimeUnit.SECONDS)
                    .untilAsserted(() -> assertThat(strictClient.status().lastNack())
                            .hasValueSatisfying(n ->
                                    assertThat(n.errorDetail()).isEqualTo("2 errors: route a: bad; route b: worse")));
            assertThat(strictClient.ready()).isFalse();
        }
    }

    @Test
    void serverRestartMakesTheClientReconnectAndResyncToTheNewestVersion() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        client.start();
        awaitAckedEverywhere("v1");

        server.close();
        grpc.stopServing();
        await().atMost(10, TimeUnit.SECONDS).until(() -> !client.status().connected());
        assertThat(client.config()).contains(snapshot("v1", 8080)); // keeps serving

        server = XdsServer.builder().build();
        server.setDefaultSnapshot(snapshot("v2", 9090));
        grpc.serve(server);

        awaitAckedEverywhere("v2");
        XdsClientStatus status = client.status();
        assertThat(status.connected()).isTrue();
        assertThat(status.streamReconnects()).isPositive();
        assertThat(status.configVersion()).contains("v2");
        assertThat(client.config()).contains(snapshot("v2", 9090));
    }

    @Test
    void reconnectToTheSameVersionAcksWithoutReapplying() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        client.start();
        awaitAckedEverywhere("v1");

        server.close();
        server = XdsServer.builder().build();
        server.setDefaultSnapshot(snapshot("v1", 8080));
        grpc.stopServing();
        grpc.serve(server);

        awaitAckedEverywhere("v1");
        assertThat(client.status().streamReconnects()).isPositive();
        assertThat(applied).hasSize(1);
    }

    @Test
    void closeStopsTheStreamAndIsIdempotent() {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        client.start();
        awaitAckedEverywhere("v1");

        client.close();
        client.close();

        await().atMost(10, TimeUnit.SECONDS).until(() -> server.clients().isEmpty());
        assertThat(client.status().connected()).isFalse();
        assertThat(client.config()).contains(snapshot("v1", 8080));
    }

    @Test
    void startFailsWhenClosedBeforeTheFirstConfig() {
        var first = client.start().toCompletableFuture();

        client.close();

        assertThat(first).isCompletedExceptionally();
    }
}
