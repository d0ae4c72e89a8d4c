package dev.nantian.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.NantianException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigSnapshotTest {

    private static HttpRoute forwardTo(String cluster) {
        return HttpRoute.builder(
                        RouteMeta.of("default", "web"),
                        new RouteAction.Forward(List.of(Backend.ClusterBackend.of(cluster))))
                .build();
    }

    private static Listener http(String name, int port, Optional<String> hostname, HttpRoute... routes) {
        Listener.Builder b = Listener.builder(
                name,
                port,
                ListenerProtocol.HTTP,
                new ListenerRoutes.Http(List.of(new VirtualHost("any", List.of("*"), List.of(routes)))));
        hostname.ifPresent(b::hostname);
        return b.build();
    }

    @Test
    void buildsAConsistentSnapshot() {
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addCluster(Cluster.builder("default/web:80")
                        .addEndpoint(Endpoint.of("127.0.0.1", 8080))
                        .build())
                .addListener(http("default/gw/http", 8000, Optional.empty(), forwardTo("default/web:80")))
                .build();

        assertThat(snapshot.version()).isEqualTo("v1");
        assertThat(snapshot.cluster("default/web:80")).isPresent();
        assertThat(snapshot.listeners()).hasSize(1);
    }

    @Test
    void reportsEveryDanglingReferenceAtOnce() {
        HttpRoute mirrored = HttpRoute.builder(
                        RouteMeta.of("default", "web"),
                        new RouteAction.Forward(List.of(Backend.ClusterBackend.of("missing-a"))))
                .addFilter(new RouteFilter.RequestMirror("missing-b", Optional.empty()))
                .build();
        Listener https = Listener.builder(
                        "default/gw/https",
                        8443,
                        ListenerProtocol.HTTPS,
                        new ListenerRoutes.Http(List.of(new VirtualHost("any", List.of("*"), List.of(mirrored)))))
                .tls(ListenerTls.terminate(List.of("default/no-such-cert")))
                .build();

        assertThatThrownBy(() -> ConfigSnapshot.builder("v1").addListener(https).build())
                .isInstanceOfSatisfying(ConfigValidationException.class, e -> {
                    assertThat(e.category()).isEqualTo(NantianException.Category.CONFIG);
                    assertThat(e.errors())
                            .hasSize(3)
                            .anySatisfy(m -> assertThat(m).contains("unknown secret default/no-such-cert"))
                            .anySatisfy(m -> assertThat(m).contains("unknown cluster missing-a"))
                            .anySatisfy(m -> assertThat(m).contains("unknown cluster missing-b"));
                });
    }

    @Test
    void rejectsASecretOfTheWrongType() {
        Listener https = Listener.builder("l", 8443, ListenerProtocol.HTTPS, new ListenerRoutes.Http(List.of()))
                .tls(ListenerTls.terminate(List.of("default/ca")))
                .build();

        assertThatThrownBy(() -> ConfigSnapshot.builder("v1")
                        .addSecret(new Secret.CaBundle("default/ca", "-----BEGIN CERTIFICATE-----"))
                        .addListener(https)
                        .build())
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("default/ca which is not a TlsKeyPair");
    }

    @Test
    void rejectsDuplicateNames() {
        Cluster c = Cluster.builder("c").build();
        assertThatThrownBy(() -> ConfigSnapshot.builder("v1")
                        .addCluster(c)
                        .addCluster(c)
                        .addListener(http("l", 80, Optional.empty()))
                        .addListener(http("l", 81, Optional.empty()))
                        .build())
                .isInstanceOfSatisfying(ConfigValidationException.class, e -> assertThat(e.errors())
                        .containsExactlyInAnyOrder("duplicate cluster name c", "duplicate listener name l"));
    }

    @Test
    void letsHttpListenersShareAPortWithDistinctHostnames() {
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addListener(http("a", 80, Optional.of("a.example.com")))
                .addListener(http("b", 80, Optional.of("*.example.com")))
                .addListener(http("c", 80, Optional.empty()))
                .build();

        assertThat(snapshot.listeners()).hasSize(3);
    }

    @Test
    void refusesListenersThatCannotShareAPort() {
        Listener tcp = Listener.builder("tcp", 80, ListenerProtocol.TCP, new ListenerRoutes.Tcp(List.of()))
                .build();

        assertThatThrownBy(() -> ConfigSnapshot.builder("v1")
                        .addListener(http("a", 80, Optional.empty()))
                        .addListener(tcp)
                        .addListener(http("b", 81, Optional.of("x.example.com")))
                        .addListener(http("c", 81, Optional.of("x.example.com")))
                        .build())
                .isInstanceOfSatisfying(ConfigValidationException.class, e -> assertThat(e.errors())
                        .hasSize(2)
                        .anySatisfy(m -> assertThat(m).contains("cannot share tcp/0.0.0.0:80"))
                        .anySatisfy(m -> assertThat(m).contains("repeat hostname x.example.com")));
    }

    @Test
    void udpAndTcpMayUseTheSamePortNumber() {
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addListener(Listener.builder("t", 53, ListenerProtocol.TCP, new ListenerRoutes.Tcp(List.of()))
                        .build())
                .addListener(Listener.builder("u", 53, ListenerProtocol.UDP, new ListenerRoutes.Udp(List.of()))
                        .build())
                .build();

        assertThat(snapshot.listeners()).hasSize(2);
    }

    @Test
    void neverPrintsSecrets() {
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addSecret(new Secret.TlsKeyPair("default/cert", "CERT", "PRIVATE-KEY-MATERIAL"))
                .addSecret(new Secret.Generic("default/api", Map.of("apiKey", "sk-SECRET")))
                .build();

        assertThat(snapshot.toString()).doesNotContain("PRIVATE-KEY-MATERIAL", "sk-SECRET");
        assertThat(snapshot.secrets().values().toString())
                .doesNotContain("PRIVATE-KEY-MATERIAL", "sk-SECRET")
                .contains("default/cert", "apiKey");
    }
}
