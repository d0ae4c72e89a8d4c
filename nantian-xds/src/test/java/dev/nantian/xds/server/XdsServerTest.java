package dev.nantian.xds.server;

import static dev.nantian.xds.testing.XdsTestSupport.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import dev.nantian.xds.codec.EnvoyCodec;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.testing.XdsTestSupport;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control plane's side of ADS, driven by a hand-written client over in-process gRPC. */
class XdsServerTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final String NODE = "proxy-1";

    private XdsTestSupport grpc;
    private XdsServer server;
    private Stream stream;

    @BeforeEach
    void setUp() {
        grpc = new XdsTestSupport();
        server = XdsServer.builder().clock(Clock.fixed(T0, ZoneOffset.UTC)).build();
        grpc.serve(server);
        stream = new Stream();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        stream.halfClose();
        server.close();
        grpc.close();
    }

    /** A raw ADS stream: requests out, responses queued. */
    private final class Stream implements StreamObserver<DiscoveryResponse> {
        final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
        volatile Throwable error;
        final StreamObserver<DiscoveryRequest> requests =
                AggregatedDiscoveryServiceGrpc.newStub(grpc.channel()).streamAggregatedResources(this);

        void subscribe(String typeUrl, String... names) {
            requests.onNext(DiscoveryRequest.newBuilder()
                    .setNode(Node.newBuilder().setId(NODE))
                    .setTypeUrl(typeUrl)
                    .addAllResourceNames(List.of(names))
                    .build());
        }

        void ack(DiscoveryResponse r, String... names) {
            requests.onNext(DiscoveryRequest.newBuilder()
                    .setTypeUrl(r.getTypeUrl())
                    .setVersionInfo(r.getVersionInfo())
                    .setResponseNonce(r.getNonce())
                    .addAllResourceNames(List.of(names))
                    .build());
        }

        void nack(DiscoveryResponse r, String acceptedVersion, String message) {
            requests.onNext(DiscoveryRequest.newBuilder()
                    .setTypeUrl(r.getTypeUrl())
                    .setVersionInfo(acceptedVersion)
                    .setResponseNonce(r.getNonce())
                    .setErrorDetail(
                            com.google.rpc.Status.newBuilder().setCode(3).setMessage(message))
                    .build());
        }

        private boolean halfClosed;

        void halfClose() {
            if (!halfClosed) {
                halfClosed = true;
                requests.onCompleted();
            }
        }

        DiscoveryResponse next() throws InterruptedException {
            DiscoveryResponse r = responses.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("a response").isNotNull();
            return r;
        }

        void expectNothing() throws InterruptedException {
            assertThat(responses.poll(200, TimeUnit.MILLISECONDS)).isNull();
        }

        @Override
        public void onNext(DiscoveryResponse value) {
            responses.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {}
    }

    private ClientState.TypeState view(String typeUrl) {
        return server.clients().get(0).type(typeUrl).orElseThrow();
    }

    @Test
    void wildcardSubscriptionGetsTheWholeTypeAtTheSnapshotVersion() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));

        stream.subscribe(XdsResources.CLUSTER_TYPE_URL);
        DiscoveryResponse r = stream.next();

        assertThat(r.getVersionInfo()).isEqualTo("v1");
        assertThat(r.getTypeUrl()).isEqualTo(XdsResources.CLUSTER_TYPE_URL);
        assertThat(r.getNonce()).isNotEmpty();
        assertThat(r.getResourcesList())
                .containsExactlyElementsOf(
                        EnvoyCodec.encode(snapshot("v1", 8080)).toAnyByTypeUrl().get(XdsResources.CLUSTER_TYPE_URL));
        ClientState client = server.clients().get(0);
        assertThat(client.nodeId()).isEqualTo(NODE);
        assertThat(client.connectedSince()).isEqualTo(T0);
        assertThat(client.type(XdsResources.CLUSTER_TYPE_URL)).hasValueSatisfying(t -> {
            assertThat(t.wildcard()).isTrue();
            assertThat(t.lastSentVersion()).contains("v1");
            assertThat(t.lastAckedVersion()).isEmpty();
        });
    }

    @Test
    void nothingIsSentUntilThereIsASnapshot() throws Exception {
        stream.subscribe(XdsResources.LISTENER_TYPE_URL);
        stream.expectNothing();

        server.setDefaultSnapshot(snapshot("v1", 8080));

        assertThat(stream.next().getVersionInfo()).isEqualTo("v1");
    }

    @Test
    void ackIsRecordedAndNothingIsResent() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        stream.subscribe(XdsResources.LISTENER_TYPE_URL);
        DiscoveryResponse r = stream.next();

        stream.ack(r);

        await().untilAsserted(
                        () -> assertThat(view(XdsResources.LISTENER_TYPE_URL).lastAckedVersion())
                                .contains("v1"));
        stream.expectNothing();
    }

    @Test
    void nackIsRecordedAndTheSameVersionIsNotResent() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        stream.subscribe(XdsResources.LISTENER_TYPE_URL);
        stream.ack(stream.next());
        // an ACK that arrives after the next push would be stale, and rightly ignored
        await().untilAsserted(
                        () -> assertThat(view(XdsResources.LISTENER_TYPE_URL).lastAckedVersion())
                                .contains("v1"));
        server.setDefaultSnapshot(snapshot("v2", 9090));
        DiscoveryResponse v2 = stream.next();

        stream.nack(v2, "v1", "listener default/gw/http: port in use");

        await().untilAsserted(
                        () -> assertThat(view(XdsResources.LISTENER_TYPE_URL).lastNack())
                                .contains(new ClientState.Nack("v2", "listener default/gw/http: port in use", T0)));
        assertThat(view(XdsResources.LISTENER_TYPE_URL).lastAckedVersion()).contains("v1");
        stream.expectNothing();

        server.setDefaultSnapshot(snapshot("v3", 7070));
        assertThat(stream.next().getVersionInfo()).isEqualTo("v3");
    }

    @Test
    void staleNonceIsIgnored() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        stream.subscribe(XdsResources.LISTENER_TYPE_URL);
        DiscoveryResponse v1 = stream.next();
        server.setDefaultSnapshot(snapshot("v2", 9090));
        DiscoveryResponse v2 = stream.next();

        stream.nack(v1, "", "too late to matter");
        stream.ack(v2);

        await().untilAsserted(
                        () -> assertThat(view(XdsResources.LISTENER_TYPE_URL).lastAckedVersion())
                                .contains("v2"));
        assertThat(view(XdsResources.LISTENER_TYPE_URL).lastNack()).isEmpty();
    }

    @Test
    void versionChangeIsSentClustersAndEndpointsFirst() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        // subscribe in the "wrong" order: routes and listeners first
        List<String> reversed = new ArrayList<>(XdsResources.TYPE_URLS);
        java.util.Collections.reverse(reversed);
        for (String typeUrl : reversed) {
            stream.subscribe(typeUrl, "*");
        }
        for (int i = 0; i < 6; i++) {
            stream.ack(stream.next(), "*");
        }
        await().untilAsserted(() -> assertThat(server.clients().get(0).types().values())
                .hasSize(6)
                .allSatisfy(t -> assertThat(t.lastAckedVersion()).contains("v1")));
        stream.expectNothing();

        server.setDefaultSnapshot(snapshot("v2", 9090));

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            order.add(stream.next().getTypeUrl());
        }
        assertThat(order).containsExactlyElementsOf(XdsResources.TYPE_URLS);
    }

    @Test
    void namedSubscriptionsGetOnlyTheirResources() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        String routeName = EnvoyCodec.encode(snapshot("v1", 8080))
                .routeConfigurations()
                .get(0)
                .getName();

        stream.subscribe(XdsResources.ROUTE_TYPE_URL, routeName, "not-there");
        DiscoveryResponse r = stream.next();

        assertThat(r.getResourcesList()).hasSize(1);
        assertThat(r.getResources(0).unpack(RouteConfiguration.class).getName()).isEqualTo(routeName);
        assertThat(view(XdsResources.ROUTE_TYPE_URL).resourceNames()).containsExactly(routeName, "not-there");
        assertThat(view(XdsResources.ROUTE_TYPE_URL).wildcard()).isFalse();

        // changing the names with the ACK answers at once, with the same version
        stream.ack(r, "not-there");
        DiscoveryResponse narrowed = stream.next();
        assertThat(narrowed.getVersionInfo()).isEqualTo("v1");
        assertThat(narrowed.getResourcesList()).isEmpty();
    }

    @Test
    void emptyNamesMeanNothingForRoutes() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));

        stream.subscribe(XdsResources.ROUTE_TYPE_URL);

        stream.expectNothing();
        assertThat(view(XdsResources.ROUTE_TYPE_URL).wildcard()).isFalse();
    }

    @Test
    void unsupportedTypesAreIgnored() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));

        stream.subscribe("type.googleapis.com/envoy.service.runtime.v3.Runtime");

        stream.expectNothing();
        await().untilAsserted(() -> assertThat(server.clients()).hasSize(1));
        assertThat(server.clients().get(0).types()).isEmpty();
    }

    @Test
    void rawResourcesAreServedAsGiven() throws Exception {
        XdsResources raw = XdsResources.builder("raw-1")
                .addCluster(io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder()
                        .setName("anything"))
                .build();
        server.setResources(NODE, raw);

        stream.subscribe(XdsResources.CLUSTER_TYPE_URL);

        DiscoveryResponse r = stream.next();
        assertThat(r.getVersionInfo()).isEqualTo("raw-1");
        assertThat(r.getResourcesList()).containsExactly(Any.pack(raw.clusters().get(0)));
        assertThat(server.snapshot(NODE)).isEmpty();
        assertThat(server.version(NODE)).contains("raw-1");
    }

    @Test
    void closeEndsStreamsWithUnavailableAndRefusesNewOnes() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        stream.subscribe(XdsResources.CLUSTER_TYPE_URL);
        stream.next();

        server.close();
        server.close();

        await().untilAsserted(() ->
                assertThat(Status.fromThrowable(stream.error).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(server.clients()).isEmpty();
        Stream late = new Stream();
        late.subscribe(XdsResources.CLUSTER_TYPE_URL);
        await().untilAsserted(() -> assertThat(late.error).isNotNull());
    }

    @Test
    void clientGoingAwayRemovesItsState() throws Exception {
        server.setDefaultSnapshot(snapshot("v1", 8080));
        stream.subscribe(XdsResources.CLUSTER_TYPE_URL);
        stream.next();
        assertThat(server.clients()).hasSize(1);

        stream.halfClose();

        await().untilAsserted(() -> assertThat(server.clients()).isEmpty());
    }
}
