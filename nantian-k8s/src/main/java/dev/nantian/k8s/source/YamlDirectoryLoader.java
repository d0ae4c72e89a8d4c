package dev.nantian.k8s.source;

import static java.util.Objects.requireNonNull;

import dev.nantian.k8s.source.internal.Kinds;
import dev.nantian.k8s.source.internal.ObjectValidator;
import dev.nantian.k8s.translate.ResourceSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * are not this loader's business: it reads the YAML as written.
 *
 * <p>A loader remembers what it parsed: every load reads every file, but a file whose size, modification time and
 * SHA-256 of its bytes equal those of the previous load is not parsed or validated again (a reload after editing
 * one file of many parses that one file). The cache holds the parsed YAML trees, never objects handed out: each
 * load binds fresh objects from the trees, so callers may change what they get (the apps stamp generations into
 * metadata) without affecting other loads. Binding a tree costs a fraction of parsing YAML. Files that disappear
 * are forgotten on the next load of their directory. Thread-safe: loads on one loader run one at a time.
 */
public final class YamlDirectoryLoader {
    /** The default for {@link Builder#maxObjects}. */
    public static final int DEFAULT_MAX_OBJECTS = 50_000;

    /** The default for {@link Builder#maxFileBytes}: 16 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 16L << 20;

    private final ObjectMapper mapper = YAMLMapper.builder().build();
    /** Parsed files by absolute path; guarded by {@code this}. */
    private final Map<Path, ParsedFile> cache = new HashMap<>();

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
     * Loads the directory. Files whose bytes did not change since the previous load are not parsed again (see the
     * class comment); every call still returns objects of its own.
     *
     * @throws IOException if the directory itself cannot be listed; unreadable files are reported as errors
     */
    public synchronized LoadResult load(Path directory) throws IOException {
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
            Path key = file.toAbsolutePath().normalize();
            ParsedFile parsed = parse(file, key, name, errors);
            if (parsed != null && !parsed.emit(name, mapper, resources, errors, count, maxObjects)) {
                break;
            }
        }
        // forget files of this directory that are gone (deleted, renamed), and nothing of other directories
        Set<Path> seen = new HashSet<>();
        for (Path file : files) {
            seen.add(file.toAbsolutePath().normalize());
        }
        Path root = directory.toAbsolutePath().normalize();
        cache.keySet().removeIf(p -> p.startsWith(root) && !seen.contains(p));
        return new LoadResult(resources.build(), errors);
    }

    /**
     * The parsed documents of one file, from the cache when its size, modification time and content hash are those
     * of the cached parse; null (with the error added) when the file cannot be read or is too large.
     */
    private ParsedFile parse(Path file, Path key, String name, List<LoadError> errors) {
        byte[] bytes;
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (attributes.size() > maxFileBytes) {
                errors.add(new LoadError(
                        name, -1, "", "file has " + attributes.size() + " bytes, more than " + maxFileBytes));
                cache.remove(key);
                return null;
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            errors.add(new LoadError(name, -1, "", "cannot read: " + e.getMessage()));
            cache.remove(key);
            return null;
        }
        if (bytes.length > maxFileBytes) { // grew between the size check and the read
            errors.add(new LoadError(name, -1, "", "file has " + bytes.length + " bytes, more than " + maxFileBytes));
            cache.remove(key);
            return null;
        }
        // The content hash decides: a same-size edit within the file system's timestamp granularity keeps size and
        // mtime. Size and mtime are kept too, so a stat that disagrees is never papered over by the hash.
        FileStamp stamp = new FileStamp(bytes.length, attributes.lastModifiedTime(), sha256(bytes));
        ParsedFile cached = cache.get(key);
        if (cached != null && cached.stamp.equals(stamp)) {
            return cached;
        }
        ParsedFile parsed = parseDocuments(stamp, bytes);
        cache.put(key, parsed);
        return parsed;
    }

    /** Parses and validates every document of a file; errors are kept without the file name, added on emit. */
    private ParsedFile parseDocuments(FileStamp stamp, byte[] bytes) {
        List<ParsedDocument> documents = new ArrayList<>();
        ParsedDocument trailer = null;
        int index = 0;
        try (MappingIterator<JsonNode> docs = mapper.readerFor(JsonNode.class).readValues(bytes)) {
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    documents.add(toDocument(doc, index));
                }
                index++;
            }
        } catch (JacksonException e) {
            trailer = ParsedDocument.invalid(
                    index,
                    List.of(new ObjectValidator.Problem(
                            "",
                            "invalid YAML: " + e.getOriginalMessage() + location(e)
                                    + "; the rest of the file is not loaded")));
        }
        return new ParsedFile(stamp, List.copyOf(documents), trailer);
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
    }

    private ParsedDocument toDocument(JsonNode doc, int index) {
        if (!doc.isObject()) {
            return ParsedDocument.invalid(
                    index, List.of(new ObjectValidator.Problem("", "a manifest must be a mapping")));
        }
        String apiVersion = doc.path("apiVersion").asString("");
        String kind = doc.path("kind").asString("");
        if (apiVersion.isEmpty() || kind.isEmpty()) {
            return ParsedDocument.invalid(
                    index,
                    List.of(new ObjectValidator.Problem(apiVersion.isEmpty() ? "apiVersion" : "kind", "is required")));
        }
        Class<? extends HasMetadata> type = Kinds.lookup(apiVersion, kind);
        if (type == null) {
            return ParsedDocument.invalid(
                    index,
                    List.of(new ObjectValidator.Problem(
                            "kind", "unknown kind " + apiVersion + " " + kind + "; supported: " + Kinds.supported())));
        }
        HasMetadata object;
        try {
            object = mapper.treeToValue(doc, type);
        } catch (JacksonException e) {
            return ParsedDocument.invalid(index, List.of(new ObjectValidator.Problem(path(e), e.getOriginalMessage())));
        }
        List<ObjectValidator.Problem> problems = ObjectValidator.validate(object);
        if (!problems.isEmpty()) {
            String what = kind + " "
                    + (object.getMetadata() == null ? "" : object.getMetadata().getName());
            List<ObjectValidator.Problem> named = new ArrayList<>();
            for (ObjectValidator.Problem p : problems) {
                named.add(new ObjectValidator.Problem(p.field(), what + ": " + p.message()));
            }
            return ParsedDocument.invalid(index, named);
        }
        // the tree, not the object, is kept: each load binds an object of its own from it (see the class comment)
        return ParsedDocument.valid(index, doc, type, object);
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

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** What identifies the content a file had when it was parsed. */
    private record FileStamp(long size, FileTime modified, byte[] sha256) {
        @Override
        public boolean equals(Object o) {
            return o instanceof FileStamp other
                    && size == other.size
                    && modified.equals(other.modified)
                    && Arrays.equals(sha256, other.sha256);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(sha256);
        }
    }

    /** The documents of one file, in order, and the syntax error that ended it, if any. Immutable but for binding. */
    private record ParsedFile(FileStamp stamp, List<ParsedDocument> documents, ParsedDocument trailer) {
        /** Adds this file's objects and errors to a load; returns false once the object limit is reached. */
        boolean emit(
                String name,
                ObjectMapper mapper,
                ResourceSet.Builder resources,
                List<LoadError> errors,
                int[] count,
                int maxObjects) {
            for (ParsedDocument doc : documents) {
                if (count[0] >= maxObjects) {
                    errors.add(new LoadError(
                            name,
                            doc.index,
                            "",
                            "more than " + maxObjects + " objects in the directory; the rest is not loaded"));
                    return false;
                }
                if (doc.tree == null) {
                    doc.problems.forEach(p -> errors.add(new LoadError(name, doc.index, p.field(), p.message())));
                } else {
                    resources.add(doc.bind(mapper));
                    count[0]++;
                }
            }
            if (trailer != null) {
                trailer.problems.forEach(p -> errors.add(new LoadError(name, trailer.index, p.field(), p.message())));
            }
            return true;
        }
    }

    /** One non-empty document: a valid object's tree and type, or the problems that rejected it. */
    private static final class ParsedDocument {
        final int index;
        final JsonNode tree;
        final Class<? extends HasMetadata> type;
        final List<ObjectValidator.Problem> problems;
        /** The object bound while validating, handed to the first load and then dropped (never handed out twice). */
        private HasMetadata unused;

        private ParsedDocument(
                int index,
                JsonNode tree,
                Class<? extends HasMetadata> type,
                List<ObjectValidator.Problem> problems,
                HasMetadata unused) {
            this.index = index;
            this.tree = tree;
            this.type = type;
            this.problems = problems;
            this.unused = unused;
        }

        static ParsedDocument valid(int index, JsonNode tree, Class<? extends HasMetadata> type, HasMetadata bound) {
            return new ParsedDocument(index, tree, type, List.of(), bound);
        }

        static ParsedDocument invalid(int index, List<ObjectValidator.Problem> problems) {
            return new ParsedDocument(index, null, null, List.copyOf(problems), null);
        }

        /** A fresh object; the tree bound once already, so it binds again (validation is not repeated). */
        HasMetadata bind(ObjectMapper mapper) {
            HasMetadata object = unused;
            if (object != null) {
                unused = null;
                return object;
            }
            return mapper.treeToValue(tree, type);
        }
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
