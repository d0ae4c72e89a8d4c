package dev.nantian.k8s.translate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.k8s.source.LoadResult;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import dev.nantian.k8s.translate.GatewayTranslator;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The snapshot version is a content hash of everything the data plane is given: changing any one component of any
 * record in a translated snapshot (listeners, routes, clusters, secrets, extensions) must change it, and equal
 * content must keep it. The variants are made by reflection, so a component added to an IR record is covered.
 */
class SnapshotVersionTest {
    @TempDir
    Path dir;

    /** Every {@code Record.component} that some variant changed, over all fixtures. */
    private static final Set<String> covered = new TreeSet<>();

    @ParameterizedTest
    @ValueSource(
            strings = {"translator/basic.yaml", "features/backend-lb.yaml", "features/ai.yaml", "features/l4.yaml"})
    void changingAnyComponentOfAnyRecordChangesTheVersion(String fixture) throws Exception {
        ConfigSnapshot snapshot = translate(fixture);
        List<List<?>> parts = parts(snapshot);
        String version = version(parts);
        assertThat(version).isEqualTo(snapshot.version());

        int variants = 0;
        for (int p = 0; p < parts.size(); p++) {
            for (Variant variant : variants(parts.get(p), "")) {
                List<List<?>> changed = new ArrayList<>(parts);
                changed.set(p, (List<?>) variant.value());
                assertThat(version(changed))
                        .as("version after changing %s", variant.what())
                        .isNotEqualTo(version);
                variants++;
            }
        }
        assertThat(variants).isGreaterThan(20);
    }

    @Test
    void everyComponentOfTheMainRecordsIsExercised() throws Exception {
        for (String f : List.of("translator/basic.yaml", "features/backend-lb.yaml", "features/ai.yaml")) {
            ConfigSnapshot s = translate(f);
            for (List<?> part : parts(s)) {
                variants(part, "");
            }
        }
        assertThat(covered)
                .contains(
                        "Listener.name",
                        "Listener.port",
                        "Listener.hostname",
                        "VirtualHost.domains",
                        "HttpRoute.match",
                        "RouteMeta.name",
                        "RouteMeta.creationTimestamp",
                        "Prefix.value",
                        "ClusterBackend.weight",
                        "Cluster.name",
                        "Cluster.endpoints",
                        "Endpoint.address",
                        "Endpoint.port",
                        "ExtensionConfig.spec");
    }

    @Test
    void mapsHashTheSameWhateverTheirIterationOrder() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("x", 1);
        a.put("y", List.of("p", Map.of("k", true)));
        Map<String, Object> b = new HashMap<>();
        b.put("y", List.of("p", Map.of("k", true)));
        b.put("x", 1);
        Map<String, Object> c = new TreeMap<>(b);

        String ha = new ContentHash().add(a).finish();
        assertThat(new ContentHash().add(b).finish()).isEqualTo(ha);
        assertThat(new ContentHash().add(Map.copyOf(a)).finish()).isEqualTo(ha);
        assertThat(new ContentHash().add(c).finish()).isEqualTo(ha);
        assertThat(new ContentHash().add(Map.of("x", 1L, "y", a.get("y"))).finish())
                .as("a long is not an int")
                .isNotEqualTo(ha);
    }

    @Test
    void valuesThatPrintAlikeHashApart() {
        assertThat(new ContentHash().add(List.of("a,b")).finish())
                .isNotEqualTo(new ContentHash().add(List.of("a", "b")).finish());
        assertThat(new ContentHash().add(List.of("ab", "")).finish())
                .isNotEqualTo(new ContentHash().add(List.of("a", "b")).finish());
        assertThat(new ContentHash().add(Optional.empty()).finish())
                .isNotEqualTo(new ContentHash().add(Optional.of("")).finish());
        assertThat(new ContentHash().add("\u00e9").finish())
                .isNotEqualTo(new ContentHash().add("e\u0301").finish());
    }

    private ConfigSnapshot translate(String fixture) throws Exception {
        Path file = Path.of(getClass().getResource("/fixtures/" + fixture).toURI());
        Path copy = Files.createTempDirectory(dir, "in");
        Files.copy(file, copy.resolve("in.yaml"));
        LoadResult loaded = YamlDirectoryLoader.builder().build().load(copy);
        return GatewayTranslator.builder()
                .build()
                .translate(loaded.resources())
                .snapshot()
                .orElseThrow();
    }

    /** What the translator hashes: listeners in order, clusters and secrets by name, extension configs in order. */
    private static List<List<?>> parts(ConfigSnapshot s) {
        return List.of(
                s.listeners(),
                List.copyOf(new TreeMap<>(s.clusters()).values()),
                List.copyOf(new TreeMap<>(s.secrets()).values()),
                s.extensions());
    }

    @SuppressWarnings("unchecked")
    private static String version(List<List<?>> parts) {
        return Translation.hash(
                (List<dev.nantian.core.model.Listener>) parts.get(0),
                (List<dev.nantian.core.model.Cluster>) parts.get(1),
                (List<dev.nantian.core.model.Secret>) parts.get(2),
                (List<dev.nantian.core.model.ExtensionConfig>) parts.get(3));
    }

    /** A copy of a value that differs in one place, and which record component that is. */
    private record Variant(String what, Object value) {}

    /** Copies of {@code value} that each differ from it in one place; records that refuse a value are skipped. */
    private static List<Variant> variants(Object value, String where) {
        List<Variant> out = new ArrayList<>();
        if (value instanceof String s) {
            out.add(new Variant(where, s + "x"));
        } else if (value instanceof Integer i) {
            out.add(new Variant(where, i + 1));
            out.add(new Variant(where, i - 1));
        } else if (value instanceof Long l) {
            out.add(new Variant(where, l + 1));
        } else if (value instanceof Boolean b) {
            out.add(new Variant(where, !b));
        } else if (value instanceof Double d) {
            out.add(new Variant(where, d + 0.5));
        } else if (value instanceof Duration d) {
            out.add(new Variant(where, d.plusMillis(1)));
        } else if (value instanceof Instant t) {
            out.add(new Variant(where, t.plusSeconds(1)));
        } else if (value instanceof Enum<?> e) {
            for (Object other : e.getDeclaringClass().getEnumConstants()) {
                if (other != e) {
                    out.add(new Variant(where, other));
                }
            }
        } else if (value instanceof Optional<?> o && o.isPresent()) {
            out.add(new Variant(where, Optional.empty()));
            variants(o.get(), where).forEach(v -> out.add(new Variant(v.what, Optional.of(v.value))));
        } else if (value instanceof List<?> list) {
            if (!list.isEmpty()) {
                out.add(new Variant(where + " (one less)", List.copyOf(list.subList(0, list.size() - 1))));
            }
            for (int i = 0; i < list.size(); i++) {
                for (Variant v : variants(list.get(i), where)) {
                    List<Object> copy = new ArrayList<>(list);
                    copy.set(i, v.value);
                    out.add(new Variant(v.what, copy));
                }
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Object key : map.keySet()) {
                Map<Object, Object> without = new LinkedHashMap<>(map);
                without.remove(key);
                out.add(new Variant(where + " (without " + key + ")", without));
                for (Variant v : variants(map.get(key), where + "[" + key + "]")) {
                    Map<Object, Object> copy = new LinkedHashMap<>(map);
                    copy.put(key, v.value);
                    out.add(new Variant(v.what, copy));
                }
            }
        } else if (value instanceof Record r) {
            RecordComponent[] components = r.getClass().getRecordComponents();
            Object[] args = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            try {
                for (int i = 0; i < components.length; i++) {
                    components[i].getAccessor().setAccessible(true);
                    args[i] = components[i].getAccessor().invoke(r);
                    types[i] = components[i].getType();
                }
                Constructor<?> canonical = r.getClass().getDeclaredConstructor(types);
                canonical.setAccessible(true);
                for (int i = 0; i < components.length; i++) {
                    String name = r.getClass().getSimpleName() + "." + components[i].getName();
                    for (Variant v : variants(args[i], name)) {
                        Object[] changed = args.clone();
                        changed[i] = v.value;
                        try {
                            out.add(new Variant(v.what, canonical.newInstance(changed)));
                            covered.add(name);
                        } catch (InvocationTargetException refused) {
                            // the record's own validation refuses this value: not a config anyone can serve
                        }
                    }
                }
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }
}
