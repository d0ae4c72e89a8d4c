package dev.nantian.ai.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.ai.pii.PiiType;
import dev.nantian.core.ConfigValidationException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AiServiceConfigTest {

    static Map<String, Object> issueExample() {
        return Map.of(
                "providers",
                List.of(
                        Map.of(
                                "name", "claude",
                                "type", "Anthropic",
                                "endpoint", "https://api.anthropic.com",
                                "auth", Map.of("secretRef", Map.of("name", "anthropic-key", "key", "apiKey")),
                                "models", List.of("claude-*"),
                                "timeout", "60s"),
                        Map.of("name", "local", "type", "Ollama", "endpoint", "http://127.0.0.1:11434")),
                "fallback",
                List.of("claude", "local"),
                "pii",
                Map.of(
                        "request", "mask",
                        "response", "off",
                        "detectors", List.of("email", "phone", "creditCard", "ssn", "iban", "ipAddress", "secret")));
    }

    @Test
    void parsesTheIssueExample() {
        AiServiceConfig config = AiServiceConfig.parse("default", "chat", issueExample());

        assertThat(config.providers()).hasSize(2);
        ProviderConfig claude = config.providers().get(0);
        assertThat(claude.type()).isEqualTo(ProviderType.ANTHROPIC);
        assertThat(claude.auth()).contains(new SecretKeyRef("anthropic-key", "apiKey"));
        assertThat(claude.timeout()).contains(Duration.ofSeconds(60));
        assertThat(claude.cluster()).isEqualTo("ai/default/chat/claude");
        assertThat(claude.chatPath()).isEqualTo("/v1/messages");
        assertThat(claude.authority()).isEqualTo("api.anthropic.com");
        assertThat(config.providers().get(1).chatPath()).isEqualTo("/api/chat");
        assertThat(config.fallback()).containsExactly("claude", "local");
        assertThat(config.pii().request()).isEqualTo(PiiMode.MASK);
        assertThat(config.pii().detectors()).containsExactlyInAnyOrder(PiiType.values());
        assertThat(config.providerFor("claude-3-5-haiku")).contains(claude);
        assertThat(config.providerFor("llama3").orElseThrow().name()).isEqualTo("local");
    }

    @Test
    void selectsByGlobAndModelMap() {
        ProviderConfig p = AiServiceConfig.parse(
                        "ns",
                        "s",
                        Map.of(
                                "providers",
                                List.of(Map.of(
                                        "name",
                                        "o",
                                        "type",
                                        "Ollama",
                                        "models",
                                        List.of("llama?.*"),
                                        "modelMap",
                                        Map.of("gpt-4o", "llama3.2")))))
                .providers()
                .get(0);
        assertThat(p.serves("llama3.2")).isTrue();
        assertThat(p.serves("llama3x")).isFalse();
        assertThat(p.serves("gpt-4o")).isTrue();
        assertThat(p.upstreamModel("gpt-4o")).isEqualTo("llama3.2");
        assertThat(p.endpoint().toString()).isEqualTo("http://127.0.0.1:11434");
        assertThat(p.listedModels()).containsExactly("gpt-4o");
        assertThat(ProviderConfig.globMatches("a*b*c", "aXXbYc")).isTrue();
        assertThat(ProviderConfig.globMatches("a*b", "ab")).isTrue();
        assertThat(ProviderConfig.globMatches("a*b", "abc")).isFalse();
    }

    @Test
    void collectsEveryErrorAtOnce() {
        Map<String, Object> spec = Map.of(
                "providers",
                List.of(
                        Map.of("name", "Bad_Name", "type", "Gemini", "colour", "red"),
                        Map.of("name", "a", "type", "Anthropic", "endpoint", "ftp://x", "timeout", "soon"),
                        Map.of("name", "a", "type", "Ollama")),
                "fallback",
                List.of("nope"),
                "pii",
                Map.of("request", "shred", "response", "redact", "detectors", List.of("dna")),
                "extra",
                true);

        assertThatThrownBy(() -> AiServiceConfig.parse("default", "chat", spec))
                .isInstanceOfSatisfying(ConfigValidationException.class, e -> assertThat(e.errors())
                        .allMatch(m -> m.startsWith("AIService default/chat: "))
                        .anyMatch(m -> m.contains("extra: unknown field"))
                        .anyMatch(m -> m.contains("providers[0].colour: unknown field"))
                        .anyMatch(m -> m.contains("providers[0].name: must be a DNS label"))
                        .anyMatch(m -> m.contains("providers[0].type: must be OpenAI, Anthropic or Ollama"))
                        .anyMatch(m -> m.contains("providers[1].endpoint"))
                        .anyMatch(m -> m.contains("providers[1].auth: is required for Anthropic"))
                        .anyMatch(m -> m.contains("providers[1].timeout: must be a positive duration"))
                        .anyMatch(m -> m.contains("fallback: names unknown provider nope"))
                        .anyMatch(m -> m.contains("pii.request: must be off, mask, hash or block"))
                        .anyMatch(m -> m.contains("pii.response: must be off, mask, hash or block"))
                        .anyMatch(m -> m.contains("unknown detector 'dna'")));
    }

    @Test
    void requiresProviders() {
        assertThatThrownBy(() -> AiServiceConfig.parse("d", "s", Map.of()))
                .hasMessageContaining("providers: is required");
        assertThatThrownBy(() -> AiServiceConfig.parse("d", "s", Map.of("providers", List.of())))
                .hasMessageContaining("at least one provider");
    }
}
