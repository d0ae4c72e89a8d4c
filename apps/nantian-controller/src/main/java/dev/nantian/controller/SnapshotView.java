package dev.nantian.controller;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.Secret;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/v1/config/snapshot}: the snapshot served to data planes, redacted. Listeners and clusters are
 * written as the IR records are (they name secrets, never hold them); secrets become {@code {name, type}} and
 * extension configs {@code {group, kind, namespace, name}}, since their specs may carry credentials inline. As a last
 * guard any string holding a PEM block is replaced by {@value #REDACTED}.
 */
final class SnapshotView {
    static final String REDACTED = "<redacted>";

    private final JsonMapper mapper;

    SnapshotView(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** The redacted JSON text of {@code snapshot}. */
    String render(ConfigSnapshot snapshot) {
        ObjectNode out = mapper.createObjectNode();
        out.put("version", snapshot.version());
        out.set("listeners", scrub(mapper.valueToTree(snapshot.listeners())));
        out.set("clusters", scrub(mapper.valueToTree(snapshot.clusters().values())));
        ArrayNode secrets = out.putArray("secrets");
        for (Map.Entry<String, Secret> e : new TreeMap<>(snapshot.secrets()).entrySet()) {
            secrets.addObject()
                    .put("name", e.getKey())
                    .put("type", e.getValue().getClass().getSimpleName());
        }
        ArrayNode extensions = out.putArray("extensions");
        for (ExtensionConfig x : snapshot.extensions()) {
            extensions
                    .addObject()
                    .put("group", x.group())
                    .put("kind", x.kind())
                    .put("namespace", x.namespace())
                    .put("name", x.name());
        }
        return mapper.writeValueAsString(out) + "\n";
    }

    /** Replaces PEM-looking strings anywhere in {@code node}. */
    private static JsonNode scrub(JsonNode node) {
        if (node instanceof ObjectNode obj) {
            for (Map.Entry<String, JsonNode> e : obj.properties()) {
                if (e.getValue().isString() && isPem(e.getValue().stringValue())) {
                    obj.put(e.getKey(), REDACTED);
                } else {
                    scrub(e.getValue());
                }
            }
        } else if (node instanceof ArrayNode arr) {
            for (int i = 0; i < arr.size(); i++) {
                if (arr.get(i).isString() && isPem(arr.get(i).stringValue())) {
                    arr.set(i, REDACTED);
                } else {
                    scrub(arr.get(i));
                }
            }
        }
        return node;
    }

    private static boolean isPem(String s) {
        return s.contains("-----BEGIN ");
    }
}
