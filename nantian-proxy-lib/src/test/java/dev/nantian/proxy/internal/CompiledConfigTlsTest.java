package dev.nantian.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.core.model.VirtualHost;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CompiledConfigTlsTest {

    @Test
    void unusableTlsMaterialRejectsTheSnapshotListingEveryProblem() {
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addSecret(new Secret.TlsKeyPair("ns/broken", "not a certificate", "not a key"))
                .addSecret(new Secret.CaBundle("ns/ca", "no PEM here"))
                .addCluster(Cluster.builder("backend")
                        .addEndpoint(Endpoint.of("127.0.0.1", 8443))
                        .tls(new UpstreamTls(List.of("ns/ca"), "backend.example.com", List.of(), Optional.empty()))
                        .build())
                .addListener(Listener.builder(
                                "https",
                                443,
                                ListenerProtocol.HTTPS,
                                new ListenerRoutes.Http(List.of(new VirtualHost("v", List.of("*"), List.of()))))
                        .address("127.0.0.1")
                        .tls(ListenerTls.terminate(List.of("ns/broken")))
                        .build())
                .build();

        ConfigValidationException e =
                catchThrowableOfType(ConfigValidationException.class, () -> CompiledConfig.compile(snapshot));

        assertThat(e.errors())
                .containsExactlyInAnyOrder(
                        "cluster backend CA bundle ns/ca: no PEM certificate found",
                        "listener https certificate ns/broken: no PEM certificate found");
        assertThat(e.getMessage()).doesNotContain("not a key");
    }
}
