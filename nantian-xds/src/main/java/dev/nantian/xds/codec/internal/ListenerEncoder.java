package dev.nantian.xds.codec.internal;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.TcpRoute;
import dev.nantian.core.model.TlsRoute;
import dev.nantian.core.model.UdpRoute;
import dev.nantian.xds.proto.config.v1.ExtensionsFilter;
import dev.nantian.xds.proto.config.v1.L4Route;
import dev.nantian.xds.proto.config.v1.L4Target;
import dev.nantian.xds.proto.config.v1.ListenerMeta;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.listener.v3.UdpListenerConfig;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes IR listeners. HTTP(S) listeners get one filter chain with a connection manager that loads the
 * {@link io.envoyproxy.envoy.config.route.v3.RouteConfiguration} of the listener's name over ADS; TLS listeners one
 * filter chain per route (matched by SNI) with a TCP proxy; TCP and UDP listeners proxy to the first route with a
 * usable backend, which is what the IR serves, and keep every route in our metadata.
 */
public final class ListenerEncoder {
    private ListenerEncoder() {}

    @SuppressWarnings("deprecation") // udp_proxy.cluster is deprecated for matchers but still served, and simpler
    public static Listener listener(dev.nantian.core.model.Listener l) {
        ListenerMeta.Builder meta = ListenerMeta.newBuilder()
                .setGateway(l.gateway())
                .setProtocol(ListenerMeta.Protocol.valueOf(l.protocol().name()));
        l.hostname().ifPresent(meta::setHostname);
        Listener.Builder b = Listener.newBuilder()
                .setName(l.name())
                .setAddress(Address.newBuilder()
                        .setSocketAddress(SocketAddress.newBuilder()
                                .setAddress(l.address())
                                .setPortValue(l.port())
                                .setProtocol(
                                        l.protocol() == ListenerProtocol.UDP
                                                ? SocketAddress.Protocol.UDP
                                                : SocketAddress.Protocol.TCP)));
        l.tls().flatMap(ListenerTls::clientValidation).ifPresent(v -> {
            List<String> cas = v.caCertificates();
            meta.addAllExtraClientCaSecrets(cas.subList(1, cas.size()));
        });
        ListenerRoutes routes = l.routes();
        switch (l.protocol()) {
            case HTTP:
            case HTTPS:
                FilterChain.Builder chain = FilterChain.newBuilder().addFilters(hcm(l.name()));
                if (l.protocol() == ListenerProtocol.HTTPS) {
                    l.hostname()
                            .ifPresent(h -> chain.setFilterChainMatch(
                                    FilterChainMatch.newBuilder().addServerNames(h)));
                    chain.setTransportSocket(downstreamTls(l.tls().orElseThrow(), List.of("h2", "http/1.1")));
                    b.addListenerFilters(tlsInspector());
                }
                b.addFilterChains(chain);
                break;
            case TLS:
                List<TlsRoute> tlsRoutes = ((ListenerRoutes.Tls) routes).routes();
                for (TlsRoute r : tlsRoutes) {
                    FilterChain.Builder fc = FilterChain.newBuilder()
                            .setMetadata(Protos.metadata(l4Route(r.meta(), r.backends())))
                            .addFilters(tcpProxy(l.name(), r.backends()));
                    if (!r.hostnames().isEmpty()) {
                        fc.setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(r.hostnames()));
                    }
                    ListenerTls tls = l.tls().orElseThrow();
                    if (tls.mode() == ListenerTls.Mode.TERMINATE) {
                        fc.setTransportSocket(downstreamTls(tls, List.of()));
                    }
                    b.addFilterChains(fc);
                }
                if (tlsRoutes.isEmpty()) {
                    // Envoy needs a filter chain; this one refuses, and keeps the TLS settings for the decoder
                    FilterChain.Builder placeholder = refuse(l.name()).toBuilder();
                    ListenerTls tls = l.tls().orElseThrow();
                    if (tls.mode() == ListenerTls.Mode.TERMINATE) {
                        placeholder.setTransportSocket(downstreamTls(tls, List.of()));
                    }
                    b.setDefaultFilterChain(placeholder);
                }
                b.addListenerFilters(tlsInspector());
                break;
            case TCP:
                List<TcpRoute> tcpRoutes = ((ListenerRoutes.Tcp) routes).routes();
                List<L4Backend> tcpBackends = List.of();
                for (TcpRoute r : tcpRoutes) {
                    meta.addL4Routes(l4Route(r.meta(), r.backends()));
                    if (tcpBackends.isEmpty() && usable(r.backends())) {
                        tcpBackends = r.backends();
                    }
                }
                b.addFilterChains(FilterChain.newBuilder().addFilters(tcpProxy(l.name(), tcpBackends)));
                break;
            default:
                List<UdpRoute> udpRoutes = ((ListenerRoutes.Udp) routes).routes();
                List<L4Backend> udpBackends = List.of();
                for (UdpRoute r : udpRoutes) {
                    meta.addL4Routes(l4Route(r.meta(), r.backends()));
                    if (udpBackends.isEmpty() && usable(r.backends())) {
                        udpBackends = r.backends();
                    }
                }
                // Envoy's UDP proxy has no weighted clusters: it gets the heaviest usable backend
                String cluster = Names.INVALID_CLUSTER;
                int best = 0;
                for (L4Backend be : udpBackends) {
                    if (!be.isInvalid() && be.weight() > best) {
                        best = be.weight();
                        cluster = be.cluster();
                    }
                }
                b.setUdpListenerConfig(UdpListenerConfig.getDefaultInstance())
                        .addListenerFilters(ListenerFilter.newBuilder()
                                .setName(Names.UDP_PROXY)
                                .setTypedConfig(Any.pack(UdpProxyConfig.newBuilder()
                                        .setStatPrefix(l.name())
                                        .setCluster(cluster)
                                        .build())));
        }
        return b.setMetadata(Protos.metadata(meta.build())).build();
    }

    static boolean usable(List<L4Backend> backends) {
        return backends.stream().anyMatch(be -> !be.isInvalid() && be.weight() > 0);
    }

    private static L4Route l4Route(RouteMeta meta, List<L4Backend> backends) {
        L4Route.Builder b = L4Route.newBuilder().setMeta(IrProtos.origin(meta));
        backends.forEach(be ->
                b.addBackends(L4Target.newBuilder().setCluster(be.cluster()).setWeight(be.weight())));
        return b.build();
    }

    private static FilterChain refuse(String statPrefix) {
        return FilterChain.newBuilder()
                .addFilters(tcpProxy(statPrefix, List.of()))
                .build();
    }

    /** A TCP proxy to the backends of weight above 0; unresolved ones and an empty set go to the invalid cluster. */
    private static Filter tcpProxy(String statPrefix, List<L4Backend> backends) {
        List<TcpProxy.WeightedCluster.ClusterWeight> weights = new ArrayList<>();
        for (L4Backend be : backends) {
            if (be.weight() > 0) {
                weights.add(TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                        .setName(be.isInvalid() ? Names.INVALID_CLUSTER : be.cluster())
                        .setWeight(be.weight())
                        .build());
            }
        }
        TcpProxy.Builder tp = TcpProxy.newBuilder().setStatPrefix(statPrefix);
        if (weights.isEmpty()) {
            tp.setCluster(Names.INVALID_CLUSTER);
        } else if (weights.size() == 1) {
            tp.setCluster(weights.get(0).getName());
        } else {
            tp.setWeightedClusters(TcpProxy.WeightedCluster.newBuilder().addAllClusters(weights));
        }
        return Filter.newBuilder()
                .setName(Names.TCP_PROXY)
                .setTypedConfig(Any.pack(tp.build()))
                .build();
    }

    private static ListenerFilter tlsInspector() {
        return ListenerFilter.newBuilder()
                .setName(Names.TLS_INSPECTOR)
                .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance()))
                .build();
    }

    private static Filter hcm(String routeConfigName) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(routeConfigName)
                .setRds(Rds.newBuilder().setConfigSource(Protos.ads()).setRouteConfigName(routeConfigName))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(Names.CORS_FILTER)
                        .setTypedConfig(Any.pack(Cors.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(Names.EXTENSIONS_FILTER)
                        .setIsOptional(true)
                        .setTypedConfig(Any.pack(ExtensionsFilter.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(Names.ROUTER_FILTER)
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .addUpgradeConfigs(
                        HttpConnectionManager.UpgradeConfig.newBuilder().setUpgradeType("websocket"))
                .build();
        return Filter.newBuilder()
                .setName(Names.HCM)
                .setTypedConfig(Any.pack(hcm))
                .build();
    }

    private static TransportSocket downstreamTls(ListenerTls tls, List<String> alpn) {
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder().addAllAlpnProtocols(alpn);
        tls.certificates().forEach(c -> common.addTlsCertificateSdsSecretConfigs(ClusterEncoder.sds(c)));
        DownstreamTlsContext.Builder d = DownstreamTlsContext.newBuilder();
        tls.clientValidation().ifPresent(v -> {
            String ca = v.caCertificates().get(0);
            if (v.insecureFallback()) {
                // AllowInsecureFallback: ask for a certificate but accept connections whatever it is
                common.setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(CertificateValidationContext.newBuilder()
                                .setTrustChainVerification(
                                        CertificateValidationContext.TrustChainVerification.ACCEPT_UNTRUSTED))
                        .setValidationContextSdsSecretConfig(ClusterEncoder.sds(ca)));
            } else {
                common.setValidationContextSdsSecretConfig(ClusterEncoder.sds(ca));
            }
            d.setRequireClientCertificate(BoolValue.of(!v.insecureFallback()));
        });
        return TransportSocket.newBuilder()
                .setName(Names.TLS_TRANSPORT_SOCKET)
                .setTypedConfig(Any.pack(d.setCommonTlsContext(common).build()))
                .build();
    }
}
