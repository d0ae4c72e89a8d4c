package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One answer of the gateway's {@code GET /api/v1/status}: the revision it serves, its configuration errors and every
 * object's status. Immutable.
 */
public final class StatusSnapshot {

    /** One object's status as reported. */
    public record Resource(String kind, String namespace, String name, long generation, JsonNode status) {}

    private final String revision;
    private final List<String> errors;
    private final Map<String, Resource> resources;

    private StatusSnapshot(String revision, List<String> errors, Map<String, Resource> resources) {
        this.revision = revision;
        this.errors = List.copyOf(errors);
        this.resources = Collections.unmodifiableMap(resources);
    }

    /**
     * Parses a status document.
     *
     * @throws IllegalArgumentException when it lacks the contract's fields
     */
    public static StatusSnapshot parse(JsonNode doc) {
        requireNonNull(doc, "doc");
        String revision = Json.text(doc, "revision");
        if (revision == null) {
            throw new IllegalArgumentException("status document has no revision");
        }
        Map<String, Resource> resources = new LinkedHashMap<>();
        for (JsonNode r : Json.nodes(doc, "resources")) {
            Resource resource = new Resource(
                    Json.text(r, "kind", ""),
                    Json.text(r, "namespace", ""),
                    Json.text(r, "name", ""),
                    r.path("generation").asLong(0),
                    r.path("status"));
            resources.put(key(resource.kind(), resource.namespace(), resource.name()), resource);
        }
        return new StatusSnapshot(revision, Json.strings(doc, "errors"), resources);
    }

    /** The served configuration revision (see {@code ConfigRevision}). */
    public String revision() {
        return revision;
    }

    /** The gateway's configuration errors. */
    public List<String> errors() {
        return errors;
    }

    /** An object by kind, namespace (empty for cluster-scoped kinds) and name, or null. */
    public Resource find(String kind, String namespace, String name) {
        Resource r = resources.get(key(kind, namespace == null ? "" : namespace, name));
        if (r == null && (namespace == null || namespace.isEmpty())) {
            // Tolerate cluster-scoped objects reported with a namespace, and vice versa.
            for (Resource candidate : resources.values()) {
                if (candidate.kind().equals(kind) && candidate.name().equals(name)) {
                    return candidate;
                }
            }
        }
        return r;
    }

    private static String key(String kind, String namespace, String name) {
        return kind + "/" + namespace + "/" + name;
    }
}
