package dev.nantian.xds.codec.internal;

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
import dev.nantian.xds.proto.config.v1.ListenerMeta;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Decodes Envoy listeners (with the route configurations they load) into IR listeners, collecting errors. */
public final class ListenerDecoder {
    private final Map<String, RouteConfiguration> routeConfigurations;
    private final RouteDecoder routes;
    private final Errors errors;

    public ListenerDecoder(Map<String, RouteConfiguration> routeConfigurations, RouteDecoder routes, Errors errors) {
        this.routeConfigurations = routeConfigurations;
        this.routes = routes;
        this.errors = errors;
    }

    @SuppressWarnings("deprecation") // udp_proxy.cluster: see ListenerEncoder
    public dev.nantian.core.model.Listener decode(Listener l) {
        String where = "Listener " + l.getName();
        int before = errors.size();
        Protos.onlyFields(
                l,
                errors,
                where,
                "name",
                "address",
                "filter_chains",
                "default_filter_chain",
                "listener_filters",
                "udp_listener_config",
                "metadata");
        ListenerMeta meta = l.hasMetadata() ? Protos.extras(l.getMetadata(), ListenerMeta.class, errors, where) : null;
        Protos.onlyFields(l.getAddress(), errors, where + ": address", "socket_address");
        SocketAddress sa = l.getAddress().getSocketAddress();
        Protos.onlyFields(sa, errors, where + ": address.socket_address", "address", "port_value", "protocol");
        UdpProxyConfig udp = null;
        for (int i = 0; i < l.getListenerFiltersCount(); i++) {
            ListenerFilter f = l.getListenerFilters(i);
            String fw = where + ": listener_filters[" + i + "]";
            Protos.onlyFields(f, errors, fw, "name", "typed_config");
            if (f.getTypedConfig().is(TlsInspector.class)) {
                continue;
            }
            if (f.getTypedConfig().is(UdpProxyConfig.class)) {
                udp = Protos.unpack(f.getTypedConfig(), UdpProxyConfig.class, errors, fw);
                continue;
            }
            errors.add(fw, "listener filter " + f.getTypedConfig().getTypeUrl() + " is not supported");
        }
        ListenerProtocol protocol = protocol(l, meta, sa, where);
        if (protocol == null) {
            return null;
        }
        Optional<String> hostname = meta == null
                ? Optional.empty()
                : meta.getHostname().isEmpty() ? Optional.empty() : Optional.of(meta.getHostname());
        Optional<ListenerTls> tls = Optional.empty();
        ListenerRoutes listenerRoutes = null;
        switch (protocol) {
            case HTTP:
            case HTTPS:
                if (l.getFilterChainsCount() != 1 || l.hasDefaultFilterChain()) {
                    errors.add(where, "an HTTP listener needs exactly one filter chain");
                    return null;
                }
                FilterChain chain = l.getFilterChains(0);
                String cw = where + ": filter_chains[0]";
                Protos.onlyFields(chain, errors, cw, "filters", "filter_chain_match", "transport_socket");
                Protos.onlyFields(chain.getFilterChainMatch(), errors, cw + ".filter_chain_match", "server_names");
                if (meta == null && chain.getFilterChainMatch().getServerNamesCount() == 1) {
                    hostname = Optional.of(chain.getFilterChainMatch().getServerNames(0));
                }
                if (chain.hasTransportSocket()) {
                    tls = downstreamTls(chain, meta, cw);
                }
                if (chain.getFiltersCount() != 1) {
                    errors.add(cw, "an HTTP filter chain needs exactly one filter, the connection manager");
                    return null;
                }
                RouteConfiguration rc = hcm(chain.getFilters(0), cw + ".filters[0]");
                if (rc != null) {
                    listenerRoutes = new ListenerRoutes.Http(routes.decode(rc));
                }
                break;
            case TLS:
                List<TlsRoute> tlsRoutes = new ArrayList<>();
                for (int i = 0; i < l.getFilterChainsCount(); i++) {
                    FilterChain fc = l.getFilterChains(i);
                    String fw = where + ": filter_chains[" + i + "]";
                    Protos.onlyFields(fc, errors, fw, "filters", "filter_chain_match", "transport_socket", "metadata");
                    Protos.onlyFields(fc.getFilterChainMatch(), errors, fw + ".filter_chain_match", "server_names");
                    if (fc.hasTransportSocket() && tls != null && tls.isEmpty()) {
                        tls = downstreamTls(fc, meta, fw);
                    }
                    L4Route extras =
                            fc.hasMetadata() ? Protos.extras(fc.getMetadata(), L4Route.class, errors, fw) : null;
                    List<L4Backend> tcp = singleTcpProxy(fc, fw);
                    RouteMeta rm = extras == null
                            ? L4Decoder.defaultMeta("TLSRoute", l.getName(), i)
                            : L4Decoder.meta(extras, errors, fw + ".metadata");
                    List<L4Backend> backends = extras == null ? tcp : L4Decoder.backends(extras, errors, fw);
                    var route = errors.attempt(
                            fw, () -> new TlsRoute(rm, fc.getFilterChainMatch().getServerNamesList(), backends));
                    if (route != null) {
                        tlsRoutes.add(route);
                    }
                }
                if (l.hasDefaultFilterChain()
                        && l.getDefaultFilterChain().hasTransportSocket()
                        && tls != null
                        && tls.isEmpty()) {
                    tls = downstreamTls(l.getDefaultFilterChain(), meta, where + ": default_filter_chain");
                }
                if (tls != null && tls.isEmpty()) {
                    tls = Optional.of(ListenerTls.passthrough());
                }
                listenerRoutes = new ListenerRoutes.Tls(tlsRoutes);
                break;
            case TCP:
                List<TcpRoute> tcpRoutes = new ArrayList<>();
                if (l.getFilterChainsCount() != 1) {
                    errors.add(where, "a TCP listener needs exactly one filter chain");
                    return null;
                }
                String tw = where + ": filter_chains[0]";
                Protos.onlyFields(l.getFilterChains(0), errors, tw, "filters");
                List<L4Backend> tcp = singleTcpProxy(l.getFilterChains(0), tw);
                if (meta == null) {
                    tcpRoutes.add(new TcpRoute(L4Decoder.defaultMeta("TCPRoute", l.getName(), 0), tcp));
                } else {
                    for (int i = 0; i < meta.getL4RoutesCount(); i++) {
                        L4Route r = meta.getL4Routes(i);
                        String rw = where + ": metadata.l4_routes[" + i + "]";
                        RouteMeta rm = L4Decoder.meta(r, errors, rw);
                        List<L4Backend> backends = L4Decoder.backends(r, errors, rw);
                        var route = errors.attempt(rw, () -> new TcpRoute(rm, backends));
                        if (route != null) {
                            tcpRoutes.add(route);
                        }
                    }
                }
                listenerRoutes = new ListenerRoutes.Tcp(tcpRoutes);
                break;
            default:
                if (udp == null) {
                    errors.add(where, "a UDP listener needs the " + Names.UDP_PROXY + " listener filter");
                    return null;
                }
                Protos.onlyFields(udp, errors, where + ": udp_proxy", "stat_prefix", "cluster");
                List<UdpRoute> udpRoutes = new ArrayList<>();
                if (meta == null) {
                    List<L4Backend> backends = udp.getCluster().equals(Names.INVALID_CLUSTER)
                            ? List.of()
                            : List.of(new L4Backend(udp.getCluster(), 1));
                    udpRoutes.add(new UdpRoute(L4Decoder.defaultMeta("UDPRoute", l.getName(), 0), backends));
                } else {
                    for (int i = 0; i < meta.getL4RoutesCount(); i++) {
                        L4Route r = meta.getL4Routes(i);
                        String rw = where + ": metadata.l4_routes[" + i + "]";
                        RouteMeta rm = L4Decoder.meta(r, errors, rw);
                        List<L4Backend> backends = L4Decoder.backends(r, errors, rw);
                        var route = errors.attempt(rw, () -> new UdpRoute(rm, backends));
                        if (route != null) {
                            udpRoutes.add(route);
                        }
                    }
                }
                listenerRoutes = new ListenerRoutes.Udp(udpRoutes);
        }
        if (errors.size() > before || listenerRoutes == null || tls == null) {
            return null;
        }
        String gateway = meta == null ? "" : meta.getGateway();
        Optional<String> host = hostname;
        Optional<ListenerTls> t = tls;
        ListenerRoutes lr = listenerRoutes;
        return errors.attempt(
                where,
                () -> new dev.nantian.core.model.Listener(
                        l.getName(), gateway, sa.getAddress(), sa.getPortValue(), protocol, host, t, lr));
    }

    private ListenerProtocol protocol(Listener l, ListenerMeta meta, SocketAddress sa, String where) {
        if (meta != null && meta.getProtocol() != ListenerMeta.Protocol.PROTOCOL_UNSPECIFIED) {
            try {
                return ListenerProtocol.valueOf(meta.getProtocol().name());
            } catch (IllegalArgumentException e) {
                errors.add(where + ": metadata.protocol", "unknown protocol " + meta.getProtocol());
                return null;
            }
        }
        if (sa.getProtocol() == SocketAddress.Protocol.UDP) {
            return ListenerProtocol.UDP;
        }
        if (l.getFilterChainsCount() == 0) {
            errors.add(where, "a listener needs filter chains");
            return null;
        }
        FilterChain first = l.getFilterChains(0);
        boolean hcm = first.getFiltersCount() > 0
                && first.getFilters(0).getTypedConfig().is(HttpConnectionManager.class);
        if (hcm) {
            return first.hasTransportSocket() ? ListenerProtocol.HTTPS : ListenerProtocol.HTTP;
        }
        boolean sni = l.getFilterChainsList().stream()
                .anyMatch(fc ->
                        fc.hasTransportSocket() || fc.getFilterChainMatch().getServerNamesCount() > 0);
        return sni || l.getListenerFiltersCount() > 0 ? ListenerProtocol.TLS : ListenerProtocol.TCP;
    }

    private List<L4Backend> singleTcpProxy(FilterChain fc, String where) {
        if (fc.getFiltersCount() != 1 || !fc.getFilters(0).getTypedConfig().is(TcpProxy.class)) {
            errors.add(where, "a TLS or TCP filter chain needs exactly one filter, " + Names.TCP_PROXY);
            return List.of();
        }
        Filter f = fc.getFilters(0);
        Protos.onlyFields(f, errors, where + ".filters[0]", "name", "typed_config");
        return L4Decoder.tcpProxy(f, errors, where + ".filters[0]");
    }

    private Optional<ListenerTls> downstreamTls(FilterChain fc, ListenerMeta meta, String where) {
        String tw = where + ".transport_socket";
        Protos.onlyFields(fc.getTransportSocket(), errors, tw, "name", "typed_config");
        DownstreamTlsContext d = Protos.unpack(
                fc.getTransportSocket().getTypedConfig(), DownstreamTlsContext.class, errors, tw + ".typed_config");
        if (d == null) {
            return null;
        }
        Protos.onlyFields(d, errors, tw, "common_tls_context", "require_client_certificate");
        CommonTlsContext common = d.getCommonTlsContext();
        String cw = tw + ".common_tls_context";
        Protos.onlyFields(
                common,
                errors,
                cw,
                "tls_certificate_sds_secret_configs",
                "alpn_protocols",
                "validation_context_sds_secret_config",
                "combined_validation_context");
        List<String> certs = new ArrayList<>();
        for (SdsSecretConfig s : common.getTlsCertificateSdsSecretConfigsList()) {
            certs.add(s.getName());
        }
        String ca = null;
        if (common.hasCombinedValidationContext()) {
            var combined = common.getCombinedValidationContext();
            Protos.onlyFields(
                    combined,
                    errors,
                    cw + ".combined_validation_context",
                    "default_validation_context",
                    "validation_context_sds_secret_config");
            Protos.onlyFields(
                    combined.getDefaultValidationContext(),
                    errors,
                    cw + ".combined_validation_context.default_validation_context",
                    "trust_chain_verification");
            ca = combined.getValidationContextSdsSecretConfig().getName();
            boolean acceptsUntrusted = combined.getDefaultValidationContext().getTrustChainVerification()
                    == CertificateValidationContext.TrustChainVerification.ACCEPT_UNTRUSTED;
            if (acceptsUntrusted == d.getRequireClientCertificate().getValue()) {
                errors.add(tw, "ACCEPT_UNTRUSTED goes with require_client_certificate false and only with it");
            }
        } else if (common.hasValidationContextSdsSecretConfig()) {
            ca = common.getValidationContextSdsSecretConfig().getName();
        }
        Optional<ListenerTls.ClientValidation> validation = Optional.empty();
        if (ca != null) {
            List<String> cas = new ArrayList<>();
            cas.add(ca);
            if (meta != null) {
                cas.addAll(meta.getExtraClientCaSecretsList());
            }
            boolean fallback = !d.getRequireClientCertificate().getValue();
            validation = Optional.ofNullable(errors.attempt(tw, () -> new ListenerTls.ClientValidation(cas, fallback)));
        }
        Optional<ListenerTls.ClientValidation> v = validation;
        var out = errors.attempt(tw, () -> new ListenerTls(ListenerTls.Mode.TERMINATE, certs, v));
        return out == null ? null : Optional.of(out);
    }

    private RouteConfiguration hcm(Filter f, String where) {
        Protos.onlyFields(f, errors, where, "name", "typed_config");
        HttpConnectionManager hcm =
                Protos.unpack(f.getTypedConfig(), HttpConnectionManager.class, errors, where + ".typed_config");
        if (hcm == null) {
            return null;
        }
        Protos.onlyFields(
                hcm,
                errors,
                where,
                "stat_prefix",
                "codec_type",
                "rds",
                "route_config",
                "http_filters",
                "upgrade_configs");
        for (int i = 0; i < hcm.getUpgradeConfigsCount(); i++) {
            var u = hcm.getUpgradeConfigs(i);
            Protos.onlyFields(u, errors, where + ".upgrade_configs[" + i + "]", "upgrade_type");
            if (!u.getUpgradeType().equalsIgnoreCase("websocket")) {
                errors.add(
                        where + ".upgrade_configs[" + i + "]", "upgrade " + u.getUpgradeType() + " is not supported");
            }
        }
        for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
            HttpFilter hf = hcm.getHttpFilters(i);
            String fw = where + ".http_filters[" + i + "]";
            boolean last = i == hcm.getHttpFiltersCount() - 1;
            if (hf.getTypedConfig().is(Router.class)) {
                if (!last) {
                    errors.add(fw, "the router must be the last filter");
                }
            } else if (last) {
                errors.add(fw, "the last filter must be the router");
            } else if (!hf.getTypedConfig().is(Cors.class)
                    && !hf.getTypedConfig().is(ExtensionsFilter.class)
                    && !hf.getIsOptional()) {
                errors.add(fw, "HTTP filter " + hf.getName() + " is not supported");
            }
        }
        if (hcm.hasRouteConfig()) {
            return hcm.getRouteConfig();
        }
        String name = hcm.getRds().getRouteConfigName();
        RouteConfiguration rc = routeConfigurations.get(name);
        if (rc == null) {
            errors.add(where + ".rds", "unknown RouteConfiguration " + name);
        }
        return rc;
    }
}
