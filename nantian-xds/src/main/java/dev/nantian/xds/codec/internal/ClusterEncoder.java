package dev.nantian.xds.codec.internal;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.xds.proto.config.v1.ClusterMeta;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Int64Range;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encodes IR clusters. Clusters whose endpoints are all IP literals are EDS clusters with a separate
 * {@link ClusterLoadAssignment}; clusters with DNS names are STRICT_DNS clusters that carry their endpoints inline,
 * because EDS endpoints must be addresses.
 */
public final class ClusterEncoder {
    private ClusterEncoder() {}

    /** Whether {@code c} is sent as an EDS cluster (with {@link #assignment}) rather than with inline endpoints. */
    public static boolean usesEds(dev.nantian.core.model.Cluster c) {
        return c.endpoints().stream().allMatch(e -> Addresses.isIpLiteral(e.address()));
    }

    public static Cluster cluster(dev.nantian.core.model.Cluster c) {
        ClusterMeta.Builder meta = ClusterMeta.newBuilder().setProtocol(protocol(c.protocol()));
        Cluster.Builder b =
                Cluster.newBuilder().setName(c.name()).setConnectTimeout(Protos.duration(c.connectTimeout()));
        if (usesEds(c)) {
            b.setType(Cluster.DiscoveryType.EDS)
                    .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                            .setEdsConfig(Protos.ads())
                            .setServiceName(c.name()));
        } else {
            b.setType(Cluster.DiscoveryType.STRICT_DNS).setLoadAssignment(assignment(c));
        }
        LoadBalancing lb = c.loadBalancing();
        if (lb instanceof LoadBalancing.RoundRobin) {
            b.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
        } else if (lb instanceof LoadBalancing.LeastRequest lr) {
            b.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                    .setLeastRequestLbConfig(
                            Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(lr.choiceCount())));
        } else if (lb instanceof LoadBalancing.Random) {
            b.setLbPolicy(Cluster.LbPolicy.RANDOM);
        } else {
            b.setLbPolicy(Cluster.LbPolicy.RING_HASH);
            meta.setHashKey(IrProtos.hashKey(((LoadBalancing.ConsistentHash) lb).key()));
        }
        c.healthCheck().ifPresent(h -> b.addHealthChecks(healthCheck(h)));
        c.outlierDetection()
                .ifPresent(o -> b.setOutlierDetection(OutlierDetection.newBuilder()
                        .setConsecutive5Xx(UInt32Value.of(o.consecutiveFailures()))
                        .setBaseEjectionTime(Protos.duration(o.baseEjectionTime()))
                        .setMaxEjectionPercent(UInt32Value.of(o.maxEjectionPercent()))));
        c.tls().ifPresent(tls -> {
            b.setTransportSocket(TransportSocket.newBuilder()
                    .setName(Names.TLS_TRANSPORT_SOCKET)
                    .setTypedConfig(Any.pack(upstreamTls(tls, c.protocol()))));
            if (tls.caCertificates().size() > 1) {
                meta.addAllExtraCaSecrets(
                        tls.caCertificates().subList(1, tls.caCertificates().size()));
            }
        });
        if (c.protocol() == UpstreamProtocol.H2 || c.protocol() == UpstreamProtocol.H2C) {
            b.putTypedExtensionProtocolOptions(
                    Names.HTTP_PROTOCOL_OPTIONS,
                    Any.pack(HttpProtocolOptions.newBuilder()
                            .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                            .build()));
        }
        return b.setMetadata(Protos.metadata(meta.build())).build();
    }

    static ClusterMeta.Protocol protocol(UpstreamProtocol p) {
        switch (p) {
            case HTTP_1_1:
                return ClusterMeta.Protocol.HTTP_1_1;
            case H2C:
                return ClusterMeta.Protocol.H2C;
            case H2:
                return ClusterMeta.Protocol.H2;
            case WEBSOCKET:
                return ClusterMeta.Protocol.WEBSOCKET;
            default:
                return ClusterMeta.Protocol.RAW;
        }
    }

    private static HealthCheck healthCheck(dev.nantian.core.model.HealthCheck h) {
        HealthCheck.HttpHealthCheck.Builder http = HealthCheck.HttpHealthCheck.newBuilder()
                .setPath(h.path())
                // Envoy ranges are half-open
                .addExpectedStatuses(
                        Int64Range.newBuilder().setStart(h.expectedStatusMin()).setEnd(h.expectedStatusMax() + 1L));
        h.host().ifPresent(http::setHost);
        return HealthCheck.newBuilder()
                .setTimeout(Protos.duration(h.timeout()))
                .setInterval(Protos.duration(h.interval()))
                .setHealthyThreshold(UInt32Value.of(h.healthyThreshold()))
                .setUnhealthyThreshold(UInt32Value.of(h.unhealthyThreshold()))
                .setHttpHealthCheck(http)
                .build();
    }

    private static UpstreamTlsContext upstreamTls(UpstreamTls tls, UpstreamProtocol protocol) {
        CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
        if (tls.subjectAltNames().isEmpty()) {
            // Envoy verifies no name unless told; the IR verifies the SNI then
            validation.addMatchTypedSubjectAltNames(san(SubjectAltNameMatcher.SanType.DNS, tls.sni()));
        }
        for (UpstreamTls.SubjectAltName san : tls.subjectAltNames()) {
            validation.addMatchTypedSubjectAltNames(san(
                    san.type() == UpstreamTls.SubjectAltName.Type.HOSTNAME
                            ? SubjectAltNameMatcher.SanType.DNS
                            : SubjectAltNameMatcher.SanType.URI,
                    san.value()));
        }
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
        if (tls.caCertificates().isEmpty()) {
            validation.setSystemRootCerts(CertificateValidationContext.SystemRootCerts.getDefaultInstance());
            common.setValidationContext(validation);
        } else {
            common.setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                    .setDefaultValidationContext(validation)
                    .setValidationContextSdsSecretConfig(
                            sds(tls.caCertificates().get(0))));
        }
        tls.clientCertificate().ifPresent(cert -> common.addTlsCertificateSdsSecretConfigs(sds(cert)));
        if (protocol == UpstreamProtocol.H2) {
            common.addAlpnProtocols("h2");
        }
        return UpstreamTlsContext.newBuilder()
                .setSni(tls.sni())
                .setCommonTlsContext(common)
                .build();
    }

    static SdsSecretConfig sds(String name) {
        return SdsSecretConfig.newBuilder()
                .setName(name)
                .setSdsConfig(Protos.ads())
                .build();
    }

    private static SubjectAltNameMatcher san(SubjectAltNameMatcher.SanType type, String value) {
        return SubjectAltNameMatcher.newBuilder()
                .setSanType(type)
                .setMatcher(StringMatcher.newBuilder().setExact(value))
                .build();
    }

    /**
     * The endpoints of {@code c}, one locality per zone in order of first appearance (endpoints of one zone keep
     * their order; endpoints without a zone share the locality without one).
     */
    public static ClusterLoadAssignment assignment(dev.nantian.core.model.Cluster c) {
        Map<String, LocalityLbEndpoints.Builder> byZone = new LinkedHashMap<>();
        for (dev.nantian.core.model.Endpoint e : c.endpoints()) {
            String zone = e.zone().orElse("");
            LocalityLbEndpoints.Builder locality = byZone.computeIfAbsent(zone, z -> {
                LocalityLbEndpoints.Builder lb = LocalityLbEndpoints.newBuilder();
                if (!z.isEmpty()) {
                    lb.setLocality(Locality.newBuilder().setZone(z));
                }
                return lb;
            });
            Endpoint.Builder eb = Endpoint.newBuilder()
                    .setAddress(Address.newBuilder()
                            .setSocketAddress(SocketAddress.newBuilder()
                                    .setAddress(e.address())
                                    .setPortValue(e.port())));
            if (!e.hostname().isEmpty()) {
                eb.setHostname(e.hostname());
            }
            locality.addLbEndpoints(
                    LbEndpoint.newBuilder().setEndpoint(eb).setLoadBalancingWeight(UInt32Value.of(e.weight())));
        }
        ClusterLoadAssignment.Builder b = ClusterLoadAssignment.newBuilder().setClusterName(c.name());
        for (LocalityLbEndpoints.Builder locality : byZone.values()) {
            // Proxyless gRPC ignores localities without a weight; the sum of the endpoint weights keeps every
            // endpoint's share what the IR says. Envoy uses locality weights only when told to, so it is unaffected.
            long sum = 0;
            for (LbEndpoint e : locality.getLbEndpointsList()) {
                sum += e.getLoadBalancingWeight().getValue();
            }
            locality.setLoadBalancingWeight(UInt32Value.of((int) Math.min(sum, Integer.MAX_VALUE)));
            b.addEndpoints(locality);
        }
        return b.build();
    }
}
