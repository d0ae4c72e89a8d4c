package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One provider of an {@link AiServiceConfig}.
 *
 * <p>Model selection: a provider serves a requested model if the model is a key of {@link #modelMap()} or matches
 * one of the {@link #models()} globs ({@code *} any run of characters, {@code ?} one); a provider without either
 * serves every model. The upstream model is the {@code modelMap} value, or the requested name.
 *
 * <p>The endpoint is the provider's base URL; the gateway appends the API path ({@code /v1/chat/completions},
 * {@code /v1/messages}, {@code /api/chat}) to the endpoint's own path, so {@code https://host/proxy} sends to
 * {@code https://host/proxy/v1/messages}.
 *
 * @param name unique within the AIService
 * @param type the dialect
 * @param endpoint the base URL ({@code http} or {@code https}); the type's default when the spec names none
 * @param auth where the API key is, if the provider needs one
 * @param models globs of requested model names this provider serves
 * @param modelMap requested model name to the provider's model name
 * @param timeout how long the gateway waits for this provider's response head (for a stream: the start of the stream,
 *     not its end), if set; then it falls back to the next provider or answers 504
 * @param cluster the upstream cluster the gateway sends this provider's requests to (see
 *     {@link AiServiceConfig#clusterName})
 */
public record ProviderConfig(
        String name,
        ProviderType type,
        URI endpoint,
        Optional<SecretKeyRef> auth,
        List<String> models,
        Map<String, String> modelMap,
        Optional<Duration> timeout,
        String cluster) {
    public ProviderConfig {
        requireNonNull(name, "name");
        requireNonNull(type, "type");
        requireNonNull(endpoint, "endpoint");
        requireNonNull(auth, "auth");
        models = List.copyOf(models);
        modelMap = Map.copyOf(modelMap);
        requireNonNull(timeout, "timeout");
        requireNonNull(cluster, "cluster");
    }

    /** Whether this provider serves {@code model}. */
    public boolean serves(String model) {
        if (models.isEmpty() && modelMap.isEmpty()) {
            return true;
        }
        if (modelMap.containsKey(model)) {
            return true;
        }
        for (String glob : models) {
            if (globMatches(glob, model)) {
                return true;
            }
        }
        return false;
    }

    /** The provider's name for {@code requestedModel}. */
    public String upstreamModel(String requestedModel) {
        return modelMap.getOrDefault(requestedModel, requestedModel);
    }

    /** The authority ({@code host[:port]}) requests to this provider carry. */
    public String authority() {
        return endpoint.getRawAuthority();
    }

    /** The provider's API path for chat, under the endpoint's own path. */
    public String chatPath() {
        String base = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        switch (type) {
            case ANTHROPIC:
                return base + "/v1/messages";
            case OLLAMA:
                return base + "/api/chat";
            default:
                return base + "/v1/chat/completions";
        }
    }

    /** Whether the provider's dialect has an embeddings API (OpenAI and Ollama; Anthropic has none). */
    public boolean hasEmbeddings() {
        return type != ProviderType.ANTHROPIC;
    }

    /**
     * The provider's API path for embeddings, under the endpoint's own path: {@code /v1/embeddings} (OpenAI) or
     * {@code /api/embed} (Ollama).
     *
     * @throws IllegalStateException for Anthropic, which has no embeddings API
     */
    public String embeddingsPath() {
        String base = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        switch (type) {
            case OPENAI:
                return base + "/v1/embeddings";
            case OLLAMA:
                return base + "/api/embed";
            default:
                throw new IllegalStateException(type.configName() + " providers have no embeddings API");
        }
    }

    /** The models this provider names exactly (globs without wildcards, and modelMap keys), for {@code /v1/models}. */
    public List<String> listedModels() {
        List<String> out = new ArrayList<>();
        for (String glob : models) {
            if (glob.indexOf('*') < 0 && glob.indexOf('?') < 0) {
                out.add(glob);
            }
        }
        modelMap.keySet().stream().sorted().forEach(out::add);
        return out;
    }

    /** Glob match without regex or allocation: {@code *} matches any run, {@code ?} one character. */
    static boolean globMatches(String glob, String text) {
        int g = 0;
        int t = 0;
        int star = -1;
        int starText = 0;
        while (t < text.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == text.charAt(t))) {
                g++;
                t++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                starText = t;
            } else if (star >= 0) {
                g = star + 1;
                t = ++starText;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }
}
