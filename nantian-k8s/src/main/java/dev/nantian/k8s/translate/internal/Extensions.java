package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.k8s.crd.AIService;
import dev.nantian.k8s.crd.ExtensionResource;
import dev.nantian.k8s.crd.TokenPolicy;
import dev.nantian.k8s.crd.WasmPlugin;
import dev.nantian.k8s.translate.ResourceSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Our own kinds ({@code AIService}, {@code TokenPolicy}, {@code WasmPlugin}), resolved once per translation into
 * {@link ExtensionConfig}s of the snapshot, plus what they need there: one cluster per AIService provider, named
 * {@code ai/<namespace>/<aiservice>/<provider>} after its endpoint, and the Secrets holding provider API keys.
 *
 * <p>The extensions parse the specs themselves, and a data plane rejects a whole snapshot whose extension config
 * does not parse. So every spec is checked here first against the same rules, and an object that fails is left out
 * of the snapshot and reported in its status instead; references to it fail like references to a missing object.
 */
final class Extensions {
    private static final Set<String> AI_FIELDS = Set.of("providers", "fallback", "pii");
    private static final Set<String> PROVIDER_FIELDS =
            Set.of("name", "type", "endpoint", "auth", "models", "modelMap", "timeout");
    private static final Map<String, String> DEFAULT_ENDPOINTS = Map.of(
            "OpenAI", "https://api.openai.com",
            "Anthropic", "https://api.anthropic.com",
            "Ollama", "http://127.0.0.1:11434");
    private static final Set<String> PII_MODES = Set.of("off", "mask", "hash", "block");
    private static final Set<String> PII_DETECTORS =
            Set.of("email", "phone", "creditCard", "ssn", "iban", "ipAddress", "secret");
    private static final Set<String> TOKEN_POLICY_FIELDS =
            Set.of("targetRefs", "source", "limits", "store", "clampMaxTokens");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** One object of ours and what was found out about it. */
    static final class Entry {
        final ExtensionResource object;
        final String kind;
        final String namespace;
        final String name;
        /** Spec problems: {@code Accepted=False/Invalid}. */
        final List<String> problems = new ArrayList<>();
        /** Reference problems: {@code ResolvedRefs=False} with {@link #refsReason}. */
        final List<String> unresolved = new ArrayList<>();

        String refsReason;
        /** The config carried in the snapshot; null when the object is not usable. */
        ExtensionConfig config;

        Entry(ExtensionResource object) {
            this.object = object;
            this.kind = object.getKind();
            this.namespace = Objects2.ns(object);
            this.name = object.getMetadata().getName();
        }

        String key() {
            return namespace + "/" + name;
        }

        boolean usable() {
            return config != null;
        }

        /** Why references to the object fail; null when it is usable. */
        String unusableReason() {
            if (usable()) {
                return null;
            }
            return kind + " " + key() + " is not usable: "
                    + String.join("; ", problems.isEmpty() ? unresolved : problems);
        }

        private void unresolved(String reason, String message) {
            if (refsReason == null) {
                refsReason = reason;
            }
            unresolved.add(message);
        }
    }

    /** A TokenPolicy target of the HTTPRoute kind or the AIService kind. */
    private record Target(String group, String kind, String name) {}

    /** A value in a Secret of the AIService's namespace ({@code auth.secretRef}). */
    private record SecretKeyRef(String name, String key) {}

    private final Index index;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, Cluster> clusters = new TreeMap<>();
    private final Map<String, Secret.Generic> secrets = new TreeMap<>();
    /** Usable TokenPolicies by their target, {@code HTTPRoute/ns/name} or {@code AIService/ns/name}. */
    private final Map<String, List<Entry>> tokenPoliciesByTarget = new LinkedHashMap<>();

    Extensions(ResourceSet in, Index index) {
        this.index = index;
        Comparator<HasMetadata> order = Comparator.comparing(Objects2::ns)
                .thenComparing(o -> o.getMetadata().getName());
        List<AIService> aiServices = new ArrayList<>(in.aiServices());
        aiServices.sort(order);
        aiServices.forEach(o -> aiService(add(o)));
        List<WasmPlugin> plugins = new ArrayList<>(in.wasmPlugins());
        plugins.sort(order);
        plugins.forEach(o -> wasmPlugin(add(o)));
        Set<String> httpRoutes = new HashSet<>();
        in.httpRoutes()
                .forEach(r ->
                        httpRoutes.add(Objects2.ns(r) + "/" + r.getMetadata().getName()));
        List<TokenPolicy> policies = new ArrayList<>(in.tokenPolicies());
        policies.sort(order);
        policies.forEach(o -> tokenPolicy(add(o), httpRoutes));
    }

    private Entry add(ExtensionResource object) {
        Entry e = new Entry(object);
        entries.put(e.kind + "/" + e.key(), e);
        return e;
    }

    /** The object of ours of that kind, or null. */
    Entry get(String kind, String namespace, String name) {
        return entries.get(kind + "/" + namespace + "/" + name);
    }

    Iterable<Entry> entries() {
        return entries.values();
    }

    /** Every usable object's config, for the snapshot. */
    List<ExtensionConfig> configs() {
        List<ExtensionConfig> out = new ArrayList<>();
        entries.values().forEach(e -> {
            if (e.usable()) {
                out.add(e.config);
            }
        });
        return out;
    }

    /** The provider clusters of usable AIServices. */
    Map<String, Cluster> clusters() {
        return clusters;
    }

    /** The API key Secrets of usable AIServices, by snapshot name {@code namespace/name}. */
    Map<String, Secret.Generic> secrets() {
        return secrets;
    }

    /**
     * The TokenPolicy filters for a rule of HTTPRoute {@code namespace/name} whose backends include the given
     * AIServices ({@code namespace/name}): policies of the route first, then of each AIService, each once, in name
     * order within a target.
     */
    List<RouteFilter> tokenPolicyFilters(String namespace, String route, List<String> aiServices) {
        Set<Entry> seen = new LinkedHashSet<>();
        seen.addAll(tokenPoliciesByTarget.getOrDefault("HTTPRoute/" + namespace + "/" + route, List.of()));
        for (String ai : aiServices) {
            seen.addAll(tokenPoliciesByTarget.getOrDefault("AIService/" + ai, List.of()));
        }
        List<RouteFilter> out = new ArrayList<>();
        for (Entry e : seen) {
            out.add(new RouteFilter.ExtensionRef(ExtensionResource.GROUP, e.kind, e.namespace, e.name));
        }
        return out;
    }

    // ---- AIService ----

    private void aiService(Entry e) {
        SpecChecker c = new SpecChecker();
        Map<String, Object> spec = e.object.getSpec();
        c.rejectUnknown(spec, "", AI_FIELDS);
        Map<String, Cluster> found = new LinkedHashMap<>();
        Set<SecretKeyRef> secretRefs = new LinkedHashSet<>();
        Set<String> names = new HashSet<>();
        List<Map.Entry<String, Map<String, Object>>> providers = c.objects(spec, "", "providers", true);
        if (providers.isEmpty() && spec.get("providers") instanceof List) {
            c.problem("providers", "must list at least one provider");
        }
        for (Map.Entry<String, Map<String, Object>> p : providers) {
            provider(c, e, p.getKey(), p.getValue(), names, found, secretRefs);
        }
        for (String f : c.strings(spec, "", "fallback")) {
            if (!names.contains(f)) {
                c.problem("fallback", "names unknown provider " + f);
            }
        }
        Map<String, Object> pii = c.object(spec, "", "pii", false);
        if (pii != null) {
            c.rejectUnknown(pii, "pii", Set.of("request", "response", "detectors"));
            for (String key : List.of("request", "response")) {
                Object mode = pii.get(key);
                if (mode != null && !Boolean.FALSE.equals(mode) && !PII_MODES.contains(mode)) {
                    c.problem("pii." + key, "must be off, mask, hash or block, not '" + mode + "'");
                }
            }
            for (String d : c.strings(pii, "pii", "detectors")) {
                if (!PII_DETECTORS.contains(d)) {
                    c.problem("pii.detectors", "unknown detector '" + d + "' (known: " + PII_DETECTORS + ")");
                }
            }
        }
        e.problems.addAll(c.problems());
        for (SecretKeyRef ref : secretRefs) {
            resolveSecret(e, ref);
        }
        if (e.problems.isEmpty() && e.unresolved.isEmpty() && config(e)) {
            clusters.putAll(found);
        }
    }

    private static void provider(
            SpecChecker c,
            Entry e,
            String path,
            Map<String, Object> p,
            Set<String> names,
            Map<String, Cluster> clusters,
            Set<SecretKeyRef> secretRefs) {
        c.rejectUnknown(p, path, PROVIDER_FIELDS);
        String name = c.string(p, path, "name", true);
        if (name != null && !DNS_LABEL.matcher(name).matches()) {
            c.problem(path + ".name", "must be a DNS label (lower case letters, digits, '-'), not '" + name + "'");
            name = null;
        } else if (name != null && !names.add(name)) {
            c.problem(path + ".name", "duplicate provider name " + name);
            name = null;
        }
        String type = c.string(p, path, "type", true);
        if (type != null && !DEFAULT_ENDPOINTS.containsKey(type)) {
            c.problem(path + ".type", "must be OpenAI, Anthropic or Ollama, not '" + type + "'");
            type = null;
        }
        String endpointText = c.string(p, path, "endpoint", false);
        Map<String, Object> auth = c.object(p, path, "auth", false);
        if (auth != null) {
            c.rejectUnknown(auth, path + ".auth", Set.of("secretRef"));
            Map<String, Object> ref = c.object(auth, path + ".auth", "secretRef", true);
            if (ref != null) {
                String refPath = path + ".auth.secretRef";
                c.rejectUnknown(ref, refPath, Set.of("name", "key"));
                String secretName = c.string(ref, refPath, "name", true);
                String key = c.string(ref, refPath, "key", true);
                if (secretName != null && key != null) {
                    secretRefs.add(new SecretKeyRef(secretName, key));
                }
            }
        } else if ("Anthropic".equals(type) || ("OpenAI".equals(type) && endpointText == null)) {
            c.problem(path + ".auth", "is required for " + type);
        }
        c.strings(p, path, "models");
        Map<String, Object> modelMap = c.object(p, path, "modelMap", false);
        if (modelMap != null) {
            modelMap.forEach((k, v) -> {
                if (!(v instanceof String) || ((String) v).isEmpty()) {
                    c.problem(path + ".modelMap." + k, "must be a non-empty string");
                }
            });
        }
        c.duration(p, path, "timeout", false);
        if (name == null || type == null) {
            return;
        }
        String text = endpointText == null ? DEFAULT_ENDPOINTS.get(type) : endpointText;
        URI endpoint;
        try {
            endpoint = new URI(text);
        } catch (URISyntaxException ex) {
            c.problem(path + ".endpoint", "is not a URL: " + text);
            return;
        }
        boolean https = "https".equals(endpoint.getScheme());
        if (!(https || "http".equals(endpoint.getScheme()))
                || endpoint.getHost() == null
                || endpoint.getRawQuery() != null
                || endpoint.getRawFragment() != null
                || endpoint.getRawUserInfo() != null) {
            c.problem(path + ".endpoint", "must be an http(s) URL with a host and no query: " + text);
            return;
        }
        String host = endpoint.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // an IPv6 literal
        }
        int port = endpoint.getPort() > 0 ? endpoint.getPort() : https ? 443 : 80;
        String cluster = "ai/" + e.namespace + "/" + e.name + "/" + name;
        Cluster.Builder b = Cluster.builder(cluster).addEndpoint(Endpoint.of(host, port));
        if (https) {
            // public providers: the JDK's trust store, and the endpoint's host as SNI and expected name
            b.tls(new UpstreamTls(List.of(), host, List.of(), Optional.empty()));
        }
        clusters.put(cluster, b.build());
    }

    /** Adds the Secret of {@code ref} to the snapshot, or reports why not. */
    private void resolveSecret(Entry e, SecretKeyRef ref) {
        String name = ref.name();
        String key = ref.key();
        io.fabric8.kubernetes.api.model.Secret secret = index.secret(e.namespace, name);
        String display = e.namespace + "/" + name;
        if (secret == null) {
            e.unresolved(Reasons.INVALID_SECRET_REF, "Secret " + display + " not found");
            return;
        }
        Map<String, String> data = new TreeMap<>();
        Objects2.map(secret.getStringData()).forEach(data::put);
        for (Map.Entry<String, String> d : Objects2.map(secret.getData()).entrySet()) {
            try {
                data.put(d.getKey(), new String(Base64.getMimeDecoder().decode(d.getValue()), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException ex) {
                e.unresolved(Reasons.INVALID_SECRET_REF, "Secret " + display + " key " + d.getKey() + " is not base64");
                return;
            }
        }
        if (!data.containsKey(key)) {
            e.unresolved(Reasons.INVALID_SECRET_REF, "Secret " + display + " has no key " + key);
            return;
        }
        secrets.putIfAbsent(display, new Secret.Generic(display, data));
    }

    // ---- WasmPlugin ----

    /**
     * The fields the translator relies on; the rest of the spec ({@code config}, {@code limits}, ...) belongs to
     * the Wasm host, which checks it when it loads the plugin.
     */
    private void wasmPlugin(Entry e) {
        SpecChecker c = new SpecChecker();
        Map<String, Object> spec = e.object.getSpec();
        String url = c.string(spec, "", "url", false);
        String image = c.string(spec, "", "image", false);
        if ((url == null) == (image == null)) {
            c.problem("", "needs exactly one of url and image");
        }
        String sha256 = c.string(spec, "", "sha256", false);
        if (sha256 != null && !SHA256.matcher(sha256).matches()) {
            c.problem("sha256", "must be 64 lower-case hex digits");
        }
        c.string(spec, "", "phase", false);
        c.bool(spec, "", "failOpen");
        e.problems.addAll(c.problems());
        if (e.problems.isEmpty()) {
            config(e);
        }
    }

    // ---- TokenPolicy ----

    private void tokenPolicy(Entry e, Set<String> httpRoutes) {
        SpecChecker c = new SpecChecker();
        Map<String, Object> spec = e.object.getSpec();
        c.rejectUnknown(spec, "", TOKEN_POLICY_FIELDS);
        List<Target> targets = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> t : c.objects(spec, "", "targetRefs", false)) {
            String path = t.getKey();
            c.rejectUnknown(t.getValue(), path, Set.of("group", "kind", "name"));
            String group = c.string(t.getValue(), path, "group", true);
            String kind = c.string(t.getValue(), path, "kind", true);
            String name = c.string(t.getValue(), path, "name", true);
            if (group == null || kind == null || name == null) {
                continue;
            }
            boolean route = group.equals(Reasons.GATEWAY_GROUP) && kind.equals("HTTPRoute");
            boolean ai = group.equals(ExtensionResource.GROUP) && kind.equals(AIService.KIND);
            if (route || ai) {
                targets.add(new Target(group, kind, name));
            } else {
                c.problem(path, "targets " + group + "/" + kind + "; HTTPRoute and AIService are supported");
            }
        }
        Map<String, Object> source = c.object(spec, "", "source", false);
        if (source != null) {
            c.rejectUnknown(source, "source", Set.of("header", "clientIP"));
            if (source.size() != 1) {
                c.problem("source", "must have exactly one of header, clientIP");
            } else if (source.containsKey("header")) {
                c.string(source, "source", "header", true);
            } else {
                c.object(source, "source", "clientIP", false);
            }
        }
        List<Map.Entry<String, Map<String, Object>>> limits = c.objects(spec, "", "limits", true);
        if (limits.isEmpty() && spec.get("limits") instanceof List) {
            c.problem("limits", "must list at least one limit");
        }
        for (Map.Entry<String, Map<String, Object>> l : limits) {
            c.rejectUnknown(l.getValue(), l.getKey(), Set.of("tokens", "window"));
            c.integer(l.getValue(), l.getKey(), "tokens", true, 1);
            Duration window = c.duration(l.getValue(), l.getKey(), "window", true);
            if (window != null && window.toMillis() < 1000) {
                c.problem(l.getKey() + ".window", "must be at least 1s");
            }
        }
        store(c, spec);
        c.bool(spec, "", "clampMaxTokens");
        e.problems.addAll(c.problems());
        if (!e.problems.isEmpty()) {
            return;
        }
        List<String> found = new ArrayList<>();
        for (Target t : targets) {
            String key = e.namespace + "/" + t.name();
            boolean exists = t.kind().equals("HTTPRoute")
                    ? httpRoutes.contains(key)
                    : get(AIService.KIND, e.namespace, t.name()) != null
                            && get(AIService.KIND, e.namespace, t.name()).usable();
            if (exists) {
                found.add(t.kind() + "/" + key);
            } else {
                e.unresolved(Reasons.TARGET_NOT_FOUND, t.kind() + " " + key + " not found or not usable");
            }
        }
        if (!targets.isEmpty() && found.isEmpty()) {
            return; // a policy for nothing: reported, and kept out of the snapshot
        }
        if (config(e)) {
            found.forEach(f -> tokenPoliciesByTarget
                    .computeIfAbsent(f, k -> new ArrayList<>())
                    .add(e));
        }
    }

    private static void store(SpecChecker c, Map<String, Object> spec) {
        Map<String, Object> store = c.object(spec, "", "store", false);
        if (store == null) {
            return;
        }
        c.rejectUnknown(store, "store", Set.of("memory", "redis"));
        if (store.size() != 1) {
            c.problem("store", "must have exactly one of memory, redis");
            return;
        }
        if (store.containsKey("memory")) {
            Map<String, Object> memory = c.object(store, "store", "memory", false);
            if (memory != null) {
                c.rejectUnknown(memory, "store.memory", Set.of());
            }
            return;
        }
        Map<String, Object> redis = c.object(store, "store", "redis", true);
        if (redis == null) {
            return;
        }
        c.rejectUnknown(redis, "store.redis", Set.of("address", "failMode", "timeout"));
        String address = c.string(redis, "store.redis", "address", true);
        String mode = c.string(redis, "store.redis", "failMode", false);
        if (mode != null && !mode.equals("open") && !mode.equals("closed")) {
            c.problem("store.redis.failMode", "must be open or closed, not '" + mode + "'");
        }
        c.duration(redis, "store.redis", "timeout", false);
        if (address != null) {
            int colon = address.lastIndexOf(':');
            boolean ok = colon > 0;
            if (ok) {
                try {
                    int port = Integer.parseInt(address.substring(colon + 1));
                    ok = port >= 1 && port <= 65535;
                } catch (NumberFormatException ex) {
                    ok = false;
                }
            }
            if (!ok) {
                c.problem("store.redis.address", "must be HOST:PORT, not '" + address + "'");
            }
        }
    }

    /** Makes the object's snapshot config; false (reported) when its spec cannot be carried. */
    private static boolean config(Entry e) {
        try {
            e.config = new ExtensionConfig(ExtensionResource.GROUP, e.kind, e.namespace, e.name, e.object.getSpec());
            return true;
        } catch (IllegalArgumentException ex) {
            e.problems.add(ex.getMessage());
            return false;
        }
    }
}
