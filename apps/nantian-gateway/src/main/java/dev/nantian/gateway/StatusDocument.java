package dev.nantian.gateway;

import dev.nantian.k8s.translate.ResourceKey;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders {@code GET /api/v1/status}: {@code {"revision", "servingRevision", "errors", "resources": [{"apiVersion",
 * "kind", "namespace", "name", "generation", "status"}]}}. The resource list is rendered once per reload and reused
 * for every request.
 */
final class StatusDocument {
    private final JsonMapper mapper;

    StatusDocument(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** The {@code resources} array for the objects that have a status, in load order. */
    String resources(List<HasMetadata> objects, Map<ResourceKey, Object> statuses) {
        ArrayNode out = mapper.createArrayNode();
        for (HasMetadata o : objects) {
            ResourceKey key = ResourceKey.of(o);
            Object status = statuses.get(key);
            if (status == null) {
                continue;
            }
            ObjectNode item = out.addObject();
            item.put("apiVersion", o.getApiVersion());
            item.put("kind", key.kind());
            item.put("namespace", key.namespace());
            item.put("name", key.name());
            Long generation = o.getMetadata().getGeneration();
            item.put("generation", generation == null ? 0L : generation);
            item.set("status", mapper.valueToTree(status));
        }
        return mapper.writeValueAsString(out);
    }

    /** The whole document around a pre-rendered {@code resources} array. */
    String document(String revision, String servingRevision, List<String> errors, String resourcesJson) {
        ObjectNode head = mapper.createObjectNode();
        head.put("revision", revision);
        head.put("servingRevision", servingRevision);
        ArrayNode errs = head.putArray("errors");
        errors.forEach(errs::add);
        String prefix = mapper.writeValueAsString(head);
        // Splice the cached array in instead of re-serialising every status per request.
        return prefix.substring(0, prefix.length() - 1) + ",\"resources\":" + resourcesJson + "}\n";
    }
}
