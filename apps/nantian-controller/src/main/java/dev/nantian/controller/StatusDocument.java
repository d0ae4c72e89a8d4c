package dev.nantian.controller;

import dev.nantian.k8s.translate.ResourceKey;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/v1/status}, in the standalone gateway's format so that tools (its {@code status} command, the
 * conformance runner) read both: {@code {"revision", "servingRevision", "errors", "resources": [{"apiVersion",
 * "kind", "namespace", "name", "generation", "status"}]}}. Rendered once per reconcile, served as text.
 */
final class StatusDocument {
    private final JsonMapper mapper;

    StatusDocument(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** The whole document. */
    String render(
            String revision,
            String servingRevision,
            List<String> errors,
            List<HasMetadata> objects,
            Map<ResourceKey, Object> statuses) {
        ObjectNode doc = mapper.createObjectNode();
        doc.put("revision", revision);
        doc.put("servingRevision", servingRevision);
        ArrayNode errs = doc.putArray("errors");
        errors.forEach(errs::add);
        ArrayNode resources = doc.putArray("resources");
        for (HasMetadata o : objects) {
            ResourceKey key = ResourceKey.of(o);
            Object status = statuses.get(key);
            if (status == null) {
                continue;
            }
            ObjectNode item = resources.addObject();
            item.put("apiVersion", o.getApiVersion());
            item.put("kind", key.kind());
            item.put("namespace", key.namespace());
            item.put("name", key.name());
            Long generation = o.getMetadata().getGeneration();
            item.put("generation", generation == null ? 0L : generation);
            item.set("status", mapper.valueToTree(status));
        }
        return mapper.writeValueAsString(doc) + "\n";
    }

    /** The document before the first reconcile. */
    String initial() {
        return render("", "", List.of("not loaded yet"), List.of(), Map.of());
    }
}
