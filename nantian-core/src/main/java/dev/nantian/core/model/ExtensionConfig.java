package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configuration that core carries but does not interpret: {@code AIService}, {@code TokenPolicy},
 * {@code WasmPlugin} and other objects of extensions. The translator and the xDS codec move them as a JSON-shaped
 * tree; the extension that registered for {@code group/kind} parses {@link #spec()} into its own typed records.
 *
 * @param group the API group, e.g. {@code gateway.nantian.dev}
 * @param kind the kind, e.g. {@code AIService}
 * @param namespace the namespace
 * @param name the name
 * @param spec the object's spec: a deeply immutable tree of {@code Map<String, ?>}, {@code List<?>}, {@code String},
 *     {@code Number}, {@code Boolean} and {@code null}-free leaves
 */
public record ExtensionConfig(String group, String kind, String namespace, String name, Map<String, Object> spec) {
    public ExtensionConfig {
        requireNonNull(group, "group");
        Checks.nonEmpty(kind, "kind");
        requireNonNull(namespace, "namespace");
        Checks.nonEmpty(name, "name");
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = (Map<String, Object>) freeze(requireNonNull(spec, "spec"), kind + " " + name);
        spec = copy;
    }

    /** {@code namespace/name}. */
    public String key() {
        return namespace + "/" + name;
    }

    private static Object freeze(Object value, String path) {
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException(path + ": map keys must be strings");
                }
                if (e.getValue() != null) {
                    out.put(key, freeze(e.getValue(), path + "." + key));
                }
            }
            return Collections.unmodifiableMap(out);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                Object item = list.get(i);
                if (item == null) {
                    throw new IllegalArgumentException(path + "[" + i + "] must not be null");
                }
                out.add(freeze(item, path + "[" + i + "]"));
            }
            return Collections.unmodifiableList(out);
        }
        throw new IllegalArgumentException(path + ": unsupported value type "
                + (value == null ? "null" : value.getClass().getName()));
    }
}
