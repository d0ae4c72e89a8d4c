package dev.nantian.k8s.translate.internal;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Map;

/** Null-tolerant accessors for fabric8 objects, whose fields are all optional. */
final class Objects2 {
    private Objects2() {}

    static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : list;
    }

    static String ns(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return ns == null || ns.isEmpty() ? "default" : ns;
    }

    static long generation(HasMetadata o) {
        Long g = o.getMetadata().getGeneration();
        return g == null ? 0L : g;
    }

    /** An API group; {@code null} and {@code core} mean the core group, written as the empty string. */
    static String group(String group) {
        return group == null || group.equals("core") ? "" : group;
    }

    static String orDefault(String value, String def) {
        return value == null || value.isEmpty() ? def : value;
    }

    static Map<String, String> map(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }
}
