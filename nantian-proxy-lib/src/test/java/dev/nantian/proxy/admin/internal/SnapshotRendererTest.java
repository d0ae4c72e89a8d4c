package dev.nantian.proxy.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.admin.Json;
import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.core.model.VirtualHost;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SnapshotRendererTest {
    static final String PRIVATE_KEY =
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIKEYMATERIALKEYMATERIAL\n-----END PRIVATE KEY-----\n";
    static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIBCERTMATERIAL\n-----END CERTIFICATE-----\n";
    static final String CA = "-----BEGIN CERTIFICATE-----\nMIIBCAMATERIAL\n-----END CERTIFICATE-----\n";
    static final String API_KEY = "sk-live-0123456789abcdef";

    static ConfigSnapshot snapshotWithSecrets() {
        HttpRoute route = HttpRoute.builder(
                        RouteMeta.of("ns", "web"), new RouteAction.Forward(List.of(Backend.ClusterBackend.of("web"))))
                .match(HttpRouteMatch.path(new PathMatch.Prefix("/")))
                .build();
        return ConfigSnapshot.builder("v7")
                .addSecret(new Secret.TlsKeyPair("ns/tls", CERT, PRIVATE_KEY))
                .addSecret(new Secret.CaBundle("ns/ca", CA))
                .addSecret(new Secret.Generic("ns/openai", Map.of("apiKey", API_KEY)))
                .addCluster(Cluster.builder("web")
                        .addEndpoint(Endpoint.of("10.0.0.1", 8443))
                        .tls(new UpstreamTls(List.of("ns/ca"), "web.internal", List.of(), Optional.of("ns/tls")))
                        .build())
                .addListener(Listener.builder(
                                "ns/gw/https",
                                443,
                                ListenerProtocol.HTTPS,
                                new ListenerRoutes.Http(List.of(new VirtualHost("any", List.of("*"), List.of(route)))))
                        .tls(ListenerTls.terminate(List.of("ns/tls")))
                        .build())
                .addExtension(new ExtensionConfig(
                        "gateway.nantian.dev", "AIService", "ns", "chat", Map.of("inlineKey", API_KEY)))
                .build();
    }

    @Test
    void secretsAppearByNameOnly() {
        String json = Json.write(SnapshotRenderer.render(snapshotWithSecrets()));
        assertThat(json)
                .doesNotContain(PRIVATE_KEY.substring(0, 20))
                .doesNotContain("KEYMATERIAL")
                .doesNotContain("CERTMATERIAL")
                .doesNotContain("CAMATERIAL")
                .doesNotContain(API_KEY)
                .doesNotContain("BEGIN")
                .contains("\"ns/tls\"", "\"ns/ca\"", "\"ns/openai\"", "\"apiKey\"");
    }

    @Test
    void modelIsRenderedWithVariantTypesAndWithoutEmptyOptionals() throws Exception {
        JsonNode root =
                JsonMapper.builder().build().readTree(Json.write(SnapshotRenderer.render(snapshotWithSecrets())));
        assertThat(root.get("version").asString()).isEqualTo("v7");
        JsonNode listener = root.get("listeners").get(0);
        assertThat(listener.get("name").asString()).isEqualTo("ns/gw/https");
        assertThat(listener.get("protocol").asString()).isEqualTo("HTTPS");
        assertThat(listener.get("tls").get("certificates").get(0).asString()).isEqualTo("ns/tls");
        assertThat(listener.has("hostname")).isFalse();
        JsonNode route =
                listener.get("routes").get("virtualHosts").get(0).get("routes").get(0);
        assertThat(listener.get("routes").get("type").asString()).isEqualTo("Http");
        assertThat(route.get("action").get("type").asString()).isEqualTo("Forward");
        assertThat(route.get("match").get("path").get("type").asString()).isEqualTo("Prefix");
        assertThat(route.get("meta").get("name").asString()).isEqualTo("web");
        JsonNode cluster = root.get("clusters").get(0);
        assertThat(cluster.get("connectTimeout").asString()).isEqualTo("PT5S");
        assertThat(cluster.get("tls").get("caCertificates").get(0).asString()).isEqualTo("ns/ca");
        assertThat(root.get("secrets").findValuesAsString("type")).containsExactly("CaBundle", "Generic", "TlsKeyPair");
        assertThat(root.get("extensions").get(0).get("kind").asString()).isEqualTo("AIService");
        assertThat(root.get("extensions").get(0).get("spec").asString()).isEqualTo(SnapshotRenderer.REDACTED);
    }
}
