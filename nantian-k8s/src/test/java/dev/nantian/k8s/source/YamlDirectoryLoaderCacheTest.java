package dev.nantian.k8s.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader's parse cache: what a reload sees after each kind of file change, and who owns loaded objects. */
class YamlDirectoryLoaderCacheTest {
    private final YamlDirectoryLoader loader = YamlDirectoryLoader.builder().build();

    @TempDir
    Path dir;

    @Test
    void aReloadSeesAnEditedFile() throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), route("r", "/old"));
        assertThat(paths(loader.load(dir))).containsExactly("/old");

        Files.writeString(dir.resolve("routes.yaml"), route("r", "/a-longer-path"));

        assertThat(paths(loader.load(dir))).containsExactly("/a-longer-path");
    }

    @Test
    void aSameSizeEditWithinTheSameTimestampIsSeen() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, route("r", "/aaaa"));
        FileTime mtime = Files.getLastModifiedTime(file);
        assertThat(paths(loader.load(dir))).containsExactly("/aaaa");

        // what an editor saving twice within the file system's timestamp granularity leaves behind
        Files.writeString(file, route("r", "/bbbb"));
        Files.setLastModifiedTime(file, mtime);
        assertThat(Files.size(file)).isEqualTo(route("r", "/aaaa").length());

        assertThat(paths(loader.load(dir))).containsExactly("/bbbb");
    }

    @Test
    void aDeletedFileIsForgotten() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), route("a", "/a"));
        Files.writeString(dir.resolve("b.yaml"), route("b", "/b"));
        assertThat(paths(loader.load(dir))).containsExactly("/a", "/b");

        Files.delete(dir.resolve("a.yaml"));

        assertThat(paths(loader.load(dir))).containsExactly("/b");
    }

    @Test
    void anAddedFileIsLoaded() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), route("a", "/a"));
        assertThat(paths(loader.load(dir))).containsExactly("/a");

        Files.createDirectories(dir.resolve("nested"));
        Files.writeString(dir.resolve("nested").resolve("b.yml"), route("b", "/b"));

        assertThat(paths(loader.load(dir))).containsExactly("/a", "/b");
    }

    @Test
    void aRenamedFileIsLoadedOnceUnderItsNewNameAndDropsOutWhenNoLongerYaml() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), route("a", "/a") + "---\nkind: Nothing\n");
        assertThat(loader.load(dir).errors()).extracting(LoadError::file).containsExactly("a.yaml");

        Files.move(dir.resolve("a.yaml"), dir.resolve("b.yaml"));
        LoadResult renamed = loader.load(dir);
        assertThat(paths(renamed)).containsExactly("/a");
        assertThat(renamed.errors()).extracting(LoadError::file).containsExactly("b.yaml");

        Files.move(dir.resolve("b.yaml"), dir.resolve("b.yaml.bak"));
        LoadResult gone = loader.load(dir);
        assertThat(gone.resources().size()).isZero();
        assertThat(gone.errors()).isEmpty();
    }

    @Test
    void anUnchangedFileReportsItsErrorsOnEveryLoadAndCountsTowardsTheLimit() throws Exception {
        Files.writeString(
                dir.resolve("a.yaml"),
                route("a", "/a") + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
                        + route("b", "/b") + "---\nkey: [unclosed\n");
        YamlDirectoryLoader limited =
                YamlDirectoryLoader.builder().maxObjects(1).build();

        for (int i = 0; i < 3; i++) {
            LoadResult all = loader.load(dir);
            assertThat(paths(all)).containsExactly("/a", "/b");
            assertThat(all.errors())
                    .extracting(LoadError::toString)
                    .satisfiesExactly(
                            e -> assertThat(e).startsWith("a.yaml#1 kind: unknown kind apps/v1 Deployment"),
                            e -> assertThat(e).startsWith("a.yaml#3: invalid YAML"));

            LoadResult cut = limited.load(dir);
            assertThat(paths(cut)).containsExactly("/a");
            assertThat(cut.errors())
                    .extracting(LoadError::toString)
                    .containsExactly("a.yaml#1: more than 1 objects in the directory; the rest is not loaded");
        }
    }

    @Test
    void everyLoadReturnsObjectsOfItsOwnThatCallersMayChange() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), route("a", "/a"));
        Files.writeString(dir.resolve("b.yaml"), route("b", "/b"));

        for (int i = 0; i < 3; i++) {
            List<HasMetadata> objects = loader.load(dir).resources().all();
            assertThat(objects).hasSize(2).allSatisfy(o -> {
                assertThat(o.getMetadata().getGeneration()).isNull();
                assertThat(o.getMetadata().getCreationTimestamp()).isNull();
            });
            assertThat(paths(loader.load(dir))).containsExactly("/a", "/b");
            // what the apps do to what they load (generation stamping), and worse
            for (HasMetadata o : objects) {
                o.getMetadata().setGeneration(7L);
                o.getMetadata().setCreationTimestamp("2020-01-01T00:00:00Z");
                ((HTTPRoute) o)
                        .getSpec()
                        .getRules()
                        .get(0)
                        .getMatches()
                        .get(0)
                        .getPath()
                        .setValue("/mutated");
            }
        }
        LoadResult last = loader.load(dir);
        assertThat(paths(last)).containsExactly("/a", "/b");
        assertThat(last.resources().all())
                .allSatisfy(o -> assertThat(o.getMetadata().getGeneration()).isNull());
    }

    private static List<String> paths(LoadResult result) {
        return result.resources().httpRoutes().stream()
                .map(r -> r.getSpec()
                        .getRules()
                        .get(0)
                        .getMatches()
                        .get(0)
                        .getPath()
                        .getValue())
                .toList();
    }

    private static String route(String name, String path) {
        return String.join(
                "\n",
                "---",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: HTTPRoute",
                "metadata: {name: " + name + ", namespace: default}",
                "spec:",
                "  parentRefs: [{name: gw}]",
                "  rules:",
                "  - matches: [{path: {type: PathPrefix, value: " + path + "}}]",
                "    backendRefs: [{name: web, port: 80}]",
                "");
    }
}
