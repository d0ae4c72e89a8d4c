package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.internal.SpecReader;
import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ExtensionConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The typed form of a {@code TokenPolicy} spec ({@code gateway.nantian.dev}):
 *
 * <pre>{@code
 * spec:
 *   targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ai}]
 *   source: {header: x-user-id}       # or {clientIP: {}}
 *   limits: [{tokens: 100000, window: 1h}]
 *   store: {memory: {}}               # or {redis: {address: 127.0.0.1:6379, failMode: open, timeout: 250ms}}
 *   clampMaxTokens: true              # default
 * }</pre>
 *
 * @param namespace the policy's namespace
 * @param name the policy's name
 * @param targetRefs what the policy applies to
 * @param source what identifies a bucket
 * @param limits the budgets; a request must fit all of them
 * @param store where counters live
 * @param clampMaxTokens whether a request's max tokens are lowered to the remaining budget
 */
public record TokenPolicyConfig(
        String namespace,
        String name,
        List<PolicyTargetRef> targetRefs,
        RateKeySource source,
        List<TokenLimit> limits,
        TokenStoreConfig store,
        boolean clampMaxTokens) {
    /** The kind. */
    public static final String KIND = "TokenPolicy";

    /** The Redis call timeout when none is set. */
    public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofMillis(250);

    private static final Set<String> FIELDS = Set.of("targetRefs", "source", "limits", "store", "clampMaxTokens");

    public TokenPolicyConfig {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
        targetRefs = List.copyOf(targetRefs);
        requireNonNull(source, "source");
        limits = List.copyOf(limits);
        requireNonNull(store, "store");
        if (limits.isEmpty()) {
            throw new IllegalArgumentException("limits must not be empty");
        }
    }

    /**
     * Parses a TokenPolicy object.
     *
     * @throws ConfigValidationException listing every problem
     */
    public static TokenPolicyConfig parse(ExtensionConfig object) {
        requireNonNull(object, "object");
        return parse(object.namespace(), object.name(), object.spec());
    }

    /**
     * Parses a TokenPolicy spec tree.
     *
     * @throws ConfigValidationException listing every problem
     */
    public static TokenPolicyConfig parse(String namespace, String name, Map<String, ?> spec) {
        SpecReader r = new SpecReader(KIND + " " + namespace + "/" + name);
        r.rejectUnknown(spec, "", FIELDS);
        List<PolicyTargetRef> targets = new ArrayList<>();
        List<?> refs = r.list(spec, "", "targetRefs", false);
        for (int i = 0; i < refs.size(); i++) {
            String path = "targetRefs[" + i + "]";
            if (!(refs.get(i) instanceof Map)) {
                r.error(path, "must be an object");
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> ref = (Map<String, Object>) refs.get(i);
            r.rejectUnknown(ref, path, Set.of("group", "kind", "name"));
            String group = r.string(ref, path, "group", true);
            String kind = r.string(ref, path, "kind", true);
            String refName = r.string(ref, path, "name", true);
            if (group != null && kind != null && refName != null) {
                targets.add(new PolicyTargetRef(group, kind, refName));
            }
        }
        RateKeySource source = parseSource(r, spec);
        List<TokenLimit> limits = new ArrayList<>();
        List<?> items = r.list(spec, "", "limits", true);
        if (items.isEmpty() && spec.get("limits") instanceof List) {
            r.error("limits", "must list at least one limit");
        }
        for (int i = 0; i < items.size(); i++) {
            String path = "limits[" + i + "]";
            if (!(items.get(i) instanceof Map)) {
                r.error(path, "must be an object");
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> limit = (Map<String, Object>) items.get(i);
            r.rejectUnknown(limit, path, Set.of("tokens", "window"));
            long tokens = r.integer(limit, path, "tokens", true, 1, -1);
            Duration window = r.duration(limit, path, "window", true);
            if (window != null && window.toMillis() < 1000) {
                r.error(path + ".window", "must be at least 1s");
                window = null;
            }
            if (tokens > 0 && window != null) {
                limits.add(new TokenLimit(tokens, window));
            }
        }
        TokenStoreConfig store = parseStore(r, spec);
        boolean clamp = r.bool(spec, "", "clampMaxTokens", true);
        if (!r.errors().isEmpty()) {
            throw new ConfigValidationException(r.errors());
        }
        return new TokenPolicyConfig(namespace, name, targets, source, limits, store, clamp);
    }

    private static RateKeySource parseSource(SpecReader r, Map<String, ?> spec) {
        Map<String, Object> source = r.object(spec, "", "source", false);
        if (source == null) {
            return new RateKeySource.ClientIp();
        }
        r.rejectUnknown(source, "source", Set.of("header", "clientIP"));
        if (source.size() != 1) {
            r.error("source", "must have exactly one of header, clientIP");
            return new RateKeySource.ClientIp();
        }
        if (source.containsKey("header")) {
            String header = r.string(source, "source", "header", true);
            return header == null
                    ? new RateKeySource.ClientIp()
                    : new RateKeySource.Header(header.toLowerCase(Locale.ROOT));
        }
        r.object(source, "source", "clientIP", false);
        return new RateKeySource.ClientIp();
    }

    private static TokenStoreConfig parseStore(SpecReader r, Map<String, ?> spec) {
        Map<String, Object> store = r.object(spec, "", "store", false);
        if (store == null) {
            return new TokenStoreConfig.Memory();
        }
        r.rejectUnknown(store, "store", Set.of("memory", "redis"));
        if (store.size() != 1) {
            r.error("store", "must have exactly one of memory, redis");
            return new TokenStoreConfig.Memory();
        }
        if (store.containsKey("memory")) {
            Map<String, Object> memory = r.object(store, "store", "memory", false);
            if (memory != null) {
                r.rejectUnknown(memory, "store.memory", Set.of());
            }
            return new TokenStoreConfig.Memory();
        }
        Map<String, Object> redis = r.object(store, "store", "redis", true);
        if (redis == null) {
            return new TokenStoreConfig.Memory();
        }
        r.rejectUnknown(redis, "store.redis", Set.of("address", "failMode", "timeout"));
        String address = r.string(redis, "store.redis", "address", true);
        FailMode failMode = FailMode.OPEN;
        String mode = r.string(redis, "store.redis", "failMode", false);
        if ("closed".equals(mode)) {
            failMode = FailMode.CLOSED;
        } else if (mode != null && !"open".equals(mode)) {
            r.error("store.redis.failMode", "must be open or closed, not '" + mode + "'");
        }
        Duration timeout = r.duration(redis, "store.redis", "timeout", false);
        if (address == null) {
            return new TokenStoreConfig.Memory();
        }
        int colon = address.lastIndexOf(':');
        String host = colon > 0 ? address.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = -1;
        try {
            port = colon > 0 ? Integer.parseInt(address.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            r.error("store.redis.address", "must be HOST:PORT, not '" + address + "'");
            return new TokenStoreConfig.Memory();
        }
        return new TokenStoreConfig.Redis(host, port, failMode, timeout == null ? DEFAULT_REDIS_TIMEOUT : timeout);
    }
}
