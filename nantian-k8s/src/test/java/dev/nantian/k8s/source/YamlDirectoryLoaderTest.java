package dev.nantian.k8s.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.nantian.k8s.crd.AIService;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class YamlDirectoryLoaderTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(
                YamlDirectoryLoaderTest.class.getResource("/fixtures/" + name).toURI());
    }

    @Test
    void loadsEveryDocumentOfEveryYamlFileRecursivelyAndKeepsGoingPastBadOnes() throws Exception {
        LoadResult result = YamlDirectoryLoader.builder().build().load(fixture("loader"));

        assertThat(result.resources().namespaces()).hasSize(1);
        assertThat(result.resources().services()).hasSize(1);
        assertThat(result.resources().httpRoutes())
                .extracting(r -> r.getMetadata().getName())
                .containsExactly("fine");
        assertThat(result.resources().gateways()).isEmpty();
        assertThat(result.errors()).extracting(LoadError::toString).hasSize(3);
    }

    @Test
    void errorsNameTheFileTheDocumentIndexAndTheField() throws Exception {
        LoadResult result = YamlDirectoryLoader.builder().build().load(fixture("loader"));
        String file = Path.of("nested", "mixed.yml").toString();

        assertThat(result.errors())
                .anySatisfy(e -> {
                    assertThat(e.file()).isEqualTo(file);
                    assertThat(e.documentIndex()).isEqualTo(0);
                    assertThat(e.field()).isEqualTo("kind");
                    assertThat(e.message()).contains("unknown kind apps/v1 Deployment");
                })
                .anySatisfy(e -> {
                    assertThat(e.documentIndex()).isEqualTo(1);
                    assertThat(e.field()).isEqualTo("spec.listeners[0].port");
                    assertThat(e.message()).contains("Gateway bad-port").contains("1..65535");
                })
                .anySatisfy(e -> {
                    assertThat(e.documentIndex()).isEqualTo(2);
                    assertThat(e.field()).isEqualTo("spec.parentRefs[0].port");
                });
    }

    @Test
    void reportsBrokenYamlAndStopsAtTheObjectLimit(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("a.yaml"),
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n"
                        + "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
        Files.writeString(dir.resolve("b.yaml"), "key: [unclosed\n");

        LoadResult limited = YamlDirectoryLoader.builder().maxObjects(1).build().load(dir);
        assertThat(limited.resources().size()).isEqualTo(1);
        assertThat(limited.errors()).singleElement().satisfies(e -> assertThat(e.message())
                .contains("more than 1 objects"));

        LoadResult all = YamlDirectoryLoader.builder().build().load(dir);
        assertThat(all.resources().size()).isEqualTo(2);
        assertThat(all.errors()).singleElement().satisfies(e -> {
            assertThat(e.file()).isEqualTo("b.yaml");
            assertThat(e.message()).startsWith("invalid YAML");
        });
    }

    @Test
    void loadsTheNewerGatewayApiKindsAndOurOwnAndChecksThemAsAdmissionWould(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("kinds.yaml"), """
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TCPRoute
                metadata: {name: tcp, namespace: a}
                spec:
                  parentRefs: [{name: gw}]
                  rules: [{backendRefs: [{name: db, port: 5432}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: ListenerSet
                metadata: {name: ls, namespace: a}
                spec:
                  parentRef: {name: gw}
                  listeners: [{name: x, port: 80, protocol: HTTP}]
                ---
                apiVersion: gateway.nantian.dev/v1alpha1
                kind: AIService
                metadata: {name: chat, namespace: a}
                spec:
                  providers: [{name: local, type: Ollama}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: BackendTLSPolicy
                metadata: {name: both, namespace: a}
                spec:
                  targetRefs: [{group: "", kind: Service, name: s}]
                  validation:
                    caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
                    wellKnownCACertificates: System
                    hostname: s.example.com
                ---
                apiVersion: gateway.nantian.dev/v1alpha1
                kind: WasmPlugin
                metadata: {name: nospec, namespace: a}
                """);

        LoadResult result = YamlDirectoryLoader.builder().build().load(dir);

        assertThat(result.resources().tcpRoutes()).hasSize(1);
        assertThat(result.resources().listenerSets()).hasSize(1);
        AIService ai = result.resources().aiServices().get(0);
        assertThat(ai.getSpec()).containsKey("providers");
        // our kinds write back as they were read, like fabric8's
        assertThat(JsonMapper.builder().build().writeValueAsString(ai))
                .contains("\"apiVersion\":\"gateway.nantian.dev/v1alpha1\"", "\"kind\":\"AIService\"")
                .doesNotContain("plural", "markedForDeletion");
        assertThat(result.errors())
                .extracting(LoadError::documentIndex, LoadError::field)
                .containsExactlyInAnyOrder(tuple(3, "spec.validation"), tuple(4, "spec"));
    }

    @Test
    void loadsBothBackendLbPolicyKindsApartByApiVersion(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("lb.yaml"), """
                apiVersion: gateway.nantian.dev/v1alpha1
                kind: BackendLBPolicy
                metadata: {name: ours, namespace: a}
                spec:
                  targetRefs: [{group: "", kind: Service, name: web}]
                  loadBalancer: {type: LeastRequest}
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: BackendLBPolicy
                metadata: {name: upstream, namespace: a}
                spec:
                  targetRefs: [{group: "", kind: Service, name: web}]
                  sessionPersistence: {sessionName: s, type: Cookie}
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: BackendLBPolicy
                metadata: {name: nospec, namespace: a}
                """);

        LoadResult result = YamlDirectoryLoader.builder().build().load(dir);

        assertThat(result.resources().backendLbPolicies()).singleElement().satisfies(p -> assertThat(p.getSpec())
                .containsKey("loadBalancer"));
        assertThat(result.resources().gatewayBackendLbPolicies())
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.getSpec()).containsKey("sessionPersistence");
                    assertThat(JsonMapper.builder().build().writeValueAsString(p))
                            .contains(
                                    "\"apiVersion\":\"gateway.networking.k8s.io/v1alpha2\"",
                                    "\"kind\":\"BackendLBPolicy\"");
                });
        assertThat(result.errors())
                .extracting(LoadError::documentIndex, LoadError::field)
                .containsExactly(tuple(2, "spec"));
    }
}
