package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.testing.conformance.ConfigRevision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Owns the gateway's configuration directory: makes its {@code .yaml} files exactly a given set, each file replaced
 * atomically (written to {@code NAME.tmp}, then renamed) and untouched when unchanged, and returns the resulting
 * {@link ConfigRevision}. Not thread-safe.
 */
public final class ConfigWriter {

    private final Path directory;

    public ConfigWriter(Path directory) {
        this.directory = requireNonNull(directory, "directory").toAbsolutePath().normalize();
    }

    /** The directory. */
    public Path directory() {
        return directory;
    }

    /** Deletes everything in the directory (creating it if needed). */
    public void clear() throws IOException {
        Files.createDirectories(directory);
        try (Stream<Path> paths = Files.walk(directory)) {
            List<Path> all = new ArrayList<>();
            paths.forEach(all::add);
            all.sort((a, b) -> b.getNameCount() - a.getNameCount());
            for (Path p : all) {
                if (!p.equals(directory)) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * Makes the directory's configuration files exactly {@code files} (relative path with {@code /} to content).
     *
     * @return the revision the gateway must report once it serves them
     * @throws IOException when writing fails, or when the directory's revision differs from the expected one
     *     afterwards (someone else writes there)
     */
    public String write(Map<String, String> files) throws IOException {
        Map<String, byte[]> bytes = new TreeMap<>();
        files.forEach((name, content) -> bytes.put(name, content.getBytes(StandardCharsets.UTF_8)));
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.filter(Files::isRegularFile).forEach(p -> {
                String name = directory
                        .relativize(p)
                        .toString()
                        .replace(p.getFileSystem().getSeparator(), "/");
                if (!bytes.containsKey(name)) {
                    stale.add(p);
                }
            });
        }
        for (Path p : stale) {
            Files.delete(p);
        }
        for (Map.Entry<String, byte[]> file : bytes.entrySet()) {
            Path target = directory.resolve(file.getKey());
            if (!target.normalize().startsWith(directory)) {
                throw new IOException("refusing to write outside the config directory: " + file.getKey());
            }
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), file.getValue())) {
                continue;
            }
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, file.getValue());
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        String expected = ConfigRevision.of(bytes);
        String actual = ConfigRevision.of(directory);
        if (!expected.equals(actual)) {
            throw new IOException("config directory " + directory + " changed while writing (revision " + actual
                    + ", wrote " + expected + ")");
        }
        return expected;
    }
}
