package dev.nantian.xds.codec.internal;

import com.google.protobuf.Any;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.proto.config.v1.Extension;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.util.TreeMap;

/** Encodes a whole snapshot; see {@link dev.nantian.xds.codec.EnvoyCodec#encode}. */
public final class SnapshotEncoder {
    private SnapshotEncoder() {}

    public static XdsResources encode(ConfigSnapshot snapshot) {
        XdsResources.Builder b = XdsResources.builder(snapshot.version());
        RouteEncoder routes = new RouteEncoder(snapshot.clusters());
        for (dev.nantian.core.model.Listener l : snapshot.listeners()) {
            b.addListener(ListenerEncoder.listener(l));
            if (l.routes() instanceof ListenerRoutes.Http http) {
                b.addRouteConfiguration(routes.encode(l.name(), http.virtualHosts()));
            }
        }
        for (dev.nantian.core.model.Cluster c : snapshot.clusters().values()) {
            b.addCluster(ClusterEncoder.cluster(c));
            if (ClusterEncoder.usesEds(c)) {
                b.addClusterLoadAssignment(ClusterEncoder.assignment(c));
            }
        }
        // secrets by name: the IR map has no order, the wire form should be stable
        new TreeMap<>(snapshot.secrets()).values().forEach(s -> b.addSecret(secret(s)));
        for (ExtensionConfig e : snapshot.extensions()) {
            b.addExtensionConfig(TypedExtensionConfig.newBuilder()
                    .setName(extensionName(e.group(), e.kind(), e.namespace(), e.name()))
                    .setTypedConfig(Any.pack(Extension.newBuilder()
                            .setGroup(e.group())
                            .setKind(e.kind())
                            .setNamespace(e.namespace())
                            .setName(e.name())
                            .setSpec(StructCodec.toStruct(e.spec()))
                            .build()))
                    .build());
        }
        return b.build();
    }

    /** The ECDS resource name of an extension object. */
    public static String extensionName(String group, String kind, String namespace, String name) {
        return group + "/" + kind + "/" + namespace + "/" + name;
    }

    static Secret secret(dev.nantian.core.model.Secret s) {
        Secret.Builder b = Secret.newBuilder().setName(s.name());
        if (s instanceof dev.nantian.core.model.Secret.TlsKeyPair kp) {
            b.setTlsCertificate(TlsCertificate.newBuilder()
                    .setCertificateChain(inline(kp.certificateChainPem()))
                    .setPrivateKey(inline(kp.privateKeyPem())));
        } else if (s instanceof dev.nantian.core.model.Secret.CaBundle ca) {
            b.setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(inline(ca.pem())));
        } else {
            GenericSecret.Builder g = GenericSecret.newBuilder();
            ((dev.nantian.core.model.Secret.Generic) s).data().forEach((k, v) -> g.putSecrets(k, inline(v)));
            b.setGenericSecret(g);
        }
        return b.build();
    }

    private static DataSource inline(String value) {
        return DataSource.newBuilder().setInlineString(value).build();
    }
}
