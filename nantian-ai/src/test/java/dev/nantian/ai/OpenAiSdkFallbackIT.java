package dev.nantian.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.RouteInfo;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.testing.ai.FakeAnthropic;
import dev.nantian.testing.ai.FakeOllama;
import dev.nantian.testing.ai.FakeOpenAi;
import dev.nantian.testing.ai.FakeProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fallback and embeddings with the official OpenAI Java SDK as the client and the fake providers behind the gateway
 * filter: Anthropic first (timeout 300 ms), then OpenAI, then Ollama; a fourth provider points at a closed port.
 */
class OpenAiSdkFallbackIT {
    private static FakeAnthropic anthropic;
    private static FakeOpenAi openAi;
    private static FakeOllama ollama;
    private static AiGateway gateway;
    private static SdkHarness harness;
    private static OpenAIClient client;
    private static URI closedPort;

    @BeforeAll
    static void start() throws IOException {
        anthropic = new FakeAnthropic();
        openAi = new FakeOpenAi();
        ollama = new FakeOllama();
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = URI.create("http://127.0.0.1:" + probe.getLocalPort()); // nothing listens once closed
        }
        gateway = AiGateway.builder().secrets(AiTestSupport.secrets()).build();
        Map<String, Object> spec = Map.of(
                "providers",
                List.of(
                        Map.of(
                                "name",
                                "claude",
                                "type",
                                "Anthropic",
                                "endpoint",
                                anthropic.baseUri().toString(),
                                "auth",
                                Map.of("secretRef", Map.of("name", "anthropic-key", "key", "apiKey")),
                                "models",
                                List.of("claude-*"),
                                "timeout",
                                "300ms"),
                        Map.of(
                                "name", "gone",
                                "type", "OpenAI",
                                "endpoint", closedPort.toString(),
                                "auth", Map.of("secretRef", Map.of("name", "openai-key", "key", "apiKey")),
                                "models", List.of("gpt-*")),
                        Map.of(
                                "name", "gpt",
                                "type", "OpenAI",
                                "endpoint", openAi.baseUri().toString(),
                                "auth", Map.of("secretRef", Map.of("name", "openai-key", "key", "apiKey")),
                                "models", List.of("text-embedding-*"),
                                "modelMap", Map.of("claude-x", "gpt-4o-mini", "gpt-4o", "gpt-4o")),
                        Map.of(
                                "name", "local",
                                "type", "Ollama",
                                "endpoint", ollama.baseUri().toString(),
                                "models", List.of("nomic-*"),
                                "modelMap", Map.of("claude-x", "llama3.2", "gpt-4o", "llama3.2"))),
                "fallback",
                List.of("gpt", "local"));
        FilterChain chain = FilterChain.builder(RouteInfo.of("default/ai/rule/0", Map.of()))
                .add(
                        gateway.aiServiceFilterFactory(),
                        gateway.aiService(
                                new ExtensionConfig("gateway.nantian.dev", "AIService", "default", "fb", spec)))
                .build();
        harness = new SdkHarness(
                chain,
                Map.of(
                        "ai/default/fb/claude", anthropic.baseUri(),
                        "ai/default/fb/gone", closedPort,
                        "ai/default/fb/gpt", openAi.baseUri(),
                        "ai/default/fb/local", ollama.baseUri()));
        client = OpenAIOkHttpClient.builder()
                .apiKey("client-token")
                .baseUrl(harness.baseUrl())
                .maxRetries(0)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {harness, anthropic, openAi, ollama, gateway}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @AfterEach
    void heal() {
        for (FakeProvider p : new FakeProvider[] {anthropic, openAi, ollama}) {
            p.healthy();
            p.requests().clear();
        }
    }

    private static ChatCompletionCreateParams params(String model) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage("Say hello")
                .build();
    }

    private static String stream(ChatCompletionCreateParams params) {
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(params)) {
            return stream.stream()
                    .flatMap(c -> c.choices().stream())
                    .map(choice -> choice.delta().content().orElse(""))
                    .collect(Collectors.joining());
        }
    }

    @Test
    void rateLimitedAnthropicFallsBackToOpenAiForCallsAndStreams() {
        anthropic.failWith(429);
        openAi.replyText("Hello from the backup.");

        ChatCompletion completion = client.chat().completions().create(params("claude-x"));
        assertThat(completion.choices().get(0).message().content()).contains("Hello from the backup.");
        assertThat(stream(params("claude-x"))).isEqualTo("Hello from the backup.");

        assertThat(anthropic.requests()).hasSize(2);
        assertThat(openAi.requests()).hasSize(2);
        assertThat(openAi.lastRequest().json().path("model").stringValue()).isEqualTo("gpt-4o-mini");
        assertThat(openAi.lastRequest().header("authorization")).isEqualTo("Bearer " + FakeOpenAi.API_KEY);
        assertThat(openAi.lastRequest().header("x-api-key")).isNull();
    }

    @Test
    void overloadedThenFailingProvidersFallBackToOllama() {
        anthropic.failWith(529);
        openAi.failWith(500);
        ollama.replyText("Hi from llama.");

        assertThat(stream(params("claude-x"))).isEqualTo("Hi from llama.");
        assertThat(ollama.lastRequest().path()).isEqualTo("/api/chat");
    }

    @Test
    void aDroppedConnectionFallsBack() {
        anthropic.dropConnection(true);
        openAi.replyText("Caught you.");

        assertThat(client.chat()
                        .completions()
                        .create(params("claude-x"))
                        .choices()
                        .get(0)
                        .message()
                        .content())
                .contains("Caught you.");
    }

    @Test
    void aRefusedConnectionFallsBack() {
        ollama.replyText("Refused upstream, served here.");
        openAi.failWith(503);

        // gpt-4o: "gone" (closed port) serves it first, then gpt (503), then local.
        assertThat(client.chat()
                        .completions()
                        .create(params("gpt-4o"))
                        .choices()
                        .get(0)
                        .message()
                        .content())
                .contains("Refused upstream, served here.");
        assertThat(openAi.requests()).hasSize(1);
    }

    @Test
    void aProviderSlowerThanItsTimeoutIsAbandoned() {
        anthropic.delay(Duration.ofSeconds(2));
        openAi.replyText("Faster.");

        assertThat(client.chat()
                        .completions()
                        .create(params("claude-x"))
                        .choices()
                        .get(0)
                        .message()
                        .content())
                .contains("Faster.");
    }

    @Test
    void whenAllFailTheSdkSeesTheLastProvidersError() {
        anthropic.failWith(429);
        openAi.failWith(429);
        ollama.failWith(429);

        assertThatThrownBy(() -> client.chat().completions().create(params("claude-x")))
                .isInstanceOf(RateLimitException.class)
                .hasMessageContaining("too many requests")
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain(FakeAnthropic.API_KEY)
                        .doesNotContain(FakeOpenAi.API_KEY));

        ollama.failWith(0);
        ollama.dropConnection(true);
        assertThatThrownBy(() -> client.chat().completions().create(params("claude-x")))
                .isInstanceOf(InternalServerException.class)
                .hasMessageContaining("provider local could not be reached");
    }

    @Test
    void embeddingsWorkThroughOpenAiAndOllamaWithTheSdksBase64Default() {
        CreateEmbeddingResponse fromOpenAi = client.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("text-embedding-3-small")
                        .input("the quick brown fox")
                        .build());
        assertThat(fromOpenAi.data().get(0).embedding()).hasSize(FakeOpenAi.DEFAULT_DIMENSIONS);
        assertThat(fromOpenAi.usage().promptTokens()).isEqualTo(4);

        CreateEmbeddingResponse fromOllama = client.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("nomic-embed-text")
                        .input("the quick brown fox")
                        .build());
        assertThat(ollama.lastRequest().path()).isEqualTo("/api/embed");
        assertThat(fromOllama.data().get(0).embedding()).hasSize(FakeOllama.EMBEDDING_DIMENSIONS);
        assertThat(fromOllama.usage().promptTokens()).isEqualTo(5);
        assertThat(fromOllama.model()).isEqualTo("nomic-embed-text");
    }
}
