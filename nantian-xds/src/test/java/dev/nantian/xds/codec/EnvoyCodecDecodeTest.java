package dev.nantian.xds.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.RouteAction;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Decoding resources that other control planes wrote, and rejecting what the IR cannot express. */
class EnvoyCodecDecodeTest {

    private static Listener httpListener(String name, String routeConfig) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(name)
                .setRds(Rds.newBuilder()
                        .setRouteConfigName(routeConfig)
                        .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder()
                .setName(name)
                .setAddress(Address.newBuilder()
                        .setSocketAddress(
                                SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(10000)))
                .addFilterChains(FilterChain.newBuilder()
                        .addFilters(Filter.newBuilder()
                                .setName("envoy.filters.network.http_connection_manager")
                                .setTypedConfig(Any.pack(hcm))))
                .build();
    }

    private static Cluster edsCluster(String name) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                        .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())))
                .build();
    }

    private static ClusterLoadAssignment assignment(String name) {
        return ClusterLoadAssignment.newBuilder()
                .setClusterName(name)
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder()
                                        .setAddress(Address.newBuilder()
                                                .setSocketAddress(SocketAddress.newBuilder()
                                                        .setAddress("10.1.1.1")
                                                        .setPortValue(80))))))
                .build();
    }

    private static Route route(RouteMatch match, String cluster) {
        return Route.newBuilder()
                .setMatch(match)
                .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder()
                        .setCluster(cluster))
                .build();
    }

    @Test
    void plainEnvoyResourcesDecodeWithEnvoyDefaults() {
        XdsResources resources = XdsResources.builder("foreign-1")
                .addListener(httpListener("ingress", "local"))
                .addRouteConfiguration(RouteConfiguration.newBuilder()
                        .setName("local")
                        .addVirtualHosts(VirtualHost.newBuilder()
                                .setName("all")
                                .addDomains("*")
                                .addRoutes(route(
                                        RouteMatch.newBuilder()
                                                .setPathSeparatedPrefix("/app")
                                                .build(),
                                        "app"))))
                .addCluster(edsCluster("app"))
                .addClusterLoadAssignment(assignment("app"))
                .build();

        ConfigSnapshot s = EnvoyCodec.decode(resources);

        assertThat(s.version()).isEqualTo("foreign-1");
        HttpRoute r = ((ListenerRoutes.Http) s.listeners().get(0).routes())
                .virtualHosts()
                .get(0)
                .routes()
                .get(0);
        assertThat(r.match().path()).isEqualTo(new PathMatch.Prefix("/app"));
        assertThat(r.action())
                .isEqualTo(new RouteAction.Forward(List.of(dev.nantian.core.model.Backend.ClusterBackend.of("app"))));
        assertThat(r.timeouts().request()).as("Envoy's default route timeout").contains(Duration.ofSeconds(15));
        assertThat(r.meta().name()).isEqualTo("all-0");
        assertThat(s.cluster("app").orElseThrow().endpoints()).hasSize(1);
        assertThat(s.cluster("app").orElseThrow().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void everyErrorOfAResourceSetIsReportedWithTypeNameAndField() {
        Route caseInsensitive = route(
                RouteMatch.newBuilder()
                        .setPrefix("/a")
                        .setCaseSensitive(BoolValue.of(false))
                        .addHeaders(
                                HeaderMatcher.newBuilder().setName("x-present").setPresentMatch(true))
                        .build(),
                "app");
        XdsResources resources = XdsResources.builder("bad")
                .addListener(httpListener("ingress", "local"))
                .addListener(httpListener("other", "missing"))
                .addRouteConfiguration(RouteConfiguration.newBuilder()
                        .setName("local")
                        .addVirtualHosts(VirtualHost.newBuilder()
                                .setName("all")
                                .addDomains("*")
                                .addRoutes(caseInsensitive)))
                .addCluster(edsCluster("app").toBuilder().setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED))
                .addCluster(edsCluster("lonely"))
                .addCluster(edsCluster("app2").toBuilder().setPerConnectionBufferLimitBytes(UInt32Value.of(1)))
                .addClusterLoadAssignment(assignment("app"))
                .addClusterLoadAssignment(assignment("app2"))
                .build();

        assertThatThrownBy(() -> EnvoyCodec.decode(resources))
                .isInstanceOfSatisfying(ConfigValidationException.class, e -> assertThat(e.errors())
                        .contains(
                                "Cluster app: lb_policy CLUSTER_PROVIDED is not supported",
                                "Cluster lonely: no ClusterLoadAssignment lonely",
                                "Cluster app2: unsupported field per_connection_buffer_limit_bytes",
                                "Listener other: filter_chains[0].filters[0].rds: unknown RouteConfiguration missing",
                                "RouteConfiguration local: virtual_hosts[0].routes[0].match: case-insensitive path"
                                        + " matching is not supported",
                                "RouteConfiguration local: virtual_hosts[0].routes[0].match.prefix: '/a' would match"
                                        + " across path segments; use path_separated_prefix",
                                "RouteConfiguration local: virtual_hosts[0].routes[0].match.headers[0]: unsupported"
                                        + " field present_match")
                        .hasSize(7));
    }

    @Test
    void behaviourChangingRouteSettingsAreRejected() {
        Route r = route(RouteMatch.newBuilder().setPrefix("/").build(), "app").toBuilder()
                .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder()
                        .setCluster("app")
                        .setRetryPolicy(io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                                .setRetryOn("5xx"))
                        .setPrefixRewrite("/x")
                        .setAutoHostRewrite(BoolValue.of(true)))
                .build();
        XdsResources resources = XdsResources.builder("bad")
                .addListener(httpListener("ingress", "local"))
                .addRouteConfiguration(RouteConfiguration.newBuilder()
                        .setName("local")
                        .addVirtualHosts(VirtualHost.newBuilder()
                                .setName("all")
                                .addDomains("*")
                                .addRoutes(r)))
                .addCluster(edsCluster("app"))
                .addClusterLoadAssignment(assignment("app"))
                .build();

        assertThatThrownBy(() -> EnvoyCodec.decode(resources))
                .isInstanceOfSatisfying(ConfigValidationException.class, e -> assertThat(e.errors())
                        .containsExactly(
                                "RouteConfiguration local: virtual_hosts[0].routes[0].route: unsupported field"
                                        + " auto_host_rewrite",
                                "RouteConfiguration local: virtual_hosts[0].routes[0].route.retry_policy.retry_on: only"
                                        + " 'retriable-status-codes,connect-failure,reset' is supported, got '5xx'"));
    }

    @Test
    void snapshotConsistencyErrorsComeAfterResourceErrorsAreFixed() {
        XdsResources resources = XdsResources.builder("v")
                .addListener(httpListener("ingress", "local"))
                .addRouteConfiguration(RouteConfiguration.newBuilder()
                        .setName("local")
                        .addVirtualHosts(VirtualHost.newBuilder()
                                .setName("all")
                                .addDomains("*")
                                .addRoutes(route(
                                        RouteMatch.newBuilder().setPrefix("/").build(), "nowhere"))))
                .build();

        assertThatThrownBy(() -> EnvoyCodec.decode(resources))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("references unknown cluster nowhere");
    }

    @Test
    void duplicateNamesAndWrongTypesAreReported() {
        XdsResources dup = XdsResources.builder("v")
                .addCluster(edsCluster("app"))
                .addCluster(edsCluster("app"))
                .addClusterLoadAssignment(assignment("app"))
                .build();
        assertThatThrownBy(() -> EnvoyCodec.decode(dup))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("Cluster app: duplicate name");

        assertThatThrownBy(() -> XdsResources.fromAnyByTypeUrl(
                        "v",
                        Map.of(
                                XdsResources.CLUSTER_TYPE_URL,
                                List.of(Any.pack(assignment("app"))),
                                "type.googleapis.com/nope",
                                List.of(Any.newBuilder()
                                        .setTypeUrl("type.googleapis.com/nope")
                                        .build()))))
                .isInstanceOfSatisfying(ConfigValidationException.class, e -> assertThat(e.errors())
                        .containsExactlyInAnyOrder(
                                XdsResources.CLUSTER_TYPE_URL + " resource 0 has type "
                                        + XdsResources.ENDPOINT_TYPE_URL,
                                "unsupported type URL type.googleapis.com/nope"));
    }

    @Test
    void clusterTransportSocketOfTheWrongTypeIsAnErrorNotACrash() {
        // found by XdsClientFuzzTest: a transport socket that failed to decode made the protocol check throw
        Cluster cluster = edsCluster("app").toBuilder()
                .setTransportSocket(io.envoyproxy.envoy.config.core.v3.TransportSocket.newBuilder()
                        .setName("envoy.transport_sockets.tls")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        XdsResources resources = XdsResources.builder("v")
                .addCluster(cluster)
                .addClusterLoadAssignment(assignment("app"))
                .build();

        assertThatThrownBy(() -> EnvoyCodec.decode(resources))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("Cluster app: transport_socket.typed_config");
    }

    @Test
    void tlsListenerTransportSocketOfTheWrongTypeIsAnErrorNotACrash() {
        // found by XdsClientFuzzTest: a TLS listener whose transport socket failed to decode threw
        XdsResources good = EnvoyCodec.encode(Fixtures.rich());
        XdsResources.Builder b = XdsResources.builder("v");
        for (Listener l : good.listeners()) {
            if (l.getName().equals("default/gw/tls-term")) {
                // no routes: the terminating transport socket sits on the default filter chain
                FilterChain chain = l.getDefaultFilterChain();
                l = l.toBuilder()
                        .setDefaultFilterChain(chain.toBuilder()
                                .setTransportSocket(chain.getTransportSocket().toBuilder()
                                        .setTypedConfig(Any.pack(Router.getDefaultInstance()))))
                        .build();
            }
            b.addListener(l);
        }
        good.routeConfigurations().forEach(b::addRouteConfiguration);
        good.clusters().forEach(b::addCluster);
        good.clusterLoadAssignments().forEach(b::addClusterLoadAssignment);
        good.secrets().forEach(b::addSecret);
        good.extensionConfigs().forEach(b::addExtensionConfig);

        assertThatThrownBy(() -> EnvoyCodec.decode(b.build()))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("Listener default/gw/tls-term: default_filter_chain");
    }
}
