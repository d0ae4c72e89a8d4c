package dev.nantian.k8s.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
