package dev.nantian.xds.server;

import static dev.nantian.xds.testing.XdsTestSupport.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.testing.XdsTestSupport;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control plane's side of incremental (delta) ADS, driven by a hand-written client over in-process gRPC. */
class XdsServerIncrementalTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final String NODE = "proxy-1";
    private static final String CDS = XdsResources.CLUSTER_TYPE_URL;
    private static final String EDS = XdsResources.ENDPOINT_TYPE_URL;

    private XdsTestSupport grpc;
    private XdsServer server;
    private DeltaStream stream;

    @BeforeEach
    void setUp() {
        grpc = new XdsTestSupport();
        server = XdsServer.builder().clock(Clock.fixed(T0, ZoneOffset.UTC)).build();
        grpc.serve(server);
        stream = new DeltaStream();
    }

    @AfterEach
    void tearDown() {
        stream.halfClose();
        server.close();
        grpc.close();
    }

    /** v1 with clusters {@code web} and, if asked, {@code api}; the web endpoint's port says what changed. */
    private static ConfigSnapshot clusters(String version, int webPort, boolean withApi) {
        ConfigSnapshot base = snapshot(version, webPort);
        ConfigSnapshot.Builder b = ConfigSnapshot.builder(version);
        base.listeners().forEach(b::addListener);
        base.clusters().values().forEach(b::addCluster);
        if (withApi) {
            b.addCluster(Cluster.builder("default/api:80")
                    .addEndpoint(Endpoint.of("10.0.0.2", 80))
                    .build());
        }
        return b.build();
    }

    private final class DeltaStream implements StreamObserver<DeltaDiscoveryResponse> {
        final BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();
        final StreamObserver<DeltaDiscoveryRequest> requests =
                AggregatedDiscoveryServiceGrpc.newStub(grpc.channel()).deltaAggregatedResources(this);
        private boolean halfClosed;

        void send(DeltaDiscoveryRequest.Builder r) {
            requests.onNext(r.build());
        }

        void subscribe(String typeUrl, Map<String, String> initialVersions, String... names) {
            send(DeltaDiscoveryRequest.newBuilder()
                    .setNode(Node.newBuilder().setId(NODE))
                    .setTypeUrl(typeUrl)
                    .addAllResourceNamesSubscribe(List.of(names))
                    .putAllInitialResourceVersions(initialVersions));
        }

        void ack(DeltaDiscoveryResponse r) {
            send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce()));
        }

        void nack(DeltaDiscoveryResponse r, String message) {
            send(DeltaDiscoveryRequest.newBuilder()
                    .setTypeUrl(r.getTypeUrl())
                    .setResponseNonce(r.getNonce())
                    .setErrorDetail(
                            com.google.rpc.Status.newBuilder().setCode(3).setMessage(message)));
        }

        DeltaDiscoveryResponse next() throws InterruptedException {
            DeltaDiscoveryResponse r = responses.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("a response").isNotNull();
            return r;
        }

        void expectNothing() throws InterruptedException {
            assertThat(responses.poll(200, TimeUnit.MILLISECONDS)).isNull();
        }

        void halfClose() {
            if (!halfClosed) {
                halfClosed = true;
                requests.onCompleted();
            }
        }

        @Override
        public void onNext(DeltaDiscoveryResponse value) {
            responses.add(value);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
    }

    private static Map<String, String> versions(DeltaDiscoveryResponse r) {
        return r.getResourcesList().stream().collect(Collectors.toMap(Resource::getName, Resource::getVersion));
    }

    private ClientState.TypeState view(String typeUrl) {
        return server.clients().get(0).type(typeUrl).orElseThrow();
    }

    @Test
    void wildcardGetsEveryResourceWithVersionsThenOnlyWhatChanges() throws Exception {
        server.setDefaultSnapshot(clusters("v1", 8080, true));

        stream.subscribe(CDS, Map.of());
        DeltaDiscoveryResponse first = stream.next();

        assertThat(first.getSystemVersionInfo()).isEqualTo("v1");
        assertThat(versions(first)).containsOnlyKeys(XdsTestSupport.WEB, "default/api:80");
        assertThat(first.getRemovedResourcesList()).isEmpty();
        assertThat(server.clients()).singleElement().satisfies(c -> {
            assertThat(c.incremental()).isTrue();
            assertThat(c.nodeId()).isEqualTo(NODE);
            assertThat(c.type(CDS).orElseThrow().wildcard()).isTrue();
        });
        stream.ack(first);
        await().untilAsserted(() -> assertThat(view(CDS).lastAckedVersion()).contains("v1"));

        // the web cluster is unchanged (endpoints are EDS's business): nothing of it travels, only the version
        server.setDefaultSnapshot(clusters("v2", 9090, true));
        DeltaDiscoveryResponse unchanged = stream.next();
        assertThat(unchanged.getSystemVersionInfo()).isEqualTo("v2");
        assertThat(unchanged.getResourcesList()).isEmpty();
        assertThat(unchanged.getRemovedResourcesList()).isEmpty();
        stream.ack(unchanged);

        // api goes away: a removal, nothing else
        server.setDefaultSnapshot(clusters("v3", 9090, false));
        DeltaDiscoveryResponse removal = stream.next();
        assertThat(removal.getSystemVersionInfo()).isEqualTo("v3");
        assertThat(removal.getResourcesList()).isEmpty();
        assertThat(removal.getRemovedResourcesList()).containsExactly("default/api:80");
        stream.ack(removal);
        await().untilAsserted(() -> assertThat(view(CDS).lastAckedVersion()).contains("v3"));
    }

    @Test
    void namedSubscriptionsFollowSubscribeAndUnsubscribe() throws Exception {
        server.setDefaultSnapshot(clusters("v1", 8080, true));

        stream.subscribe(EDS, Map.of(), XdsTestSupport.WEB);
        DeltaDiscoveryResponse web = stream.next();
        assertThat(versions(web)).containsOnlyKeys(XdsTestSupport.WEB);
        assertThat(web.getResources(0)
                        .getResource()
                        .unpack(ClusterLoadAssignment.class)
                        .getClusterName())
                .isEqualTo(XdsTestSupport.WEB);
        stream.ack(web);

        // subscribing more sends just the new one; a name that does not exist is reported removed once
        stream.send(DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(EDS)
                .addResourceNamesSubscribe("default/api:80")
                .addResourceNamesSubscribe("default/ghost:80"));
        DeltaDiscoveryResponse more = stream.next();
        assertThat(versions(more)).containsOnlyKeys("default/api:80");
        assertThat(more.getRemovedResourcesList()).containsExactly("default/ghost:80");
        stream.ack(more);
        assertThat(view(EDS).resourceNames()).containsExactly(XdsTestSupport.WEB, "default/api:80", "default/ghost:80");

        // an unsubscribed resource is not sent again, even when it changes
        stream.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNamesUnsubscribe(XdsTestSupport.WEB));
        stream.expectNothing();
        server.setDefaultSnapshot(clusters("v2", 9090, true));
        DeltaDiscoveryResponse after = stream.next();
        assertThat(after.getSystemVersionInfo()).isEqualTo("v2");
        assertThat(after.getResourcesList()).isEmpty();
        assertThat(after.getRemovedResourcesList()).isEmpty();
    }

    @Test
    void nackIsRecordedAndTheRejectedResourceIsResentWithTheNextChange() throws Exception {
        server.setDefaultSnapshot(clusters("v1", 8080, false));
        stream.subscribe(EDS, Map.of(), XdsTestSupport.WEB);
        stream.ack(stream.next());
        await().untilAsserted(() -> assertThat(view(EDS).lastAckedVersion()).contains("v1"));

        server.setDefaultSnapshot(clusters("v2", 9090, false));
        DeltaDiscoveryResponse v2 = stream.next();
        assertThat(versions(v2)).containsOnlyKeys(XdsTestSupport.WEB);
        stream.nack(v2, "endpoint 10.0.0.1:9090 is not allowed");

        await().untilAsserted(() -> assertThat(view(EDS).lastNack())
                .contains(new ClientState.Nack("v2", "endpoint 10.0.0.1:9090 is not allowed", T0)));
        assertThat(view(EDS).lastAckedVersion()).contains("v1");
        stream.expectNothing();

        // v3 has the same endpoints as the rejected v2: the client lacks them, so they travel again
        server.setDefaultSnapshot(clusters("v3", 9090, false));
        DeltaDiscoveryResponse v3 = stream.next();
        assertThat(v3.getSystemVersionInfo()).isEqualTo("v3");
        assertThat(versions(v3)).isEqualTo(versions(v2));
    }

    @Test
    void reconnectWithInitialVersionsGetsOnlyWhatChangedMeanwhile() throws Exception {
        server.setDefaultSnapshot(clusters("v1", 8080, true));
        stream.subscribe(CDS, Map.of());
        DeltaDiscoveryResponse first = stream.next();
        stream.ack(first);
        Map<String, String> held = versions(first);
        stream.halfClose();
        await().untilAsserted(() -> assertThat(server.clients()).isEmpty());

        // meanwhile api went away and a new cluster came
        ConfigSnapshot v2 = ConfigSnapshot.builder("v2")
                .addCluster(clusters("v1", 8080, false).clusters().get(XdsTestSupport.WEB))
                .addCluster(Cluster.builder("default/new:80")
                        .addEndpoint(Endpoint.of("10.0.0.3", 80))
                        .build())
                .build();
        server.setDefaultSnapshot(v2);
        stream = new DeltaStream();
        stream.subscribe(CDS, held);

        DeltaDiscoveryResponse resync = stream.next();
        assertThat(resync.getSystemVersionInfo()).isEqualTo("v2");
        assertThat(versions(resync)).containsOnlyKeys("default/new:80");
        assertThat(resync.getRemovedResourcesList()).containsExactly("default/api:80");
    }

    @Test
    void versionChangeIsSentInWarmingOrderEvenForUnchangedTypes() throws Exception {
        server.setDefaultSnapshot(clusters("v1", 8080, false));
        List<String> reversed = new java.util.ArrayList<>(XdsResources.TYPE_URLS);
        java.util.Collections.reverse(reversed);
        for (String typeUrl : reversed) {
            stream.subscribe(typeUrl, Map.of(), "*");
        }
        for (int i = 0; i < XdsResources.TYPE_URLS.size(); i++) {
            stream.ack(stream.next());
        }
        await().untilAsserted(() -> assertThat(server.clients().get(0).types().values())
                .hasSize(6)
                .allSatisfy(t -> assertThat(t.lastAckedVersion()).contains("v1")));

        server.setDefaultSnapshot(clusters("v2", 9090, false));

        List<String> order = new java.util.ArrayList<>();
        for (int i = 0; i < XdsResources.TYPE_URLS.size(); i++) {
            DeltaDiscoveryResponse r = stream.next();
            assertThat(r.getSystemVersionInfo()).isEqualTo("v2");
            order.add(r.getTypeUrl());
        }
        assertThat(order).containsExactlyElementsOf(XdsResources.TYPE_URLS);
    }
}
