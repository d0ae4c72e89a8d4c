package dev.nantian.proxy.admin.internal;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.Secret;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Renders a {@link ConfigSnapshot} as plain maps and lists for {@link dev.nantian.core.admin.Json}, with every
 * secret reduced to its name and kind. The IR is records all the way down, so the renderer walks record components
 * rather than naming every model type, and a field added to the model shows up without a change here.
 *
 * <p>What is redacted, and why it cannot leak by accident:
 *
 * <ul>
 *   <li>{@link Secret}s become {@code {name, type}} ({@code keys} for generic secrets): no certificate, CA bundle,
 *       private key or value is ever read. Secrets are matched by type wherever they appear, not by position.
 *   <li>{@link ExtensionConfig} specs are opaque to the proxy and may carry credentials inline; only group, kind,
 *       namespace and name are shown.
 *   <li>As a last guard, any string that holds a PEM block is replaced by {@value #REDACTED}.
 * </ul>
 *
 * <p>Optional values are written when present and left out when empty; variants of a sealed type carry a
 * {@code type} key with their simple name (e.g. {@code Forward}, {@code Prefix}).
 */
public final class SnapshotRenderer {
    /** What redacted values are replaced by. */
    public static final String REDACTED = "<redacted>";

    private SnapshotRenderer() {}

    /** The snapshot as JSON-ready maps and lists. */
    public static Map<String, Object> render(ConfigSnapshot snapshot) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", snapshot.version());
        out.put("listeners", value(snapshot.listeners()));
        out.put("clusters", value(new ArrayList<>(snapshot.clusters().values())));
        List<Object> secrets = new ArrayList<>();
        new TreeSet<>(snapshot.secrets().keySet())
                .forEach(name -> secrets.add(secret(snapshot.secrets().get(name))));
        out.put("secrets", secrets);
        out.put("extensions", value(snapshot.extensions()));
        return out;
    }

    private static Map<String, Object> secret(Secret s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", s.name());
        out.put("type", s.getClass().getSimpleName());
        if (s instanceof Secret.Generic g) {
            out.put("keys", new ArrayList<>(new TreeSet<>(g.data().keySet())));
        }
        return out;
    }

    private static Map<String, Object> extension(ExtensionConfig e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("group", e.group());
        out.put("kind", e.kind());
        out.put("namespace", e.namespace());
        out.put("name", e.name());
        out.put("spec", REDACTED);
        return out;
    }

    private static Object value(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Secret s) {
            return secret(s);
        }
        if (v instanceof ExtensionConfig e) {
            return extension(e);
        }
        if (v instanceof CharSequence s) {
            return guard(s.toString());
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v instanceof Duration || v instanceof Instant) {
            return v.toString();
        }
        if (v instanceof Optional<?> o) {
            return o.map(SnapshotRenderer::value).orElse(null);
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), value(x)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            c.forEach(x -> out.add(value(x)));
            return out;
        }
        if (v instanceof Record r) {
            return record(r);
        }
        // Not a model type; its string form is the most a reader can use. Still guarded.
        return guard(v.toString());
    }

    private static Map<String, Object> record(Record r) {
        Map<String, Object> out = new LinkedHashMap<>();
        Class<?> type = r.getClass();
        if (isVariant(type)) {
            out.put("type", type.getSimpleName());
        }
        for (RecordComponent c : type.getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(r);
            } catch (IllegalAccessException | InvocationTargetException e) {
                value = "<unreadable: " + e.getClass().getSimpleName() + ">";
            }
            if (value instanceof Optional<?> o && o.isEmpty()) {
                continue;
            }
            out.put(c.getName(), value(value));
        }
        return out;
    }

    private static boolean isVariant(Class<?> type) {
        for (Class<?> i : type.getInterfaces()) {
            if (i.isSealed()) {
                return true;
            }
        }
        return false;
    }

    private static String guard(String s) {
        return s.contains("-----BEGIN ") ? REDACTED : s;
    }
}
