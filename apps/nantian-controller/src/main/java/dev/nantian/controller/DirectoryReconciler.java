package dev.nantian.controller;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.nantian.k8s.source.LoadError;
import dev.nantian.k8s.source.LoadResult;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import dev.nantian.k8s.translate.GatewayTranslator;
import dev.nantian.k8s.translate.ResourceKey;
import dev.nantian.k8s.translate.TranslationResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * One reconcile of the directory source: revision, load, generation stamping, translation. It computes a
 * {@link Outcome}; the {@link ControlPlane} decides what to serve from it (operator-sdk's split of reconcile and
 * apply).
 *
 * <p>The standalone app ({@code apps/nantian-gateway}) has the same steps in its {@code ConfigRevision} and
 * {@code GenerationTracker}; apps do not share code, so this is a deliberate duplicate, kept compatible: the
 * revision digest is the same (the conformance runner computes it too), and so are the generation rules.
 *
 * <p>Not thread-safe: called from one thread at a time (the control plane holds its reload lock).
 */
final class DirectoryReconciler {
    /**
     * The result of one reconcile.
     *
     * @param revision the digest of the files read
     * @param objects every object loaded, stamped with generation and creation time
     * @param translation what the translator made of them
     * @param errors load and translation errors; empty when the snapshot may be served
     */
    record Outcome(String revision, List<HasMetadata> objects, TranslationResult translation, List<String> errors) {
        boolean clean() {
            return errors.isEmpty() && translation.snapshot().isPresent();
        }
    }

    private record Seen(String digest, long generation, String created) {}

    private final Path directory;
    private final YamlDirectoryLoader loader;
    private final GatewayTranslator translator;
    private final JsonMapper digestMapper;
    private final Clock clock;
    private Map<String, Seen> seen = new HashMap<>();

    DirectoryReconciler(
            Path directory, YamlDirectoryLoader loader, GatewayTranslator translator, JsonMapper mapper, Clock clock) {
        this.directory = directory;
        this.loader = loader;
        this.translator = translator;
        // Writes objects without metadata and status straight to bytes: the digest of what bumps a generation, in one
        // pass (a tree copy, a removal and a second pass cost as much as the whole translation at 1,000 routes).
        this.digestMapper =
                mapper.rebuild().addMixIn(HasMetadata.class, SpecOnly.class).build();
        this.clock = clock;
    }

    /**
     * The revision of the directory now: SHA-256 over every regular {@code *.yaml}/{@code *.yml} file (links not
     * followed) in {@code /}-separated relative path order, feeding path, {@code '\n'}, content, {@code '\n'} for
     * each.
     */
    String revision() {
        List<Path> files;
        try (Stream<Path> paths = Files.walk(directory)) {
            files = paths.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return n.endsWith(".yaml") || n.endsWith(".yml");
                    })
                    .sorted((a, b) -> relative(a).compareTo(relative(b)))
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        MessageDigest sha = sha256();
        try {
            for (Path f : files) {
                sha.update(relative(f).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
                sha.update(Files.readAllBytes(f));
                sha.update((byte) '\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory, e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Loads and translates the directory; {@code revision} is what {@link #revision()} returned just before. */
    Outcome reconcile(String revision) {
        LoadResult loaded;
        try {
            loaded = loader.load(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory, e);
        }
        List<String> errors = new ArrayList<>();
        for (LoadError e : loaded.errors()) {
            errors.add(e.toString());
        }
        List<HasMetadata> objects = loaded.resources().all();
        stamp(objects);
        TranslationResult translation = translator.translate(loaded.resources());
        errors.addAll(translation.errors());
        return new Outcome(revision, List.copyOf(objects), translation, List.copyOf(errors));
    }

    /**
     * Plays the API server for objects read from files: generation 1 and a creation time when first seen, the
     * generation bumped whenever anything but metadata and status changes; values the file sets win.
     */
    private void stamp(List<HasMetadata> objects) {
        Map<String, Seen> next = new HashMap<>();
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        for (HasMetadata o : objects) {
            ObjectMeta meta = o.getMetadata();
            if (meta == null) {
                continue;
            }
            String key = o.getApiVersion() + "/" + ResourceKey.of(o);
            String digest = specDigest(o);
            Seen before = seen.get(key);
            Seen current = before == null
                    ? new Seen(digest, 1, now)
                    : new Seen(
                            digest,
                            before.digest().equals(digest) ? before.generation() : before.generation() + 1,
                            before.created());
            next.put(key, current);
            if (meta.getGeneration() == null) {
                meta.setGeneration(current.generation());
            }
            if (meta.getCreationTimestamp() == null) {
                meta.setCreationTimestamp(current.created());
            }
        }
        seen = next;
    }

    private String specDigest(HasMetadata o) {
        return HexFormat.of().formatHex(sha256().digest(digestMapper.writeValueAsBytes(o)));
    }

    /** Leaves out what does not bump a generation, on Kubernetes objects only (nested fields keep their names). */
    @JsonIgnoreProperties({"metadata", "status"})
    private abstract static class SpecOnly {}

    private String relative(Path file) {
        return directory
                .relativize(file)
                .toString()
                .replace(file.getFileSystem().getSeparator(), "/");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
