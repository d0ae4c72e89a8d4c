package dev.nantian.ai.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a JSON-shaped spec tree ({@code Map}, {@code List}, {@code String}, {@code Number}, {@code Boolean}) while
 * collecting every problem with its path instead of stopping at the first. Readers return {@code null} (or a
 * default) after recording an error so that parsing can go on and report the rest.
 */
public final class SpecReader {
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,6})(ms|h|m|s)");

    private final String resource;
    private final List<String> errors = new ArrayList<>();

    /** @param resource names the object in messages, e.g. {@code AIService default/chat} */
    public SpecReader(String resource) {
        this.resource = resource;
    }

    /** Records a problem at {@code path}. */
    public void error(String path, String message) {
        errors.add(resource + ": " + (path.isEmpty() ? "" : path + ": ") + message);
    }

    /** Every problem so far, in order. */
    public List<String> errors() {
        return errors;
    }

    /** Records every key of {@code map} that is not in {@code known}. */
    public void rejectUnknown(Map<String, ?> map, String path, Set<String> known) {
        for (String key : map.keySet()) {
            if (!known.contains(key)) {
                error(join(path, key), "unknown field (known: " + String.join(", ", known) + ")");
            }
        }
    }

    /** The object at {@code key}, {@code null} if absent (recording an error if it is required) or of another type. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> object(Map<String, ?> parent, String path, String key, boolean required) {
        Object value = parent.get(key);
        if (value == null) {
            if (required) {
                error(join(path, key), "is required");
            }
            return null;
        }
        if (!(value instanceof Map)) {
            error(join(path, key), "must be an object");
            return null;
        }
        return (Map<String, Object>) value;
    }

    /** The list at {@code key}; empty if absent (recording an error if required) or of another type. */
    public List<?> list(Map<String, ?> parent, String path, String key, boolean required) {
        Object value = parent.get(key);
        if (value == null) {
            if (required) {
                error(join(path, key), "is required");
            }
            return List.of();
        }
        if (!(value instanceof List)) {
            error(join(path, key), "must be a list");
            return List.of();
        }
        return (List<?>) value;
    }

    /** The non-empty string at {@code key}, or {@code null}. */
    public String string(Map<String, ?> parent, String path, String key, boolean required) {
        Object value = parent.get(key);
        if (value == null) {
            if (required) {
                error(join(path, key), "is required");
            }
            return null;
        }
        if (!(value instanceof String) || ((String) value).isEmpty()) {
            error(join(path, key), "must be a non-empty string");
            return null;
        }
        return (String) value;
    }

    /** The strings of the list at {@code key}; non-strings are recorded and skipped. */
    public List<String> strings(Map<String, ?> parent, String path, String key) {
        List<String> out = new ArrayList<>();
        List<?> items = list(parent, path, key, false);
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (item instanceof String && !((String) item).isEmpty()) {
                out.add((String) item);
            } else {
                error(join(path, key) + "[" + i + "]", "must be a non-empty string");
            }
        }
        return out;
    }

    /** The whole number at {@code key} (at least {@code min}), or {@code fallback} when absent or invalid. */
    public long integer(Map<String, ?> parent, String path, String key, boolean required, long min, long fallback) {
        Object value = parent.get(key);
        if (value == null) {
            if (required) {
                error(join(path, key), "is required");
            }
            return fallback;
        }
        if (!(value instanceof Number)) {
            error(join(path, key), "must be a number");
            return fallback;
        }
        Number number = (Number) value;
        if (number.doubleValue() != Math.rint(number.doubleValue())) {
            error(join(path, key), "must be a whole number");
            return fallback;
        }
        long n = number.longValue();
        if (n < min) {
            error(join(path, key), "must be at least " + min);
            return fallback;
        }
        return n;
    }

    /** The boolean at {@code key}, or {@code fallback} when absent or invalid. */
    public boolean bool(Map<String, ?> parent, String path, String key, boolean fallback) {
        Object value = parent.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean)) {
            error(join(path, key), "must be true or false");
            return fallback;
        }
        return (Boolean) value;
    }

    /**
     * A positive Gateway API duration at {@code key} ({@code 1h}, {@code 30m}, {@code 1m30s}, {@code 500ms}), or
     * {@code null}.
     */
    public Duration duration(Map<String, ?> parent, String path, String key, boolean required) {
        String text = string(parent, path, key, required);
        if (text == null) {
            return null;
        }
        Duration d = parseDuration(text);
        if (d == null || d.isZero()) {
            error(join(path, key), "must be a positive duration like 1h, 30m, 1m30s or 500ms, not '" + text + "'");
            return null;
        }
        return d;
    }

    /** Parses a Gateway API duration, or returns {@code null} if {@code text} is not one. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        int parts = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at || ++parts > 4) {
                return null;
            }
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "h":
                    total = total.plusHours(n);
                    break;
                case "m":
                    total = total.plusMinutes(n);
                    break;
                case "s":
                    total = total.plusSeconds(n);
                    break;
                default:
                    total = total.plusMillis(n);
            }
            at = m.end();
        }
        return parts == 0 ? null : total;
    }

    /** {@code path.key}, or {@code key} at the root. */
    public static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
