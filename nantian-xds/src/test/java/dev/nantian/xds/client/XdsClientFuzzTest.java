package dev.nantian.xds.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.xds.codec.EnvoyCodec;
import dev.nantian.xds.codec.Fixtures;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.proto.config.v1.ListenerMeta;
import dev.nantian.xds.server.XdsServer;
import dev.nantian.xds.testing.XdsTestSupport;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Pushes a few hundred randomly mutated versions of a rich resource set through a real server and client: the
 * client must never crash or drop its stream, must NACK every set the codec rejects with a non-empty {@code
 * error_detail}, must apply every set the codec accepts, and must keep the last good config throughout.
 */
class XdsClientFuzzTest {
    /** Override with {@code -Dnantian.fuzz.seed=...} and {@code -Dnantian.fuzz.rounds=...} for longer runs. */
    private static final long SEED = Long.getLong("nantian.fuzz.seed", 0x5EED_2025L);

    private static final int ROUNDS = Integer.getInteger("nantian.fuzz.rounds", 300);
    private static final String NODE = "fuzzed";

    private static final List<Descriptor> CARRIED_TYPES = List.of(
            HttpConnectionManager.getDescriptor(),
            Router.getDescriptor(),
            Cors.getDescriptor(),
            CorsPolicy.getDescriptor(),
            FilterConfig.getDescriptor(),
            TlsInspector.getDescriptor(),
            TcpProxy.getDescriptor(),
            UdpProxyConfig.getDescriptor(),
            DownstreamTlsContext.getDescriptor(),
            UpstreamTlsContext.getDescriptor(),
            HttpProtocolOptions.getDescriptor(),
            ListenerMeta.getDescriptor());

    @Test
    void mutatedResourceSetsAreNackedAndTheLastGoodConfigStays() throws Exception {
        XdsResources base = withVersion(EnvoyCodec.encode(Fixtures.rich()), "good-0");
        TypeRegistry.Builder registry = TypeRegistry.newBuilder();
        List<String> typeUrls = new ArrayList<>();
        for (Descriptor d : CARRIED_TYPES) {
            registry.add(d);
            typeUrls.add("type.googleapis.com/" + d.getFullName());
        }
        Random random = new Random(SEED);
        ProtoMutator mutator = new ProtoMutator(random, registry.build(), typeUrls);
        List<String> applied = new CopyOnWriteArrayList<>();
        AtomicInteger listenerCalls = new AtomicInteger();

        try (XdsTestSupport grpc = new XdsTestSupport();
                XdsServer server = XdsServer.builder().build();
                XdsClient client = XdsClient.builder(grpc::channel, NODE, s -> {
                            listenerCalls.incrementAndGet();
                            applied.add(s.version());
                        })
                        .build()) {
            grpc.serve(server);
            server.setResources(NODE, base);
            client.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            String lastGood = "good-0";
            int nacked = 0;
            List<String> decoderCrashes = new ArrayList<>();

            for (int round = 0; round < ROUNDS; round++) {
                String version = "fuzz-" + round;
                XdsResources mutated = mutate(base, version, mutator, random, 1 + random.nextInt(3));
                boolean valid;
                try {
                    EnvoyCodec.decode(XdsResources.fromAnyByTypeUrl(version, mutated.toAnyByTypeUrl()));
                    valid = true;
                } catch (ConfigValidationException e) {
                    valid = false;
                } catch (RuntimeException e) {
                    decoderCrashes.add(version + ": " + e);
                    valid = false;
                }

                server.setResources(NODE, mutated);

                await().atMost(10, TimeUnit.SECONDS)
                        .pollInterval(Duration.ofMillis(1))
                        .until(() -> answered(client.status(), version));
                XdsClientStatus status = client.status();
                if (valid) {
                    assertThat(status.lastAck()).as(version).hasValueSatisfying(a -> assertThat(a.version())
                            .isEqualTo(version));
                    lastGood = version;
                } else {
                    nacked++;
                    assertThat(status.lastNack()).as(version).hasValueSatisfying(n -> {
                        assertThat(n.version()).isEqualTo(version);
                        assertThat(n.errorDetail()).isNotBlank();
                    });
                }
                assertThat(status.configVersion()).as(version).contains(lastGood);
                assertThat(client.config().map(ConfigSnapshot::version)).contains(lastGood);
            }

            assertThat(decoderCrashes)
                    .as("the codec threw something else than ConfigValidationException")
                    .isEmpty();
            assertThat(nacked).as("rejected sets").isGreaterThan(ROUNDS / 3);
            assertThat(applied).as("the listener sees only decodable sets").hasSize(listenerCalls.get());
            assertThat(applied).hasSize(1 + ROUNDS - nacked);
            XdsClientStatus status = client.status();
            assertThat(status.connected()).isTrue();
            assertThat(status.streamReconnects()).isZero();
            assertThat(status.lastStreamError()).isEmpty();
        }
    }

    private static boolean answered(XdsClientStatus status, String version) {
        return status.lastAck().map(a -> a.version().equals(version)).orElse(false)
                || status.lastNack().map(n -> n.version().equals(version)).orElse(false);
    }

    private static XdsResources withVersion(XdsResources r, String version) {
        return mutate(r, version, null, null, 0);
    }

    /** {@code r} at {@code version} with {@code mutations} random changes to randomly picked resources. */
    private static XdsResources mutate(
            XdsResources r, String version, ProtoMutator mutator, Random random, int mutations) {
        List<List<? extends Message>> types = List.of(
                new ArrayList<>(r.clusters()),
                new ArrayList<>(r.clusterLoadAssignments()),
                new ArrayList<>(r.secrets()),
                new ArrayList<>(r.extensionConfigs()),
                new ArrayList<>(r.listeners()),
                new ArrayList<>(r.routeConfigurations()));
        for (int i = 0; i < mutations; i++) {
            @SuppressWarnings("unchecked")
            List<Message> list = (List<Message>) types.get(random.nextInt(types.size()));
            if (!list.isEmpty()) {
                int at = random.nextInt(list.size());
                list.set(at, mutator.mutate(list.get(at)));
            }
        }
        XdsResources.Builder b = XdsResources.builder(version);
        types.get(0).forEach(m -> b.addCluster((Cluster) m));
        types.get(1).forEach(m -> b.addClusterLoadAssignment((ClusterLoadAssignment) m));
        types.get(2).forEach(m -> b.addSecret((Secret) m));
        types.get(3).forEach(m -> b.addExtensionConfig((TypedExtensionConfig) m));
        types.get(4).forEach(m -> b.addListener((Listener) m));
        types.get(5).forEach(m -> b.addRouteConfiguration((RouteConfiguration) m));
        return b.build();
    }
}
