package dev.nantian.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigRevisionTest {

    @TempDir
    Path dir;

    @Test
    void emptyDirectoryHasTheDigestOfNoInput() {
        assertThat(ConfigRevision.of(dir))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void digestFeedsSortedRelativePathsNewlineContentNewline() throws Exception {
        write("z.yaml", "kind: A\n");
        write("sub/b.yml", "kind: B");
        write("a.yaml", "kind: C\n");

        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String[] file :
                new String[][] {{"a.yaml", "kind: C\n"}, {"sub/b.yml", "kind: B"}, {"z.yaml", "kind: A\n"}}) {
            sha.update((file[0] + "\n" + file[1] + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertThat(ConfigRevision.of(dir)).isEqualTo(HexFormat.of().formatHex(sha.digest()));
    }

    @Test
    void onlyYamlFilesCountSoTemporaryFilesDoNotChangeTheRevision() throws IOException {
        write("a.yaml", "x: 1\n");
        String before = ConfigRevision.of(dir);
        write("a.yaml.tmp", "x: 2\n");
        write("notes.txt", "hello");
        assertThat(ConfigRevision.of(dir)).isEqualTo(before);
    }

    @Test
    void directoryAndInMemoryFilesAgree() throws IOException {
        write("base-manifests.yaml", "kind: Namespace\n");
        write("tests/t.yaml", "kind: HTTPRoute\n");
        Map<String, byte[]> files = Map.of(
                "tests/t.yaml", "kind: HTTPRoute\n".getBytes(StandardCharsets.UTF_8),
                "base-manifests.yaml", "kind: Namespace\n".getBytes(StandardCharsets.UTF_8));
        assertThat(ConfigRevision.of(files)).isEqualTo(ConfigRevision.of(dir));
    }

    @Test
    void anyChangeOfNameOrContentChangesTheRevision() throws IOException {
        write("a.yaml", "x: 1\n");
        String first = ConfigRevision.of(dir);
        write("a.yaml", "x: 2\n");
        String second = ConfigRevision.of(dir);
        Files.move(dir.resolve("a.yaml"), dir.resolve("b.yaml"));
        assertThat(ConfigRevision.of(dir)).isNotEqualTo(first).isNotEqualTo(second);
        assertThat(second).isNotEqualTo(first).hasSize(64).matches("[0-9a-f]+");
    }

    private void write(String name, String content) throws IOException {
        Path path = dir.resolve(name);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content, StandardCharsets.UTF_8);
    }
}
