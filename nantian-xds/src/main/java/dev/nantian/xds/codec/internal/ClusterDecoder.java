package dev.nantian.xds.codec.internal;

import com.google.protobuf.Any;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.xds.proto.config.v1.ClusterMeta;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.Int64Range;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Decodes Envoy clusters (with their load assignments) into IR clusters, collecting errors. */
public final class ClusterDecoder {
    private final Map<String, ClusterLoadAssignment> assignments;
    private final Errors errors;

    public ClusterDecoder(Map<String, ClusterLoadAssignment> assignments, Errors errors) {
        this.assignments = assignments;
        this.errors = errors;
    }

    /** The IR cluster, or {@code null} after reporting why there is none. */
    public dev.nantian.core.model.Cluster decode(Cluster c) {
        String where = "Cluster " + c.getName();
        Protos.onlyFields(
                c,
                errors,
                where,
                "name",
                "type",
                "eds_cluster_config",
                "load_assignment",
                "connect_timeout",
                "lb_policy",
                "least_request_lb_config",
                "ring_hash_lb_config",
                "health_checks",
                "outlier_detection",
                "transport_socket",
                "typed_extension_protocol_options",
                "metadata");
        ClusterMeta meta = c.hasMetadata() ? Protos.extras(c.getMetadata(), ClusterMeta.class, errors, where) : null;
        List<dev.nantian.core.model.Endpoint> endpoints = endpoints(c, where);
        LoadBalancing lb = loadBalancing(c, meta, where);
        Optional<dev.nantian.core.model.HealthCheck> hc = healthCheck(c, where);
        Optional<dev.nantian.core.model.OutlierDetection> od = outlier(c, where);
        Optional<UpstreamTls> tls = c.hasTransportSocket() ? upstreamTls(c, meta, where) : Optional.empty();
        UpstreamProtocol protocol = protocol(c, meta, tls != null && tls.isPresent(), where);
        Duration connectTimeout = c.hasConnectTimeout()
                ? Protos.duration(c.getConnectTimeout())
                : dev.nantian.core.model.Cluster.DEFAULT_CONNECT_TIMEOUT;
        if (endpoints == null || lb == null || hc == null || od == null || tls == null || protocol == null) {
            return null;
        }
        return errors.attempt(
                where,
                () -> new dev.nantian.core.model.Cluster(
                        c.getName(), endpoints, protocol, lb, connectTimeout, hc, od, tls));
    }

    private List<dev.nantian.core.model.Endpoint> endpoints(Cluster c, String where) {
        ClusterLoadAssignment cla;
        String at;
        switch (c.getType()) {
            case EDS:
                Protos.onlyFields(
                        c.getEdsClusterConfig(), errors, where + ": eds_cluster_config", "eds_config", "service_name");
                String service = c.getEdsClusterConfig().getServiceName().isEmpty()
                        ? c.getName()
                        : c.getEdsClusterConfig().getServiceName();
                cla = assignments.get(service);
                at = "ClusterLoadAssignment " + service;
                if (cla == null) {
                    errors.add(where, "no ClusterLoadAssignment " + service);
                    return null;
                }
                break;
            case STATIC:
            case STRICT_DNS:
                cla = c.getLoadAssignment();
                at = where + ": load_assignment";
                break;
            default:
                errors.add(where, "type " + c.getType() + " is not supported");
                return null;
        }
        return endpoints(cla, at);
    }

    private List<dev.nantian.core.model.Endpoint> endpoints(ClusterLoadAssignment cla, String where) {
        Protos.onlyFields(cla, errors, where, "cluster_name", "endpoints");
        List<dev.nantian.core.model.Endpoint> out = new ArrayList<>();
        for (int i = 0; i < cla.getEndpointsCount(); i++) {
            LocalityLbEndpoints l = cla.getEndpoints(i);
            String lw = where + ": endpoints[" + i + "]";
            Protos.onlyFields(l, errors, lw, "locality", "lb_endpoints", "load_balancing_weight");
            Protos.onlyFields(l.getLocality(), errors, lw + ".locality", "zone");
            Optional<String> zone = l.getLocality().getZone().isEmpty()
                    ? Optional.empty()
                    : Optional.of(l.getLocality().getZone());
            for (int j = 0; j < l.getLbEndpointsCount(); j++) {
                LbEndpoint e = l.getLbEndpoints(j);
                String ew = lw + ".lb_endpoints[" + j + "]";
                Protos.onlyFields(e, errors, ew, "endpoint", "load_balancing_weight");
                Protos.onlyFields(e.getEndpoint(), errors, ew + ".endpoint", "address", "hostname");
                Protos.onlyFields(e.getEndpoint().getAddress(), errors, ew + ".endpoint.address", "socket_address");
                SocketAddress sa = e.getEndpoint().getAddress().getSocketAddress();
                Protos.onlyFields(sa, errors, ew + ".endpoint.address.socket_address", "address", "port_value");
                int weight =
                        e.hasLoadBalancingWeight() ? e.getLoadBalancingWeight().getValue() : 1;
                dev.nantian.core.model.Endpoint ep = errors.attempt(
                        ew,
                        () -> new dev.nantian.core.model.Endpoint(
                                sa.getAddress(),
                                sa.getPortValue(),
                                weight,
                                zone,
                                e.getEndpoint().getHostname()));
                if (ep != null) {
                    out.add(ep);
                }
            }
        }
        return out;
    }

    private LoadBalancing loadBalancing(Cluster c, ClusterMeta meta, String where) {
        switch (c.getLbPolicy()) {
            case ROUND_ROBIN:
                return new LoadBalancing.RoundRobin();
            case LEAST_REQUEST:
                Protos.onlyFields(
                        c.getLeastRequestLbConfig(), errors, where + ": least_request_lb_config", "choice_count");
                int choices = c.getLeastRequestLbConfig().hasChoiceCount()
                        ? c.getLeastRequestLbConfig().getChoiceCount().getValue()
                        : 2;
                return errors.attempt(
                        where + ": least_request_lb_config", () -> new LoadBalancing.LeastRequest(choices));
            case RANDOM:
                return new LoadBalancing.Random();
            case RING_HASH:
            case MAGLEV:
                if (meta == null || !meta.hasHashKey()) {
                    errors.add(where, "lb_policy " + c.getLbPolicy() + " needs the hash key in nantian metadata");
                    return null;
                }
                return errors.attempt(
                        where + ": metadata.hash_key",
                        () -> new LoadBalancing.ConsistentHash(IrProtos.hashKey(meta.getHashKey())));
            default:
                errors.add(where, "lb_policy " + c.getLbPolicy() + " is not supported");
                return null;
        }
    }

    private Optional<dev.nantian.core.model.HealthCheck> healthCheck(Cluster c, String where) {
        if (c.getHealthChecksCount() == 0) {
            return Optional.empty();
        }
        if (c.getHealthChecksCount() > 1) {
            errors.add(where, "only one health check is supported");
            return null;
        }
        HealthCheck h = c.getHealthChecks(0);
        String hw = where + ": health_checks[0]";
        Protos.onlyFields(
                h, errors, hw, "timeout", "interval", "healthy_threshold", "unhealthy_threshold", "http_health_check");
        if (!h.hasHttpHealthCheck()) {
            errors.add(hw, "only HTTP health checks are supported");
            return null;
        }
        HealthCheck.HttpHealthCheck http = h.getHttpHealthCheck();
        Protos.onlyFields(http, errors, hw + ".http_health_check", "path", "host", "expected_statuses");
        int min = 200;
        int max = 200; // Envoy's default: 200 only
        if (http.getExpectedStatusesCount() > 1) {
            errors.add(hw + ".http_health_check.expected_statuses", "only one range is supported");
        } else if (http.getExpectedStatusesCount() == 1) {
            Int64Range r = http.getExpectedStatuses(0);
            min = (int) r.getStart();
            max = (int) r.getEnd() - 1;
        }
        int fmin = min;
        int fmax = max;
        dev.nantian.core.model.HealthCheck out = errors.attempt(
                hw,
                () -> new dev.nantian.core.model.HealthCheck(
                        http.getPath(),
                        http.getHost().isEmpty() ? Optional.empty() : Optional.of(http.getHost()),
                        Protos.duration(h.getInterval()),
                        Protos.duration(h.getTimeout()),
                        h.getHealthyThreshold().getValue(),
                        h.getUnhealthyThreshold().getValue(),
                        fmin,
                        fmax));
        return out == null ? null : Optional.of(out);
    }

    private Optional<dev.nantian.core.model.OutlierDetection> outlier(Cluster c, String where) {
        if (!c.hasOutlierDetection()) {
            return Optional.empty();
        }
        OutlierDetection o = c.getOutlierDetection();
        String ow = where + ": outlier_detection";
        Protos.onlyFields(o, errors, ow, "consecutive_5xx", "base_ejection_time", "max_ejection_percent");
        // Envoy's defaults for absent fields
        int failures = o.hasConsecutive5Xx() ? o.getConsecutive5Xx().getValue() : 5;
        Duration base = o.hasBaseEjectionTime() ? Protos.duration(o.getBaseEjectionTime()) : Duration.ofSeconds(30);
        int percent = o.hasMaxEjectionPercent() ? o.getMaxEjectionPercent().getValue() : 10;
        var out = errors.attempt(ow, () -> new dev.nantian.core.model.OutlierDetection(failures, base, percent));
        return out == null ? null : Optional.of(out);
    }

    private Optional<UpstreamTls> upstreamTls(Cluster c, ClusterMeta meta, String where) {
        String tw = where + ": transport_socket";
        Protos.onlyFields(c.getTransportSocket(), errors, tw, "name", "typed_config");
        UpstreamTlsContext ctx = Protos.unpack(
                c.getTransportSocket().getTypedConfig(), UpstreamTlsContext.class, errors, tw + ".typed_config");
        if (ctx == null) {
            return null;
        }
        Protos.onlyFields(ctx, errors, tw, "sni", "common_tls_context");
        CommonTlsContext common = ctx.getCommonTlsContext();
        String cw = tw + ".common_tls_context";
        Protos.onlyFields(
                common,
                errors,
                cw,
                "tls_certificate_sds_secret_configs",
                "validation_context",
                "combined_validation_context",
                "validation_context_sds_secret_config",
                "alpn_protocols");
        List<String> cas = new ArrayList<>();
        CertificateValidationContext validation;
        if (common.hasCombinedValidationContext()) {
            var combined = common.getCombinedValidationContext();
            Protos.onlyFields(
                    combined,
                    errors,
                    cw + ".combined_validation_context",
                    "default_validation_context",
                    "validation_context_sds_secret_config");
            cas.add(combined.getValidationContextSdsSecretConfig().getName());
            validation = combined.getDefaultValidationContext();
        } else if (common.hasValidationContextSdsSecretConfig()) {
            cas.add(common.getValidationContextSdsSecretConfig().getName());
            validation = CertificateValidationContext.getDefaultInstance();
        } else {
            validation = common.getValidationContext();
            if (!validation.hasSystemRootCerts()) {
                errors.add(cw, "upstream TLS needs a CA secret or system_root_certs; unverified TLS is not supported");
                return null;
            }
        }
        if (meta != null) {
            cas.addAll(meta.getExtraCaSecretsList());
        }
        Protos.onlyFields(
                validation, errors, cw + ".validation_context", "match_typed_subject_alt_names", "system_root_certs");
        List<UpstreamTls.SubjectAltName> sans = new ArrayList<>();
        for (SubjectAltNameMatcher m : validation.getMatchTypedSubjectAltNamesList()) {
            String sw = cw + ".validation_context.match_typed_subject_alt_names";
            if (!m.getMatcher().hasExact() || m.getMatcher().getIgnoreCase()) {
                errors.add(sw, "only exact matchers are supported");
                continue;
            }
            UpstreamTls.SubjectAltName.Type type;
            if (m.getSanType() == SubjectAltNameMatcher.SanType.DNS) {
                type = UpstreamTls.SubjectAltName.Type.HOSTNAME;
            } else if (m.getSanType() == SubjectAltNameMatcher.SanType.URI) {
                type = UpstreamTls.SubjectAltName.Type.URI;
            } else {
                errors.add(sw, "san_type " + m.getSanType() + " is not supported");
                continue;
            }
            var san = errors.attempt(
                    sw,
                    () -> new UpstreamTls.SubjectAltName(type, m.getMatcher().getExact()));
            if (san != null) {
                sans.add(san);
            }
        }
        // the SNI as the only DNS name is what the IR means by "no subject alt names"
        if (sans.size() == 1
                && sans.get(0).type() == UpstreamTls.SubjectAltName.Type.HOSTNAME
                && sans.get(0).value().equals(ctx.getSni())) {
            sans.clear();
        }
        Optional<String> clientCert = Optional.empty();
        if (common.getTlsCertificateSdsSecretConfigsCount() > 1) {
            errors.add(cw, "at most one client certificate is supported");
        } else if (common.getTlsCertificateSdsSecretConfigsCount() == 1) {
            clientCert = Optional.of(common.getTlsCertificateSdsSecretConfigs(0).getName());
        }
        Optional<String> cc = clientCert;
        UpstreamTls out = errors.attempt(tw, () -> new UpstreamTls(cas, ctx.getSni(), sans, cc));
        return out == null ? null : Optional.of(out);
    }

    private UpstreamProtocol protocol(Cluster c, ClusterMeta meta, boolean tls, String where) {
        boolean h2 = false;
        for (Map.Entry<String, Any> e : c.getTypedExtensionProtocolOptionsMap().entrySet()) {
            String pw = where + ": typed_extension_protocol_options[" + e.getKey() + "]";
            if (!e.getKey().equals(Names.HTTP_PROTOCOL_OPTIONS)) {
                errors.add(pw, "is not supported");
                continue;
            }
            HttpProtocolOptions o = Protos.unpack(e.getValue(), HttpProtocolOptions.class, errors, pw);
            if (o == null) {
                return null;
            }
            Protos.onlyFields(o, errors, pw, "explicit_http_config");
            Protos.onlyFields(
                    o.getExplicitHttpConfig(),
                    errors,
                    pw + ".explicit_http_config",
                    "http_protocol_options",
                    "http2_protocol_options");
            Protos.onlyFields(
                    o.getExplicitHttpConfig().getHttp2ProtocolOptions(),
                    errors,
                    pw + ".explicit_http_config.http2_protocol_options");
            h2 = o.getExplicitHttpConfig().hasHttp2ProtocolOptions();
        }
        UpstreamProtocol implied = h2 ? (tls ? UpstreamProtocol.H2 : UpstreamProtocol.H2C) : UpstreamProtocol.HTTP_1_1;
        if (meta == null || meta.getProtocol() == ClusterMeta.Protocol.PROTOCOL_UNSPECIFIED) {
            return implied;
        }
        UpstreamProtocol declared;
        try {
            declared = UpstreamProtocol.valueOf(meta.getProtocol().name());
        } catch (IllegalArgumentException e) {
            errors.add(where + ": metadata.protocol", "unknown protocol " + meta.getProtocol());
            return null;
        }
        boolean declaredH2 = declared == UpstreamProtocol.H2 || declared == UpstreamProtocol.H2C;
        if (declaredH2 != h2) {
            errors.add(where, "metadata protocol " + declared + " contradicts the HTTP protocol options");
            return null;
        }
        return declared;
    }
}
