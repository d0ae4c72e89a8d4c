package dev.nantian.xds.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.xds.client.XdsClient;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.server.ClientState;
import dev.nantian.xds.server.XdsServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.xds.XdsNameResolverProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proof that our xDS output is valid for an implementation we did not write: grpc-java's own xDS client
 * (proxyless gRPC, {@code grpc-xds}) resolves {@code xds:///greeter.example.com} through our {@link XdsServer} on a
 * loopback port, follows LDS (api listener) -> inline routes -> CDS -> EDS, and reaches real gRPC backends; it ACKs
 * every response (no NACK in our per-client state) and follows a pushed change. Our own data-plane client, on the
 * same server at the same time, keeps getting its socket listeners and nothing else.
 */
class GrpcXdsInteropIT {
    private static final String HOST = "greeter.example.com";
    private static final String NODE = "grpc-client-1";
    private static final String CLUSTER_A = "default/greeter-a:50051";
    private static final String CLUSTER_B = "default/greeter-b:50051";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private HealthStatusManager healthA;
    private HealthStatusManager healthB;
    private int portA;
    private int portB;
    private XdsServer xds;
    private int xdsPort;

    @BeforeEach
    void setUp() throws IOException {
        healthA = new HealthStatusManager();
        healthB = new HealthStatusManager();
        // Backend A serves "greeter", backend B does not: which one answers shows where the route sent us.
        healthA.setStatus("greeter", HealthCheckResponse.ServingStatus.SERVING);
        healthB.setStatus("greeter", HealthCheckResponse.ServingStatus.NOT_SERVING);
        portA = port(start(NettyServerBuilder.forAddress(loopback()).addService(healthA.getHealthService())));
        portB = port(start(NettyServerBuilder.forAddress(loopback()).addService(healthB.getHealthService())));
        xds = XdsServer.builder().build();
        closeables.add(xds);
        xdsPort = port(start(NettyServerBuilder.forAddress(loopback()).addService(xds.service())));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    private Server start(NettyServerBuilder b) throws IOException {
        Server s = b.build().start();
        closeables.add(() -> {
            s.shutdownNow();
            s.awaitTermination(5, TimeUnit.SECONDS);
        });
        return s;
    }

    private static int port(Server s) {
        return ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
    }

    /** A GRPCRoute-shaped snapshot: the Health service of {@link #HOST} goes to {@code cluster}. */
    private ConfigSnapshot snapshot(String version, String cluster) {
        RouteMeta meta =
                new RouteMeta("GRPCRoute", "default", "greeter", Instant.EPOCH, 0, Optional.empty(), 0, Map.of());
        HttpRoute health = HttpRoute.builder(meta, new RouteAction.Forward(List.of(Backend.ClusterBackend.of(cluster))))
                .match(HttpRouteMatch.path(new PathMatch.Prefix("/grpc.health.v1.Health")))
                .build();
        return ConfigSnapshot.builder(version)
                .addCluster(Cluster.builder(CLUSTER_A)
                        .protocol(UpstreamProtocol.H2C)
                        .addEndpoint(Endpoint.of("127.0.0.1", portA))
                        .build())
                .addCluster(Cluster.builder(CLUSTER_B)
                        .protocol(UpstreamProtocol.H2C)
                        .addEndpoint(Endpoint.of("127.0.0.1", portB))
                        .build())
                .addListener(Listener.builder(
                                "default/gw/grpc",
                                18443,
                                ListenerProtocol.HTTP,
                                new ListenerRoutes.Http(List.of(
                                        new VirtualHost("greeter", List.of(HOST, "*.other.example"), List.of(health)))))
                        .build())
                .build();
    }

    /** A channel whose xds resolver reads a bootstrap pointing at our server, without touching process state. */
    private ManagedChannel grpcXdsChannel(String target) {
        Map<String, ?> bootstrap = Map.of(
                "xds_servers",
                List.of(Map.of(
                        "server_uri",
                        "127.0.0.1:" + xdsPort,
                        "channel_creds",
                        List.of(Map.of("type", "insecure")),
                        "server_features",
                        List.of("xds_v3"))),
                "node",
                Map.of("id", NODE));
        @SuppressWarnings("deprecation") // the one way to hand a channel its own resolver
        ManagedChannel channel = NettyChannelBuilder.forTarget(target, InsecureChannelCredentials.create())
                .nameResolverFactory(XdsNameResolverProvider.createForTest("xds", bootstrap))
                .build();
        closeables.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        return channel;
    }

    private static HealthCheckResponse.ServingStatus check(ManagedChannel channel) {
        return HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .withWaitForReady()
                .check(HealthCheckRequest.newBuilder().setService("greeter").build())
                .getStatus();
    }

    private ClientState grpcClient() {
        return xds.clients().stream()
                .filter(c -> c.nodeId().equals(NODE))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void grpcJavaXdsClientResolvesThroughOurServerAcksEverythingAndFollowsPushes() {
        xds.setDefaultSnapshot(snapshot("v1", CLUSTER_A));
        ManagedChannel channel = grpcXdsChannel("xds:///" + HOST);

        assertThat(check(channel)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            ClientState c = grpcClient();
            assertThat(c.types())
                    .containsKeys(
                            XdsResources.LISTENER_TYPE_URL,
                            XdsResources.CLUSTER_TYPE_URL,
                            XdsResources.ENDPOINT_TYPE_URL);
            assertThat(c.type(XdsResources.LISTENER_TYPE_URL).orElseThrow().resourceNames())
                    .containsExactly(HOST);
            assertThat(c.type(XdsResources.CLUSTER_TYPE_URL).orElseThrow().resourceNames())
                    .containsExactly(CLUSTER_A);
            for (ClientState.TypeState t : c.types().values()) {
                assertThat(t.lastNack()).as(t.typeUrl()).isEmpty();
                assertThat(t.lastAckedVersion()).as(t.typeUrl()).contains("v1");
            }
        });

        // A push moves the route to backend B, which says NOT_SERVING for "greeter": the client followed it.
        xds.setDefaultSnapshot(snapshot("v2", CLUSTER_B));
        await().atMost(20, TimeUnit.SECONDS)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> check(channel) == HealthCheckResponse.ServingStatus.NOT_SERVING);
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            ClientState c = grpcClient();
            assertThat(c.type(XdsResources.CLUSTER_TYPE_URL).orElseThrow().resourceNames())
                    .containsExactly(CLUSTER_B);
            for (ClientState.TypeState t : c.types().values()) {
                assertThat(t.lastNack()).as(t.typeUrl()).isEmpty();
                assertThat(t.lastAckedVersion()).as(t.typeUrl()).contains("v2");
            }
        });
    }

    @Test
    void wildcardHostsAndHostWithPortResolveToo() {
        xds.setDefaultSnapshot(snapshot("v1", CLUSTER_A));

        assertThat(check(grpcXdsChannel("xds:///api.other.example")))
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(check(grpcXdsChannel("xds:///" + HOST + ":18443")))
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(xds.clients()).allSatisfy(c -> assertThat(c.types().values())
                .allSatisfy(t -> assertThat(t.lastNack()).isEmpty()));
    }

    @Test
    void ourDataPlaneClientSeesNoApiListenersBesideAGrpcClient() throws Exception {
        xds.setDefaultSnapshot(snapshot("v1", CLUSTER_A));
        assertThat(check(grpcXdsChannel("xds:///" + HOST))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        ManagedChannel plain = Grpc.newChannelBuilder("127.0.0.1:" + xdsPort, InsecureChannelCredentials.create())
                .build();
        closeables.add(plain::shutdownNow);
        try (XdsClient ours = XdsClient.builder(() -> plain, "proxy-1", s -> {}).build()) {
            ConfigSnapshot got = ours.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(got).isEqualTo(snapshot("v1", CLUSTER_A));
        }
    }
}
