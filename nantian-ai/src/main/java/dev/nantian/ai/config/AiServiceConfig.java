package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.internal.SpecReader;
import dev.nantian.ai.pii.PiiType;
import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ExtensionConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The typed form of an {@code AIService} spec ({@code gateway.nantian.dev}):
 *
 * <pre>{@code
 * spec:
 *   providers:
 *   - name: claude
 *     type: Anthropic              # OpenAI | Anthropic | Ollama
 *     endpoint: https://api.anthropic.com
 *     auth: {secretRef: {name: anthropic-key, key: apiKey}}
 *     models: ["claude-*"]
 *     modelMap: {claude: claude-sonnet-4-5}
 *     timeout: 60s
 *   fallback: [claude, local]
 *   pii: {request: mask, response: off, detectors: [email, phone, creditCard, ssn, iban, ipAddress, secret]}
 * }</pre>
 *
 * <h2>Clusters</h2>
 *
 * Each provider is reached through its own upstream cluster named {@code ai/<namespace>/<aiservice>/<provider>}
 * ({@link #clusterName}); the translator creates that cluster from the provider's endpoint (host, port, TLS for
 * {@code https}) and the AI filter selects it per request with
 * {@link dev.nantian.core.filter.HttpFilterContext#selectUpstream(String)}.
 *
 * @param namespace the AIService's namespace (also of its secrets)
 * @param name the AIService's name
 * @param providers the providers, in selection order (the first that serves a model wins)
 * <h2>Fallback</h2>
 *
 * For a request the gateway tries the first provider that serves the model, then each {@code fallback} provider
 * that serves the model too, in the listed order (skipping the first one): on 429, 5xx, a connect failure or reset,
 * or when the provider's {@code timeout} passes before its response head, as long as nothing went to the client.
 * Each attempt converts the original request for its provider, with its key and cluster.
 *
 * @param fallback provider names to try after a failure, in order
 * @param pii PII redaction
 */
public record AiServiceConfig(
        String namespace, String name, List<ProviderConfig> providers, List<String> fallback, PiiConfig pii) {
    /** The group of the AIService and TokenPolicy kinds. */
    public static final String GROUP = "gateway.nantian.dev";

    /** The kind. */
    public static final String KIND = "AIService";

    private static final Set<String> FIELDS = Set.of("providers", "fallback", "pii");
    private static final Set<String> PROVIDER_FIELDS =
            Set.of("name", "type", "endpoint", "auth", "models", "modelMap", "timeout");

    public AiServiceConfig {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
        providers = List.copyOf(providers);
        fallback = List.copyOf(fallback);
        requireNonNull(pii, "pii");
    }

    /** The cluster name for a provider: {@code ai/<namespace>/<aiservice>/<provider>}. */
    public static String clusterName(String namespace, String aiService, String provider) {
        return "ai/" + namespace + "/" + aiService + "/" + provider;
    }

    /** The first provider that serves {@code model}. */
    public Optional<ProviderConfig> providerFor(String model) {
        for (ProviderConfig provider : providers) {
            if (provider.serves(model)) {
                return Optional.of(provider);
            }
        }
        return Optional.empty();
    }

    /**
     * Parses an AIService object.
     *
     * @throws ConfigValidationException listing every problem
     */
    public static AiServiceConfig parse(ExtensionConfig object) {
        requireNonNull(object, "object");
        return parse(object.namespace(), object.name(), object.spec());
    }

    /**
     * Parses an AIService spec tree.
     *
     * @throws ConfigValidationException listing every problem
     */
    public static AiServiceConfig parse(String namespace, String name, Map<String, ?> spec) {
        SpecReader r = new SpecReader(KIND + " " + namespace + "/" + name);
        r.rejectUnknown(spec, "", FIELDS);
        List<ProviderConfig> providers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> declared = new HashSet<>();
        List<?> items = r.list(spec, "", "providers", true);
        if (items.isEmpty() && spec.get("providers") instanceof List) {
            r.error("providers", "must list at least one provider");
        }
        for (int i = 0; i < items.size(); i++) {
            String path = "providers[" + i + "]";
            if (!(items.get(i) instanceof Map)) {
                r.error(path, "must be an object");
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) items.get(i);
            if (p.get("name") instanceof String) {
                declared.add((String) p.get("name"));
            }
            ProviderConfig provider = parseProvider(r, path, p, namespace, name);
            if (provider != null && !names.add(provider.name())) {
                r.error(path + ".name", "duplicate provider name " + provider.name());
            } else if (provider != null) {
                providers.add(provider);
            }
        }
        List<String> fallback = r.strings(spec, "", "fallback");
        for (String f : fallback) {
            if (!declared.contains(f)) {
                r.error("fallback", "names unknown provider " + f);
            }
        }
        PiiConfig pii = parsePii(r, spec);
        if (!r.errors().isEmpty()) {
            throw new ConfigValidationException(r.errors());
        }
        return new AiServiceConfig(namespace, name, providers, fallback, pii);
    }

    private static ProviderConfig parseProvider(
            SpecReader r, String path, Map<String, Object> p, String namespace, String service) {
        int before = r.errors().size();
        r.rejectUnknown(p, path, PROVIDER_FIELDS);
        String name = r.string(p, path, "name", true);
        if (name != null && !name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            r.error(path + ".name", "must be a DNS label (lower case letters, digits, '-'), not '" + name + "'");
        }
        String typeName = r.string(p, path, "type", true);
        ProviderType type = null;
        if (typeName != null) {
            type = ProviderType.fromConfigName(typeName).orElse(null);
            if (type == null) {
                r.error(path + ".type", "must be OpenAI, Anthropic or Ollama, not '" + typeName + "'");
            }
        }
        URI endpoint = null;
        String endpointText = r.string(p, path, "endpoint", false);
        if (endpointText != null) {
            try {
                endpoint = new URI(endpointText);
                if (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))
                        || endpoint.getHost() == null
                        || endpoint.getRawQuery() != null
                        || endpoint.getRawFragment() != null
                        || endpoint.getRawUserInfo() != null) {
                    r.error(path + ".endpoint", "must be an http(s) URL with a host and no query: " + endpointText);
                    endpoint = null;
                }
            } catch (URISyntaxException e) {
                r.error(path + ".endpoint", "is not a URL: " + endpointText);
            }
        } else if (type != null) {
            endpoint = type.defaultEndpoint();
        }
        Optional<SecretKeyRef> auth = Optional.empty();
        Map<String, Object> authMap = r.object(p, path, "auth", false);
        if (authMap != null) {
            String authPath = path + ".auth";
            r.rejectUnknown(authMap, authPath, Set.of("secretRef"));
            Map<String, Object> ref = r.object(authMap, authPath, "secretRef", true);
            if (ref != null) {
                String refPath = authPath + ".secretRef";
                r.rejectUnknown(ref, refPath, Set.of("name", "key"));
                String secretName = r.string(ref, refPath, "name", true);
                String key = r.string(ref, refPath, "key", true);
                if (secretName != null && key != null) {
                    auth = Optional.of(new SecretKeyRef(secretName, key));
                }
            }
        } else if (type == ProviderType.ANTHROPIC || (type == ProviderType.OPENAI && endpointText == null)) {
            r.error(path + ".auth", "is required for " + type.configName());
        }
        List<String> models = r.strings(p, path, "models");
        Map<String, String> modelMap = new LinkedHashMap<>();
        Map<String, Object> mm = r.object(p, path, "modelMap", false);
        if (mm != null) {
            for (Map.Entry<String, Object> e : mm.entrySet()) {
                if (e.getValue() instanceof String && !((String) e.getValue()).isEmpty()) {
                    modelMap.put(e.getKey(), (String) e.getValue());
                } else {
                    r.error(path + ".modelMap." + e.getKey(), "must be a non-empty string");
                }
            }
        }
        Duration timeout = r.duration(p, path, "timeout", false);
        if (r.errors().size() > before || name == null || type == null || endpoint == null) {
            return null;
        }
        return new ProviderConfig(
                name,
                type,
                endpoint,
                auth,
                models,
                modelMap,
                Optional.ofNullable(timeout),
                clusterName(namespace, service, name));
    }

    private static PiiConfig parsePii(SpecReader r, Map<String, ?> spec) {
        Map<String, Object> pii = r.object(spec, "", "pii", false);
        if (pii == null) {
            return PiiConfig.OFF;
        }
        r.rejectUnknown(pii, "pii", Set.of("request", "response", "detectors"));
        PiiMode request = mode(r, pii, "request");
        PiiMode response = mode(r, pii, "response");
        Set<PiiType> detectors = EnumSet.noneOf(PiiType.class);
        for (String d : r.strings(pii, "pii", "detectors")) {
            Optional<PiiType> type = PiiType.fromConfigName(d);
            if (type.isPresent()) {
                detectors.add(type.get());
            } else {
                r.error(
                        "pii.detectors",
                        "unknown detector '" + d + "' (known: email, phone, creditCard, ssn, iban, ipAddress, secret)");
            }
        }
        if (detectors.isEmpty()) {
            detectors = EnumSet.allOf(PiiType.class);
        }
        return new PiiConfig(request, response, detectors);
    }

    private static PiiMode mode(SpecReader r, Map<String, Object> pii, String key) {
        if (Boolean.FALSE.equals(pii.get(key))) {
            return PiiMode.OFF; // YAML 1.1 reads an unquoted off as false
        }
        String text = r.string(pii, "pii", key, false);
        if (text == null) {
            return PiiMode.OFF;
        }
        Optional<PiiMode> mode = PiiMode.fromConfigName(text);
        if (mode.isEmpty()) {
            r.error("pii." + key, "must be off, mask, hash or block, not '" + text + "'");
            return PiiMode.OFF;
        }
        return mode.get();
    }
}
