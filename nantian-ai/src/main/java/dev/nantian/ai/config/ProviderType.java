package dev.nantian.ai.config;

import java.net.URI;
import java.util.Optional;

/** The API dialect a provider speaks; the gateway speaks OpenAI's chat completions API to clients. */
public enum ProviderType {
    /** OpenAI chat completions ({@code /v1/chat/completions}); requests and responses pass through. */
    OPENAI("OpenAI", URI.create("https://api.openai.com")),
    /** Anthropic Messages API ({@code /v1/messages}). */
    ANTHROPIC("Anthropic", URI.create("https://api.anthropic.com")),
    /** Ollama's native chat API ({@code /api/chat}, NDJSON streaming). */
    OLLAMA("Ollama", URI.create("http://127.0.0.1:11434"));

    private final String configName;
    private final URI defaultEndpoint;

    ProviderType(String configName, URI defaultEndpoint) {
        this.configName = configName;
        this.defaultEndpoint = defaultEndpoint;
    }

    /** The name in configuration ({@code type: Anthropic}). */
    public String configName() {
        return configName;
    }

    /** The endpoint used when a provider names none. */
    public URI defaultEndpoint() {
        return defaultEndpoint;
    }

    /** The type with that configuration name (exact case). */
    public static Optional<ProviderType> fromConfigName(String name) {
        for (ProviderType type : values()) {
            if (type.configName.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
