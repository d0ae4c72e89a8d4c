package dev.nantian.proxy.app;

import dev.nantian.core.ConfigValidationException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A strict reader over one YAML mapping of the config file. Every value is read through a typed getter that names the
 * key's full path ({@code grpcTLS.certPath}) in its error; {@link #finish()} then reports every key nobody asked for.
 * Errors are collected, not thrown one by one, so that one run tells the operator everything that is wrong.
 *
 * <p>The controller app has its own copy of this class: apps may not depend on each other and no library owns config-file
 * parsing yet. Keep the two in step; move them into a library once a third user appears.
 *
 * <p>Not thread-safe; used once, at startup.
 */
final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final JsonNode node;
    private final String path;
    private final List<String> errors;
    private final Set<String> known = new LinkedHashSet<>();
    private final Map<String, String> unsupported = new LinkedHashMap<>();
    private final List<ConfigNode> children = new ArrayList<>();

    private ConfigNode(JsonNode node, String path, List<String> errors) {
        this.node = node;
        this.path = path;
        this.errors = errors;
    }

    /**
     * Parses {@code file} as a YAML mapping.
     *
     * @throws ConfigValidationException when the file cannot be read or is not a mapping
     */
    static ConfigNode read(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (java.io.IOException e) {
            throw new ConfigValidationException(List.of("cannot read config file " + file + ": " + e.getMessage()));
        } catch (JacksonException e) {
            throw new ConfigValidationException(
                    List.of("config file " + file + " is not valid YAML: " + e.getOriginalMessage()));
        }
        return parse(root, "config file " + file);
    }

    /** Reads YAML text; for tests and embedders. */
    static ConfigNode parse(String yaml) {
        try {
            return parse(YAML.readTree(yaml), "config");
        } catch (JacksonException e) {
            throw new ConfigValidationException(List.of("config is not valid YAML: " + e.getOriginalMessage()));
        }
    }

    private static ConfigNode parse(JsonNode root, String what) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigValidationException(List.of(what + " is empty"));
        }
        if (!root.isObject()) {
            throw new ConfigValidationException(List.of(what + " must be a YAML mapping of settings"));
        }
        return new ConfigNode(root, "", new ArrayList<>());
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Records an error about {@code key}. */
    void error(String key, String message) {
        errors.add(pathOf(key) + ": " + message);
    }

    /** Records an error whose message names its key already. */
    void rawError(String message) {
        errors.add(message);
    }

    /** Whether {@code key} is set to something other than null. Marks the key as known. */
    boolean has(String key) {
        return value(key) != null;
    }

    private JsonNode value(String key) {
        known.add(key);
        JsonNode v = node == null ? null : node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    /** Declares {@code key} a documented setting this app does not implement yet; setting it is an error. */
    void notSupportedYet(String key, String hint) {
        unsupported.put(key, hint);
    }

    Optional<String> string(String key) {
        JsonNode v = value(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isString() || v.stringValue().isBlank()) {
            error(key, "must be a non-empty string, got " + describe(v));
            return Optional.empty();
        }
        return Optional.of(v.stringValue());
    }

    String string(String key, String defaultValue) {
        return string(key).orElse(defaultValue);
    }

    boolean bool(String key, boolean defaultValue) {
        JsonNode v = value(key);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isBoolean()) {
            error(key, "must be true or false, got " + describe(v));
            return defaultValue;
        }
        return v.booleanValue();
    }

    int integer(String key, int defaultValue, int min) {
        JsonNode v = value(key);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            error(key, "must be a whole number, got " + describe(v));
            return defaultValue;
        }
        if (v.intValue() < min) {
            error(key, "must be at least " + min + ", got " + v.intValue());
            return defaultValue;
        }
        return v.intValue();
    }

    /** A duration such as {@code 300ms}, {@code 1.5s}, {@code 2m} or {@code 1h}. */
    Duration duration(String key, Duration defaultValue) {
        JsonNode v = value(key);
        if (v == null) {
            return defaultValue;
        }
        Matcher m = DURATION.matcher(v.isString() ? v.stringValue().trim() : "");
        if (!m.matches()) {
            error(key, "must be a duration with a unit (ms, s, m or h) such as 300ms, got " + describe(v));
            return defaultValue;
        }
        double amount = Double.parseDouble(m.group(1));
        double millis;
        switch (m.group(2)) {
            case "ms":
                millis = amount;
                break;
            case "s":
                millis = amount * 1_000;
                break;
            case "m":
                millis = amount * 60_000;
                break;
            default:
                millis = amount * 3_600_000;
                break;
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /** A {@code HOST:PORT} address ({@code [v6]:PORT} for IPv6 literals); port 0 picks a free port. */
    Optional<InetSocketAddress> address(String key) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(hostPort(s.get()));
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return Optional.empty();
        }
    }

    /** A gRPC target {@code HOST:PORT}, checked for form only: the channel resolves the host, again on reconnects. */
    Optional<String> target(String key) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        String t = s.get();
        int colon = t.lastIndexOf(':');
        boolean ok = colon > 0 && colon < t.length() - 1;
        if (ok) {
            try {
                int port = Integer.parseInt(t.substring(colon + 1));
                ok = port > 0 && port <= 65535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            error(key, "expected HOST:PORT with a port from 1 to 65535, got " + t);
            return Optional.empty();
        }
        return s;
    }

    /** The mapping under {@code key} as plain Java values, for settings parsed elsewhere; empty when absent. */
    Optional<Map<String, Object>> rawMap(String key) {
        JsonNode v = value(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            error(key, "must be a mapping, got " + describe(v));
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = YAML.convertValue(v, Map.class);
        return Optional.of(map);
    }

    /** A file that must exist and be readable now. */
    Optional<Path> file(String key) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        Path p = Path.of(s.get());
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            error(key, "no readable file at " + p);
            return Optional.empty();
        }
        return Optional.of(p);
    }

    /** The mapping under {@code key}; an empty node when absent (its getters then return their defaults). */
    ConfigNode child(String key) {
        JsonNode v = value(key);
        if (v != null && !v.isObject()) {
            error(key, "must be a mapping, got " + describe(v));
            v = null;
        }
        ConfigNode c = new ConfigNode(v, pathOf(key), errors);
        children.add(c);
        return c;
    }

    /**
     * Reports keys that were never asked for (typos, settings of another version) and documented settings that are
     * not supported yet, then throws if any error was recorded anywhere in the tree.
     *
     * @throws ConfigValidationException with every error found
     */
    void finish() {
        collectUnknown();
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors);
        }
    }

    private void collectUnknown() {
        if (node != null) {
            for (String key : node.propertyNames()) {
                String hint = unsupported.get(key);
                if (hint != null) {
                    errors.add(pathOf(key) + ": not supported yet" + (hint.isEmpty() ? "" : "; " + hint));
                } else if (!known.contains(key)) {
                    errors.add(pathOf(key) + ": unknown key (known keys here: " + String.join(", ", known) + ")");
                }
            }
        }
        children.forEach(ConfigNode::collectUnknown);
    }

    private static String describe(JsonNode v) {
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        return v.isString() ? "\"" + v.stringValue() + "\"" : v.toString();
    }

    /** Parses {@code HOST:PORT}. */
    static InetSocketAddress hostPort(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + s);
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port in " + s, e);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range in " + s);
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve host " + host + " in " + s);
        }
        return address;
    }
}
