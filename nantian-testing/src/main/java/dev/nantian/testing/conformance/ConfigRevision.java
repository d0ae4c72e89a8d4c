package dev.nantian.testing.conformance;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The revision of a configuration directory: the digest that a gateway reports in {@code GET /api/v1/status} once it
 * serves exactly the files the conformance runner wrote. Both sides must compute it bit for bit alike, so here is the
 * algorithm in full (the gateway implements it on its own: nothing may depend on {@code nantian-testing}):
 *
 * <ol>
 *   <li>Take every regular file under the directory, at any depth, whose name ends with {@code .yaml} or
 *       {@code .yml} (case-sensitive). Hidden files count too; nothing else does (the runner's temporary files end
 *       with {@code .tmp}). Symbolic links are not followed.
 *   <li>Name each by its path relative to the directory, with {@code /} as separator (no leading {@code ./}).
 *   <li>Sort the names with {@link String#compareTo} (UTF-16 code unit order; byte order for ASCII names).
 *   <li>Feed SHA-256, for each file in that order, the UTF-8 bytes of the name, one {@code '\n'}, the file's raw
 *       bytes, and one {@code '\n'}.
 *   <li>The revision is the 32-byte digest as 64 lowercase hexadecimal digits. An empty directory yields the
 *       digest of no input, {@code e3b0c442...b855}.
 * </ol>
 *
 * <pre>{@code
 * String expected = ConfigRevision.of(configDir);
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigRevision {

    private ConfigRevision() {}

    /**
     * The revision of the {@code .yaml}/{@code .yml} files currently under {@code directory}.
     *
     * @throws UncheckedIOException when the directory cannot be read
     */
    public static String of(Path directory) {
        requireNonNull(directory, "directory");
        SortedMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.filter(Files::isRegularFile)
                    .filter(ConfigRevision::isConfigFile)
                    .forEach(path -> {
                        String name = directory
                                .relativize(path)
                                .toString()
                                .replace(path.getFileSystem().getSeparator(), "/");
                        try {
                            files.put(name, Files.readAllBytes(path));
                        } catch (IOException e) {
                            throw new UncheckedIOException("cannot read " + path, e);
                        }
                    });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        return of(files);
    }

    /**
     * The revision of a set of files given as relative path (with {@code /} separators) to content. Names that are
     * not {@code .yaml}/{@code .yml} files are ignored, as they are on disk.
     */
    public static String of(Map<String, byte[]> files) {
        requireNonNull(files, "files");
        MessageDigest sha256 = sha256();
        for (Map.Entry<String, byte[]> file : new TreeMap<>(files).entrySet()) {
            if (!isConfigName(file.getKey())) {
                continue;
            }
            sha256.update(file.getKey().getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) '\n');
            sha256.update(file.getValue());
            sha256.update((byte) '\n');
        }
        return hex(sha256.digest());
    }

    /** Whether the runner and the gateway read {@code path} as configuration. */
    static boolean isConfigFile(Path path) {
        return isConfigName(path.getFileName().toString());
    }

    private static boolean isConfigName(String name) {
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
