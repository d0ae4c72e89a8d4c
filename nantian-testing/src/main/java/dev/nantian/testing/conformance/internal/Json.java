package dev.nantian.testing.conformance.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Shared (immutable, thread-safe) Jackson mappers and null-tolerant readers for vector and manifest trees. */
public final class Json {

    /** Reads and writes JSON; Jackson 3 mappers are immutable. */
    public static final JsonMapper JSON = JsonMapper.builder().build();

    /** Reads (multi-document) YAML. */
    public static final YAMLMapper YAML = YAMLMapper.builder().build();

    private Json() {}

    /** The text of {@code node.field}, or {@code null} when it is missing or JSON {@code null}. */
    public static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() || value.isMissingNode() ? null : value.asString();
    }

    /** The text of {@code node.field}, or {@code fallback}. */
    public static String text(JsonNode node, String field, String fallback) {
        String text = text(node, field);
        return text == null ? fallback : text;
    }

    /** {@code node.field} as a list of strings; empty when missing. */
    public static List<String> strings(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isArray()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        value.forEach(v -> out.add(v.asString()));
        return List.copyOf(out);
    }

    /** {@code node.field} as an insertion-ordered string map; empty when missing. */
    public static Map<String, String> stringMap(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isObject()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        value.properties()
                .forEach(e -> out.put(
                        e.getKey(), e.getValue().isNull() ? "" : e.getValue().asString()));
        return Collections.unmodifiableMap(out);
    }

    /** {@code node.field} as a list of child nodes; empty when missing. */
    public static List<JsonNode> nodes(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isArray()) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        value.forEach(out::add);
        return List.copyOf(out);
    }
}
