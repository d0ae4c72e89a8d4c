package dev.nantian.k8s.translate.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads fields of a JSON-shaped spec tree ({@code Map}, {@code List}, {@code String}, {@code Number},
 * {@code Boolean}) and collects every problem with its field path, so an object's status lists all of them at once.
 */
final class SpecChecker {
    private final List<String> problems = new ArrayList<>();

    List<String> problems() {
        return problems;
    }

    void problem(String path, String message) {
        problems.add((path.isEmpty() ? "spec" : "spec." + path) + ": " + message);
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Reports keys of {@code map} outside {@code known}. */
    void rejectUnknown(Map<String, ?> map, String path, Set<String> known) {
        for (String key : new TreeSet<>(map.keySet())) {
            if (!known.contains(key)) {
                problem(join(path, key), "unknown field (known: " + new TreeSet<>(known) + ")");
            }
        }
    }

    String string(Map<String, ?> map, String path, String key, boolean required) {
        Object value = map.get(key);
        if (value == null) {
            if (required) {
                problem(join(path, key), "is required");
            }
            return null;
        }
        if (!(value instanceof String) || ((String) value).isEmpty()) {
            problem(join(path, key), "must be a non-empty string");
            return null;
        }
        return (String) value;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> object(Map<String, ?> map, String path, String key, boolean required) {
        Object value = map.get(key);
        if (value == null) {
            if (required) {
                problem(join(path, key), "is required");
            }
            return null;
        }
        if (!(value instanceof Map)) {
            problem(join(path, key), "must be an object");
            return null;
        }
        return (Map<String, Object>) value;
    }

    List<?> list(Map<String, ?> map, String path, String key, boolean required) {
        Object value = map.get(key);
        if (value == null) {
            if (required) {
                problem(join(path, key), "is required");
            }
            return List.of();
        }
        if (!(value instanceof List)) {
            problem(join(path, key), "must be a list");
            return List.of();
        }
        return (List<?>) value;
    }

    /** The list at {@code key} when every item is a string; problems for the others. */
    List<String> strings(Map<String, ?> map, String path, String key) {
        List<String> out = new ArrayList<>();
        List<?> items = list(map, path, key, false);
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof String && !((String) items.get(i)).isEmpty()) {
                out.add((String) items.get(i));
            } else {
                problem(join(path, key) + "[" + i + "]", "must be a non-empty string");
            }
        }
        return out;
    }

    /** The objects of the list at {@code key}, each with its path; problems for items that are not objects. */
    @SuppressWarnings("unchecked")
    List<Map.Entry<String, Map<String, Object>>> objects(
            Map<String, ?> map, String path, String key, boolean required) {
        List<Map.Entry<String, Map<String, Object>>> out = new ArrayList<>();
        List<?> items = list(map, path, key, required);
        for (int i = 0; i < items.size(); i++) {
            String at = join(path, key) + "[" + i + "]";
            if (items.get(i) instanceof Map) {
                out.add(Map.entry(at, (Map<String, Object>) items.get(i)));
            } else {
                problem(at, "must be an object");
            }
        }
        return out;
    }

    void bool(Map<String, ?> map, String path, String key) {
        Object value = map.get(key);
        if (value != null && !(value instanceof Boolean)) {
            problem(join(path, key), "must be true or false");
        }
    }

    /** A whole number of at least {@code min}, or -1 (reported) when absent-but-required or invalid. */
    long integer(Map<String, ?> map, String path, String key, boolean required, long min) {
        Object value = map.get(key);
        if (value == null) {
            if (required) {
                problem(join(path, key), "is required");
            }
            return -1;
        }
        if (!(value instanceof Number)
                || ((Number) value).doubleValue() != Math.rint(((Number) value).doubleValue())
                || ((Number) value).longValue() < min) {
            problem(join(path, key), "must be a whole number of at least " + min);
            return -1;
        }
        return ((Number) value).longValue();
    }

    /** A positive Gateway API duration ({@code 1h}, {@code 1m30s}, {@code 500ms}), or null (reported if invalid). */
    Duration duration(Map<String, ?> map, String path, String key, boolean required) {
        String text = string(map, path, key, required);
        if (text == null) {
            return null;
        }
        try {
            Duration d = Durations.parse(text, join(path, key));
            if (d.isZero()) {
                problem(join(path, key), "must be a positive duration");
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problem(join(path, key), "must be a duration like 1h, 30m, 1m30s or 500ms, not '" + text + "'");
            return null;
        }
    }
}
