package dev.nantian.k8s.source;

import static java.util.Objects.requireNonNull;

import dev.nantian.k8s.source.internal.Kinds;
import dev.nantian.k8s.source.internal.ObjectValidator;
import dev.nantian.k8s.translate.ResourceSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Loads every {@code *.yaml} and {@code *.yml} file under a directory (recursively, multi-document files included)
 * into a {@link ResourceSet}, for running without a cluster. Each document is checked on its own: an unknown kind,
 * a field of the wrong type or a value the API server would refuse rejects that document with the file, the
 * document's index and the field in the message, and loading goes on with the rest.
 *
 * <pre>{@code
 * LoadResult loaded = YamlDirectoryLoader.builder().build().load(Path.of("config"));
 * loaded.errors().forEach(e -> log.warn("{}", e));
 * TranslationResult result = translator.translate(loaded.resources());
 * }</pre>
 *
 * <p>Files are read in path order, so the result does not depend on the file system. Placeholders and templating
 * are not this loader's business: it reads the YAML as written. Thread-safe; holds no state between loads.
 */
public final class YamlDirectoryLoader {
    /** The default for {@link Builder#maxObjects}. */
    public static final int DEFAULT_MAX_OBJECTS = 50_000;

    /** The default for {@link Builder#maxFileBytes}: 16 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 16L << 20;

    private final ObjectMapper mapper = YAMLMapper.builder().build();
    private final int maxObjects;
    private final long maxFileBytes;

    private YamlDirectoryLoader(Builder b) {
        this.maxObjects = b.maxObjects;
        this.maxFileBytes = b.maxFileBytes;
    }

    /** Starts a builder with the default limits. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads the directory.
     *
     * @throws IOException if the directory itself cannot be listed; unreadable files are reported as errors
     */
    public LoadResult load(Path directory) throws IOException {
        requireNonNull(directory, "directory");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(directory)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> {
                        String name = p.getFileName().toString();
                        return name.endsWith(".yaml") || name.endsWith(".yml");
                    })
                    .sorted()
                    .toList();
        }
        ResourceSet.Builder resources = ResourceSet.builder();
        List<LoadError> errors = new ArrayList<>();
        int[] count = {0};
        for (Path file : files) {
            String name = directory.relativize(file).toString();
            if (!loadFile(file, name, resources, errors, count)) {
                break;
            }
        }
        return new LoadResult(resources.build(), errors);
    }

    /** Loads one file; returns false once the object limit is reached. */
    private boolean loadFile(
            Path file, String name, ResourceSet.Builder resources, List<LoadError> errors, int[] count) {
        try {
            long size = Files.size(file);
            if (size > maxFileBytes) {
                errors.add(new LoadError(name, -1, "", "file has " + size + " bytes, more than " + maxFileBytes));
                return true;
            }
        } catch (IOException e) {
            errors.add(new LoadError(name, -1, "", "cannot read: " + e.getMessage()));
            return true;
        }
        int index = 0;
        try (InputStream in = Files.newInputStream(file);
                MappingIterator<JsonNode> docs =
                        mapper.readerFor(JsonNode.class).readValues(in)) {
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    if (count[0] >= maxObjects) {
                        errors.add(new LoadError(
                                name,
                                index,
                                "",
                                "more than " + maxObjects + " objects in the directory; the rest is not loaded"));
                        return false;
                    }
                    HasMetadata object = toObject(doc, name, index, errors);
                    if (object != null) {
                        resources.add(object);
                        count[0]++;
                    }
                }
                index++;
            }
        } catch (JacksonException e) {
            errors.add(new LoadError(
                    name,
                    index,
                    "",
                    "invalid YAML: " + e.getOriginalMessage() + location(e) + "; the rest of the file is not loaded"));
        } catch (IOException e) {
            errors.add(new LoadError(name, -1, "", "cannot read: " + e.getMessage()));
        }
        return true;
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
    }

    private HasMetadata toObject(JsonNode doc, String file, int index, List<LoadError> errors) {
        if (!doc.isObject()) {
            errors.add(new LoadError(file, index, "", "a manifest must be a mapping"));
            return null;
        }
        String apiVersion = doc.path("apiVersion").asString("");
        String kind = doc.path("kind").asString("");
        if (apiVersion.isEmpty() || kind.isEmpty()) {
            errors.add(new LoadError(file, index, apiVersion.isEmpty() ? "apiVersion" : "kind", "is required"));
            return null;
        }
        Class<? extends HasMetadata> type = Kinds.lookup(apiVersion, kind);
        if (type == null) {
            errors.add(new LoadError(
                    file,
                    index,
                    "kind",
                    "unknown kind " + apiVersion + " " + kind + "; supported: " + Kinds.supported()));
            return null;
        }
        HasMetadata object;
        try {
            object = mapper.treeToValue(doc, type);
        } catch (JacksonException e) {
            errors.add(new LoadError(file, index, path(e), e.getOriginalMessage()));
            return null;
        }
        List<ObjectValidator.Problem> problems = ObjectValidator.validate(object);
        if (!problems.isEmpty()) {
            String what = kind + " "
                    + (object.getMetadata() == null ? "" : object.getMetadata().getName());
            for (ObjectValidator.Problem p : problems) {
                errors.add(new LoadError(file, index, p.field(), what + ": " + p.message()));
            }
            return null;
        }
        return object;
    }

    /** The field path of a mapping error, e.g. {@code spec.listeners[0].port}. */
    private static String path(JacksonException e) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** Builds {@link YamlDirectoryLoader}s. */
    public static final class Builder {
        private int maxObjects = DEFAULT_MAX_OBJECTS;
        private long maxFileBytes = DEFAULT_MAX_FILE_BYTES;

        private Builder() {}

        /** The most objects loaded from one directory; documents beyond it are reported and not read. */
        public Builder maxObjects(int maxObjects) {
            if (maxObjects <= 0) {
                throw new IllegalArgumentException("maxObjects must be > 0, got " + maxObjects);
            }
            this.maxObjects = maxObjects;
            return this;
        }

        /** The largest file read; larger files are reported and skipped. */
        public Builder maxFileBytes(long maxFileBytes) {
            if (maxFileBytes <= 0) {
                throw new IllegalArgumentException("maxFileBytes must be > 0, got " + maxFileBytes);
            }
            this.maxFileBytes = maxFileBytes;
            return this;
        }

        public YamlDirectoryLoader build() {
            return new YamlDirectoryLoader(this);
        }
    }
}
