package dev.nantian.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.k8s.source.YamlDirectoryLoader;
import dev.nantian.k8s.translate.GatewayTranslator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** Generation stamping: the API server's rule (spec changes bump it, metadata and status do not), played on files. */
class DirectoryReconcilerTest {
    @TempDir
    Path dir;

    private void writeRoute(String label, String path) throws Exception {
        Files.writeString(
                dir.resolve("route.yaml"),
                String.join(
                        "\n",
                        "apiVersion: gateway.networking.k8s.io/v1",
                        "kind: HTTPRoute",
                        "metadata: {name: web, namespace: default, labels: {team: " + label + "}}",
                        "spec:",
                        "  parentRefs: [{name: gw}]",
                        "  rules:",
                        "  - matches: [{path: {type: PathPrefix, value: " + path + "}}]",
                        ""));
    }

    private long generation(DirectoryReconciler r) {
        HasMetadata route = r.reconcile(r.revision()).objects().stream()
                .filter(o -> o.getKind().equals("HTTPRoute"))
                .findFirst()
                .orElseThrow();
        return route.getMetadata().getGeneration();
    }

    @Test
    void specChangesBumpTheGenerationMetadataChangesDoNot() throws Exception {
        DirectoryReconciler r = new DirectoryReconciler(
                dir,
                YamlDirectoryLoader.builder().build(),
                GatewayTranslator.builder().build(),
                JsonMapper.builder().build(),
                Clock.systemUTC());
        writeRoute("a", "/v1");
        assertThat(generation(r)).isEqualTo(1);

        writeRoute("b", "/v1");
        assertThat(generation(r)).isEqualTo(1);

        writeRoute("b", "/v2");
        assertThat(generation(r)).isEqualTo(2);

        assertThat(generation(r)).isEqualTo(2);
    }
}
