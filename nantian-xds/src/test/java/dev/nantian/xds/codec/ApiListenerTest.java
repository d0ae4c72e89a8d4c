package dev.nantian.xds.codec;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.nantian.core.model.VirtualHost;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The api listeners proxyless gRPC clients get, derived from the IR on request. */
class ApiListenerTest {
    private static HttpRoute route(String name, String cluster, PathMatch path) {
        return HttpRoute.builder(
                        RouteMeta.of("default", name),
                        new RouteAction.Forward(List.of(Backend.ClusterBackend.of(cluster))))
                .match(HttpRouteMatch.path(path))
                .build();
    }

    private static final ConfigSnapshot SNAPSHOT = ConfigSnapshot.builder("v1")
            .addCluster(Cluster.builder("default/a:80")
                    .addEndpoint(new Endpoint("10.0.0.1", 80, 3, Optional.of("z1"), ""))
                    .addEndpoint(new Endpoint("10.0.0.2", 80, 2, Optional.of("z1"), ""))
                    .addEndpoint(new Endpoint("10.0.0.3", 80, 1, Optional.of("z2"), ""))
                    .build())
            .addCluster(Cluster.builder("default/b:80")
                    .addEndpoint(Endpoint.of("10.0.0.4", 80))
                    .build())
            .addListener(Listener.builder(
                            "default/gw/http",
                            8080,
                            ListenerProtocol.HTTP,
                            new ListenerRoutes.Http(List.of(
                                    new VirtualHost(
                                            "exact",
                                            List.of("svc.example.com"),
                                            List.of(route("a", "default/a:80", new PathMatch.Prefix("/pkg.Svc")))),
                                    new VirtualHost(
                                            "wild",
                                            List.of("*.example.com"),
                                            List.of(route("b", "default/b:80", new PathMatch.Exact("/pkg.B/Get")))))))
                    .build())
            .addListener(Listener.builder(
                            "default/gw/other",
                            9090,
                            ListenerProtocol.HTTP,
                            new ListenerRoutes.Http(List.of(new VirtualHost(
                                    "any", List.of("*"), List.of(route("c", "default/b:80", PathMatch.any()))))))
                    .build())
            .build();

    private static RouteConfiguration inlineRoutes(String name) throws Exception {
        var l = EnvoyCodec.apiListener(SNAPSHOT, name).orElseThrow();
        assertThat(l.getName()).isEqualTo(name);
        assertThat(l.hasAddress()).isFalse();
        HttpConnectionManager hcm = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        assertThat(hcm.getHttpFiltersList())
                .singleElement()
                .satisfies(f -> assertThat(f.getTypedConfig().is(Router.class)).isTrue());
        RouteConfiguration rc = hcm.getRouteConfig();
        assertThat(rc.getVirtualHostsList()).singleElement().satisfies(vh -> assertThat(vh.getDomainsList())
                .containsExactly(name));
        return rc;
    }

    private static String cluster(Route r) {
        return r.getRoute().getWeightedClusters().getClusters(0).getName();
    }

    @Test
    void exactHostGetsItsVirtualHostWithSegmentPrefixesSplitForGrpc() throws Exception {
        List<Route> routes = inlineRoutes("svc.example.com").getVirtualHosts(0).getRoutesList();

        assertThat(routes).hasSize(2);
        assertThat(routes.get(0).getMatch().getPath()).isEqualTo("/pkg.Svc");
        assertThat(routes.get(1).getMatch().getPrefix()).isEqualTo("/pkg.Svc/");
        assertThat(routes).allSatisfy(r -> assertThat(cluster(r)).isEqualTo("default/a:80"));
    }

    @Test
    void wildcardAndCatchAllHostsAndPortsPickTheMostSpecificVirtualHost() throws Exception {
        assertThat(inlineRoutes("api.example.com")
                        .getVirtualHosts(0)
                        .getRoutes(0)
                        .getMatch()
                        .getPath())
                .isEqualTo("/pkg.B/Get");
        assertThat(inlineRoutes("svc.example.com:8080")
                        .getVirtualHosts(0)
                        .getRoutes(0)
                        .getMatch()
                        .getPath())
                .isEqualTo("/pkg.Svc");
        // on port 9090 only the catch-all listener counts
        assertThat(inlineRoutes("svc.example.com:9090")
                        .getVirtualHosts(0)
                        .getRoutes(0)
                        .getMatch()
                        .getPrefix())
                .isEqualTo("/");
        assertThat(cluster(inlineRoutes("anything.net").getVirtualHosts(0).getRoutes(0)))
                .isEqualTo("default/b:80");
    }

    @Test
    void hostsNoListenerServesGetNothing() {
        ConfigSnapshot onlyExact = ConfigSnapshot.builder("v1")
                .addCluster(SNAPSHOT.clusters().get("default/a:80"))
                .addCluster(SNAPSHOT.clusters().get("default/b:80"))
                .addListener(SNAPSHOT.listeners().get(0))
                .build();

        assertThat(EnvoyCodec.apiListener(onlyExact, "example.com")).isEmpty();
        assertThat(EnvoyCodec.apiListener(onlyExact, "svc.example.com:1234")).isEmpty();
        assertThat(EnvoyCodec.apiListener(onlyExact, "svc.example.com:port")).isEmpty();
    }

    @Test
    void localitiesCarryTheSumOfTheirEndpointWeightsAndDecodingIgnoresApiListeners() {
        XdsResources encoded = EnvoyCodec.encode(SNAPSHOT);
        ClusterLoadAssignment a = encoded.clusterLoadAssignments().get(0);
        assertThat(a.getEndpointsList())
                .extracting(l -> l.getLoadBalancingWeight().getValue())
                .containsExactly(5, 1);

        XdsResources.Builder withApi = XdsResources.builder("v1");
        encoded.listeners().forEach(withApi::addListener);
        withApi.addListener(EnvoyCodec.apiListener(SNAPSHOT, "svc.example.com").orElseThrow());
        encoded.routeConfigurations().forEach(withApi::addRouteConfiguration);
        encoded.clusters().forEach(withApi::addCluster);
        encoded.clusterLoadAssignments().forEach(withApi::addClusterLoadAssignment);

        assertThat(EnvoyCodec.decode(withApi.build())).isEqualTo(SNAPSHOT);
    }
}
