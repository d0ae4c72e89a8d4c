package dev.nantian.ai;

import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.RouteInfo;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.Secret;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Shared fixtures: an AIService with one provider of each type, and secrets for their keys. */
final class AiTestSupport {
    static final String OPENAI_KEY = "sk-test-openai-0123456789abcdefghij";
    static final String ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdefghijkl";

    private AiTestSupport() {}

    static SecretLookup secrets() {
        Map<String, Secret> secrets = Map.of(
                "default/openai-key",
                new Secret.Generic("default/openai-key", Map.of("apiKey", OPENAI_KEY)),
                "default/anthropic-key",
                new Secret.Generic("default/anthropic-key", Map.of("apiKey", ANTHROPIC_KEY)));
        return name -> Optional.ofNullable(secrets.get(name));
    }

    static Map<String, Object> providers(String openAiEndpoint, String anthropicEndpoint, String ollamaEndpoint) {
        return Map.of(
                "providers",
                List.of(
                        Map.of(
                                "name",
                                "claude",
                                "type",
                                "Anthropic",
                                "endpoint",
                                anthropicEndpoint,
                                "auth",
                                Map.of("secretRef", Map.of("name", "anthropic-key", "key", "apiKey")),
                                "models",
                                List.of("claude-*")),
                        Map.of(
                                "name",
                                "local",
                                "type",
                                "Ollama",
                                "endpoint",
                                ollamaEndpoint,
                                "models",
                                List.of("llama*"),
                                "modelMap",
                                Map.of("small", "llama3.2")),
                        Map.of(
                                "name",
                                "openai",
                                "type",
                                "OpenAI",
                                "endpoint",
                                openAiEndpoint,
                                "auth",
                                Map.of("secretRef", Map.of("name", "openai-key", "key", "apiKey")),
                                "models",
                                List.of("gpt-*"))));
    }

    static ExtensionConfig aiService(Map<String, Object> spec) {
        return new ExtensionConfig("gateway.nantian.dev", "AIService", "default", "chat", spec);
    }

    static ExtensionConfig tokenPolicy(Map<String, Object> spec) {
        return new ExtensionConfig("gateway.nantian.dev", "TokenPolicy", "default", "budget", spec);
    }

    static FilterChain chain(AiGateway gateway, ExtensionConfig policy, ExtensionConfig service) {
        FilterChain.Builder builder = FilterChain.builder(RouteInfo.of("default/ai/rule/0", Map.of()));
        if (policy != null) {
            builder.add(gateway.tokenPolicyFilterFactory(), gateway.tokenPolicy(policy));
        }
        builder.add(gateway.aiServiceFilterFactory(), gateway.aiService(service));
        return builder.build();
    }
}
