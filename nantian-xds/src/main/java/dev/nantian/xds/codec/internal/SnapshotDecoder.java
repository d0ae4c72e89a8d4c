package dev.nantian.xds.codec.internal;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.proto.config.v1.Extension;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Decodes a whole resource set; see {@link dev.nantian.xds.codec.EnvoyCodec#decode}. */
public final class SnapshotDecoder {
    private SnapshotDecoder() {}

    public static ConfigSnapshot decode(XdsResources r) {
        Errors errors = new Errors();
        Map<String, ClusterLoadAssignment> assignments = byName(
                r.clusterLoadAssignments(), ClusterLoadAssignment::getClusterName, "ClusterLoadAssignment", errors);
        Map<String, RouteConfiguration> routeConfigurations =
                byName(r.routeConfigurations(), RouteConfiguration::getName, "RouteConfiguration", errors);
        byName(r.listeners(), io.envoyproxy.envoy.config.listener.v3.Listener::getName, "Listener", errors);
        byName(r.clusters(), io.envoyproxy.envoy.config.cluster.v3.Cluster::getName, "Cluster", errors);
        byName(r.secrets(), Secret::getName, "Secret", errors);

        ConfigSnapshot.Builder b = ConfigSnapshot.builder(r.version());
        ClusterDecoder clusterDecoder = new ClusterDecoder(assignments, errors);
        Map<String, dev.nantian.core.model.Cluster> clusters = new LinkedHashMap<>();
        for (var c : r.clusters()) {
            dev.nantian.core.model.Cluster cluster = clusterDecoder.decode(c);
            if (cluster != null) {
                clusters.putIfAbsent(cluster.name(), cluster);
                b.addCluster(cluster);
            }
        }
        ListenerDecoder listeners =
                new ListenerDecoder(routeConfigurations, new RouteDecoder(clusters, errors), errors);
        for (var l : r.listeners()) {
            if (l.hasApiListener()) {
                // a proxyless gRPC client's listener (EnvoyCodec#apiListener): it binds nothing, so a data plane
                // has nothing to serve from it
                continue;
            }
            dev.nantian.core.model.Listener listener = listeners.decode(l);
            if (listener != null) {
                b.addListener(listener);
            }
        }
        for (Secret s : r.secrets()) {
            dev.nantian.core.model.Secret secret = secret(s, errors);
            if (secret != null) {
                b.addSecret(secret);
            }
        }
        for (TypedExtensionConfig e : r.extensionConfigs()) {
            ExtensionConfig ext = extension(e, errors);
            if (ext != null) {
                b.addExtension(ext);
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors.list());
        }
        return b.build();
    }

    private static <T> Map<String, T> byName(List<T> resources, Function<T, String> name, String type, Errors errors) {
        Map<String, T> out = new LinkedHashMap<>();
        for (T t : resources) {
            if (out.putIfAbsent(name.apply(t), t) != null) {
                errors.add(type + " " + name.apply(t), "duplicate name");
            }
        }
        return out;
    }

    static dev.nantian.core.model.Secret secret(Secret s, Errors errors) {
        String where = "Secret " + s.getName();
        Protos.onlyFields(s, errors, where, "name", "tls_certificate", "validation_context", "generic_secret");
        switch (s.getTypeCase()) {
            case TLS_CERTIFICATE:
                var tc = s.getTlsCertificate();
                Protos.onlyFields(tc, errors, where + ": tls_certificate", "certificate_chain", "private_key");
                String chain = RouteDecoder.inlineText(
                        tc.getCertificateChain(), errors, where + ": tls_certificate.certificate_chain");
                String key =
                        RouteDecoder.inlineText(tc.getPrivateKey(), errors, where + ": tls_certificate.private_key");
                return errors.attempt(
                        where, () -> new dev.nantian.core.model.Secret.TlsKeyPair(s.getName(), chain, key));
            case VALIDATION_CONTEXT:
                var vc = s.getValidationContext();
                Protos.onlyFields(vc, errors, where + ": validation_context", "trusted_ca");
                String pem =
                        RouteDecoder.inlineText(vc.getTrustedCa(), errors, where + ": validation_context.trusted_ca");
                return errors.attempt(where, () -> new dev.nantian.core.model.Secret.CaBundle(s.getName(), pem));
            case GENERIC_SECRET:
                var g = s.getGenericSecret();
                Protos.onlyFields(g, errors, where + ": generic_secret", "secrets");
                Map<String, String> data = new LinkedHashMap<>();
                g.getSecretsMap()
                        .forEach((k, v) -> data.put(
                                k, RouteDecoder.inlineText(v, errors, where + ": generic_secret.secrets[" + k + "]")));
                return errors.attempt(where, () -> new dev.nantian.core.model.Secret.Generic(s.getName(), data));
            default:
                errors.add(where, "secret type " + s.getTypeCase() + " is not supported");
                return null;
        }
    }

    static ExtensionConfig extension(TypedExtensionConfig e, Errors errors) {
        String where = "TypedExtensionConfig " + e.getName();
        Extension x = Protos.unpack(e.getTypedConfig(), Extension.class, errors, where + ": typed_config");
        if (x == null) {
            return null;
        }
        String expected = SnapshotEncoder.extensionName(x.getGroup(), x.getKind(), x.getNamespace(), x.getName());
        if (!e.getName().equals(expected)) {
            errors.add(where, "name must be " + expected);
            return null;
        }
        Map<String, Object> spec = StructCodec.fromStruct(x.getSpec(), where + ": typed_config.spec", errors);
        return errors.attempt(
                where, () -> new ExtensionConfig(x.getGroup(), x.getKind(), x.getNamespace(), x.getName(), spec));
    }
}
