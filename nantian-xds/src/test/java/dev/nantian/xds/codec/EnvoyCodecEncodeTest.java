package dev.nantian.xds.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.nantian.xds.codec.internal.Names;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import org.junit.jupiter.api.Test;

/** What Envoy sees: the native fields each IR feature lands in. */
class EnvoyCodecEncodeTest {
    private final XdsResources resources = EnvoyCodec.encode(Fixtures.rich());

    private RouteConfiguration routes(String name) {
        return resources.routeConfigurations().stream()
                .filter(r -> r.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private Route route(String routeName) {
        VirtualHost vh = routes("default/gw/http").getVirtualHosts(0);
        return vh.getRoutesList().stream()
                .filter(r -> r.getName().startsWith("default/" + routeName + "/"))
                .findFirst()
                .orElseThrow();
    }

    private Cluster cluster(String name) {
        return resources.clusters().stream()
                .filter(c -> c.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private Listener listener(String name) {
        return resources.listeners().stream()
                .filter(l -> l.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void httpListenerLoadsItsRoutesOverAdsWithCorsAndRouterFilters() throws InvalidProtocolBufferException {
        Listener l = listener("default/gw/http");
        HttpConnectionManager hcm =
                l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);

        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("default/gw/http");
        assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
        assertThat(hcm.getHttpFiltersList())
                .extracting(f -> f.getName())
                .containsExactly(Names.CORS_FILTER, Names.EXTENSIONS_FILTER, Names.ROUTER_FILTER);
        assertThat(hcm.getHttpFilters(1).getIsOptional()).isTrue();
        assertThat(l.getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
    }

    @Test
    void pathPrefixesUseSegmentAwareMatching() {
        assertThat(route("prefix").getMatch().getPathSeparatedPrefix()).isEqualTo("/api");
        assertThat(route("odd-prefix").getMatch().getPrefix()).isEqualTo("/odd#frag");
        assertThat(route("exact").getMatch().getPath()).isEqualTo("/exact");
        assertThat(route("regex").getMatch().getSafeRegex().getRegex()).isEqualTo("/r/[a-z]+");
    }

    @Test
    void methodIsAMethodPseudoHeaderMatch() {
        assertThat(route("exact").getMatch().getHeaders(0).getName()).isEqualTo(":method");
        assertThat(route("exact").getMatch().getHeaders(0).getStringMatch().getExact())
                .isEqualTo("POST");
        assertThat(route("exact").getMatch().getQueryParametersCount()).isEqualTo(2);
    }

    @Test
    void forwardUsesWeightedClustersAndAnswers500ForUnresolvedBackends() {
        RouteAction a = route("prefix").getRoute();

        assertThat(a.getWeightedClusters().getClustersList())
                .extracting(c -> c.getName(), c -> c.getWeight().getValue())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("default/h2c:9000", 70),
                        org.assertj.core.groups.Tuple.tuple("default/hash:80", 0),
                        org.assertj.core.groups.Tuple.tuple(Names.INVALID_CLUSTER, 20),
                        org.assertj.core.groups.Tuple.tuple(
                                "nantian.extension:gateway.nantian.dev/AIService/ai/chat", 10));
        assertThat(a.getClusterNotFoundResponseCode())
                .isEqualTo(RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR);
        assertThat(a.getWeightedClusters().getClusters(0).getRequestHeadersToAddCount())
                .isEqualTo(3);
        assertThat(route("regex").getRoute().getCluster()).isEqualTo(Names.INVALID_CLUSTER);
    }

    @Test
    void timeoutsAndRetriesUseEnvoyFields() {
        RouteAction exact = route("exact").getRoute();
        assertThat(exact.getTimeout().getSeconds()).isEqualTo(10);
        assertThat(exact.getRetryPolicy().getPerTryTimeout().getSeconds()).isEqualTo(2);
        assertThat(exact.getRetryPolicy().getRetryOn()).isEqualTo("retriable-status-codes,connect-failure,reset");
        assertThat(exact.getRetryPolicy().getNumRetries().getValue()).isEqualTo(3);
        assertThat(exact.getRetryPolicy().getRetriableStatusCodesList()).containsExactly(500, 503);
        assertThat(exact.getRetryPolicy().getRetryBackOff().getBaseInterval().getNanos())
                .isEqualTo(250_000_000);

        RouteAction prefix = route("prefix").getRoute();
        assertThat(prefix.getTimeout().getSeconds())
                .as("no request timeout disables Envoy's 15 s")
                .isZero();
        assertThat(prefix.getRetryPolicy().getRetryOn()).isEmpty();
        assertThat(prefix.getRetryPolicy().getNumRetries().getValue()).isZero();
        assertThat(prefix.getRetryPolicy().getPerTryTimeout().getSeconds()).isEqualTo(3);
    }

    @Test
    void rewritesAndMirrorsUseEnvoyFields() {
        RouteAction exact = route("exact").getRoute();
        assertThat(exact.getHostRewriteLiteral()).isEqualTo("rewritten.example.com");
        assertThat(exact.getRegexRewrite().getSubstitution()).isEqualTo("/full");
        assertThat(exact.getRequestMirrorPoliciesCount()).isEqualTo(3);
        FractionalPercent half =
                exact.getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue();
        assertThat(half.getNumerator()).isEqualTo(50);
        assertThat(half.getDenominator()).isEqualTo(FractionalPercent.DenominatorType.HUNDRED);
        FractionalPercent third =
                exact.getRequestMirrorPolicies(1).getRuntimeFraction().getDefaultValue();
        assertThat(third.getNumerator()).isEqualTo(333_333);
        assertThat(exact.getRequestMirrorPolicies(2).hasRuntimeFraction()).isFalse();
        assertThat(route("prefix").getRoute().getPrefixRewrite()).isEqualTo("/v2");
    }

    @Test
    void corsIsAPerRouteCorsPolicy() throws InvalidProtocolBufferException {
        Any any = route("exact").getTypedPerFilterConfigOrThrow(Names.CORS_FILTER);
        CorsPolicy cors = any.unpack(CorsPolicy.class);

        assertThat(cors.getAllowOriginStringMatch(0).getSafeRegex().getRegex()).isEqualTo(".*");
        assertThat(cors.getAllowOriginStringMatch(1).getExact()).isEqualTo("https://a.example.com");
        assertThat(cors.getAllowOriginStringMatch(2).getSafeRegex().getRegex())
                .isEqualTo("\\Qhttps://\\E[^/]+\\Q.example.org\\E");
        assertThat(cors.getAllowMethods()).isEqualTo("GET,POST");
        assertThat(cors.getMaxAge()).isEqualTo("600");
        assertThat(cors.getAllowCredentials().getValue()).isTrue();
    }

    @Test
    void sessionPersistenceAndConsistentHashBecomeHashPolicies() {
        RouteAction prefix = route("prefix").getRoute();
        assertThat(prefix.getHashPolicyCount()).isEqualTo(2);
        assertThat(prefix.getHashPolicy(0).getCookie().getName()).isEqualTo("sticky");
        assertThat(prefix.getHashPolicy(0).getCookie().getTtl().getSeconds()).isEqualTo(3600);
        assertThat(prefix.getHashPolicy(1).getCookie().getName()).isEqualTo("affinity");
        assertThat(route("odd-prefix").getRoute().getHashPolicy(0).getHeader().getHeaderName())
                .isEqualTo("x-nantian-session");
        assertThat(cluster("default/hash:80").getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    }

    @Test
    void redirectsAndDirectResponsesUseEnvoyActions() {
        RedirectAction r = route("redirect").getRedirect();
        assertThat(r.getSchemeRedirect()).isEqualTo("https");
        assertThat(r.getHostRedirect()).isEqualTo("secure.example.com");
        assertThat(r.getPortRedirect()).isEqualTo(8443);
        assertThat(r.getPrefixRewrite()).isEqualTo("/new");
        assertThat(r.getResponseCode()).isEqualTo(RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY);
        assertThat(route("redirect-full").getRedirect().getResponseCode())
                .isEqualTo(RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT);
        Route direct = route("direct");
        assertThat(direct.getDirectResponse().getStatus()).isEqualTo(418);
        assertThat(direct.getDirectResponse().getBody().getInlineString()).isEqualTo("short");
        assertThat(direct.getResponseHeadersToAddCount()).isEqualTo(2 + 3);
    }

    @Test
    void ipClustersUseEdsWithLocalitiesAndDnsClustersCarryEndpointsInline() {
        Cluster web = cluster("default/web:80");
        assertThat(web.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        assertThat(web.getEdsClusterConfig().getServiceName()).isEqualTo("default/web:80");
        assertThat(web.getConnectTimeout().getNanos()).isEqualTo(500_000_000);
        assertThat(web.getHealthChecks(0)
                        .getHttpHealthCheck()
                        .getExpectedStatuses(0)
                        .getEnd())
                .isEqualTo(400);
        assertThat(web.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(7);
        ClusterLoadAssignment cla = resources.clusterLoadAssignments().stream()
                .filter(c -> c.getClusterName().equals("default/web:80"))
                .findFirst()
                .orElseThrow();
        assertThat(cla.getEndpointsList())
                .extracting(e -> e.getLocality().getZone())
                .containsExactly("zone-a", "zone-b", "");
        assertThat(cla.getEndpoints(0)
                        .getLbEndpoints(0)
                        .getLoadBalancingWeight()
                        .getValue())
                .isEqualTo(2);
        assertThat(cla.getEndpoints(0).getLbEndpoints(0).getEndpoint().getHostname())
                .isEqualTo("web-0");

        Cluster dns = cluster("default/dns:443");
        assertThat(dns.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
        assertThat(dns.getLoadAssignment()
                        .getEndpoints(0)
                        .getLbEndpoints(0)
                        .getEndpoint()
                        .getAddress()
                        .getSocketAddress()
                        .getAddress())
                .isEqualTo("api.example.com");
        assertThat(dns.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
        assertThat(resources.clusterLoadAssignments())
                .extracting(ClusterLoadAssignment::getClusterName)
                .doesNotContain("default/dns:443");
    }

    @Test
    void upstreamTlsAndHttp2UseTransportSocketAndProtocolOptions() throws InvalidProtocolBufferException {
        Cluster dns = cluster("default/dns:443");
        UpstreamTlsContext tls = dns.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(tls.getSni()).isEqualTo("backend.example.com");
        assertThat(tls.getCommonTlsContext()
                        .getCombinedValidationContext()
                        .getValidationContextSdsSecretConfig()
                        .getName())
                .isEqualTo("default/ca-1");
        assertThat(tls.getCommonTlsContext()
                        .getCombinedValidationContext()
                        .getDefaultValidationContext()
                        .getMatchTypedSubjectAltNamesCount())
                .isEqualTo(2);
        assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2");
        assertThat(dns.getTypedExtensionProtocolOptionsOrThrow(Names.HTTP_PROTOCOL_OPTIONS)
                        .unpack(HttpProtocolOptions.class)
                        .getExplicitHttpConfig()
                        .hasHttp2ProtocolOptions())
                .isTrue();

        UpstreamTlsContext mirror = cluster("default/mirror:80")
                .getTransportSocket()
                .getTypedConfig()
                .unpack(UpstreamTlsContext.class);
        assertThat(mirror.getCommonTlsContext().getValidationContext().hasSystemRootCerts())
                .isTrue();
        assertThat(mirror.getCommonTlsContext()
                        .getValidationContext()
                        .getMatchTypedSubjectAltNames(0)
                        .getMatcher()
                        .getExact())
                .as("the SNI is verified")
                .isEqualTo("mirror.example.com");
        assertThat(cluster("default/h2c:9000").containsTypedExtensionProtocolOptions(Names.HTTP_PROTOCOL_OPTIONS))
                .isTrue();
        assertThat(cluster("default/web:80").getTypedExtensionProtocolOptionsCount())
                .isZero();
    }

    @Test
    @SuppressWarnings("deprecation") // udp_proxy.cluster, as the encoder writes it
    void layerFourListenersProxyToTheirBackends() throws InvalidProtocolBufferException {
        Listener tls = listener("default/gw/tls");
        assertThat(tls.getFilterChainsCount()).isEqualTo(2);
        assertThat(tls.getFilterChains(0).getFilterChainMatch().getServerNamesList())
                .containsExactly("a.example.com", "*.b.example.com");
        TcpProxy tp = tls.getFilterChains(0).getFilters(0).getTypedConfig().unpack(TcpProxy.class);
        assertThat(tp.getWeightedClusters().getClustersList())
                .extracting(c -> c.getName())
                .containsExactly("default/tcp:5432", Names.INVALID_CLUSTER);
        assertThat(tls.getFilterChains(1)
                        .getFilters(0)
                        .getTypedConfig()
                        .unpack(TcpProxy.class)
                        .getCluster())
                .isEqualTo("default/tcp:5432");

        TcpProxy tcp = listener("default/gw/tcp")
                .getFilterChains(0)
                .getFilters(0)
                .getTypedConfig()
                .unpack(TcpProxy.class);
        assertThat(tcp.getWeightedClusters().getClustersCount())
                .as("the first usable route")
                .isEqualTo(2);

        Listener udp = listener("default/gw/udp");
        assertThat(udp.getAddress().getSocketAddress().getProtocol())
                .isEqualTo(io.envoyproxy.envoy.config.core.v3.SocketAddress.Protocol.UDP);
        assertThat(udp.getListenerFilters(0)
                        .getTypedConfig()
                        .unpack(UdpProxyConfig.class)
                        .getCluster())
                .isEqualTo("default/web:80");
    }

    @Test
    void everyResourceTypeIsPackedUnderItsTypeUrl() {
        var wire = resources.toAnyByTypeUrl();
        assertThat(wire.keySet()).containsExactlyElementsOf(XdsResources.TYPE_URLS);
        wire.forEach(
                (typeUrl, anys) -> assertThat(anys).allMatch(a -> a.getTypeUrl().equals(typeUrl)));
        assertThat(wire.get(XdsResources.SECRET_TYPE_URL)).hasSize(6);
        assertThat(wire.get(XdsResources.EXTENSION_CONFIG_TYPE_URL)).hasSize(2);
    }
}
