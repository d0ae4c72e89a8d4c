package dev.nantian.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The revision of a configuration directory, reported by the admin API so that a client that wrote files can tell
 * when the gateway serves exactly them. SHA-256 over every regular {@code *.yaml}/{@code *.yml} file at any depth
 * (links not followed), in {@link String#compareTo} order of their {@code /}-separated relative paths, feeding for
 * each the UTF-8 path, {@code '\n'}, the raw content and {@code '\n'}; 64 lowercase hex digits. The conformance
 * runner computes the same digest on its side.
 */
final class ConfigRevision {
    private ConfigRevision() {}

    static String of(Path directory) {
        List<Path> files;
        try (Stream<Path> paths = Files.walk(directory)) {
            files = paths.filter(Files::isRegularFile)
                    .filter(ConfigRevision::isConfigFile)
                    .sorted((a, b) -> name(directory, a).compareTo(name(directory, b)))
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        for (Path file : files) {
            sha256.update(name(directory, file).getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) '\n');
            try {
                sha256.update(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            sha256.update((byte) '\n');
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static boolean isConfigFile(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".yaml") || n.endsWith(".yml");
    }

    private static String name(Path root, Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }
}
