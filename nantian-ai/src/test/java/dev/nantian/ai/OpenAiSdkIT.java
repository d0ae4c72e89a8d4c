package dev.nantian.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.testing.ai.FakeAnthropic;
import dev.nantian.testing.ai.FakeOllama;
import dev.nantian.testing.ai.FakeOpenAi;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK against a loopback {@link SdkHarness} that runs the AIService filter chain in front of
 * the fake OpenAI, Anthropic and Ollama servers. The harness buffers each exchange, so streams reach the SDK whole,
 * but in the exact bytes the filter produced.
 */
class OpenAiSdkIT {
    private static FakeOpenAi openAi;
    private static FakeAnthropic anthropic;
    private static FakeOllama ollama;
    private static AiGateway gateway;
    private static SdkHarness harness;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws IOException {
        openAi = new FakeOpenAi();
        anthropic = new FakeAnthropic();
        ollama = new FakeOllama();
        gateway = AiGateway.builder().secrets(AiTestSupport.secrets()).build();
        FilterChain chain = AiTestSupport.chain(
                gateway,
                null,
                AiTestSupport.aiService(AiTestSupport.providers(
                        openAi.baseUri().toString(),
                        anthropic.baseUri().toString(),
                        ollama.baseUri().toString())));
        harness = new SdkHarness(
                chain,
                Map.of(
                        "ai/default/chat/openai", openAi.baseUri(),
                        "ai/default/chat/claude", anthropic.baseUri(),
                        "ai/default/chat/local", ollama.baseUri()));
        client = OpenAIOkHttpClient.builder()
                .apiKey("client-token-not-a-provider-key")
                .baseUrl(harness.baseUrl())
                .maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {harness, openAi, anthropic, ollama, gateway}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static ChatCompletionCreateParams params(String model) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addSystemMessage("You are terse.")
                .addUserMessage("Say hello")
                .build();
    }

    private static String streamText(ChatCompletionCreateParams params, List<ChatCompletionChunk> chunks) {
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunks::add);
        }
        return chunks.stream()
                .flatMap(c -> c.choices().stream())
                .map(choice -> choice.delta().content().orElse(""))
                .collect(Collectors.joining());
    }

    @Test
    void sdkTalksToAnthropicThroughTheGateway() {
        anthropic.replyText("Hello from Claude.");
        ChatCompletion completion = client.chat().completions().create(params("claude-sonnet-4-5"));
        assertThat(completion.choices().get(0).message().content()).contains("Hello from Claude.");
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(3);

        List<ChatCompletionChunk> chunks = new java.util.ArrayList<>();
        String text = streamText(
                params("claude-sonnet-4-5").toBuilder()
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build(),
                chunks);
        assertThat(text).isEqualTo("Hello from Claude.");
        assertThat(chunks.get(chunks.size() - 1).usage().orElseThrow().promptTokens())
                .isEqualTo(11);

        var last = anthropic.requests().get(anthropic.requests().size() - 1);
        assertThat(last.header("x-api-key")).isEqualTo(AiTestSupport.ANTHROPIC_KEY);
        assertThat(last.json().path("system").stringValue()).isEqualTo("You are terse.");
    }

    @Test
    void sdkTalksToOllamaThroughTheGateway() {
        ollama.replyText("Hi from llama.");
        ChatCompletion completion = client.chat().completions().create(params("small"));
        assertThat(completion.choices().get(0).message().content()).contains("Hi from llama.");
        assertThat(streamText(params("llama3.2"), new java.util.ArrayList<>())).isEqualTo("Hi from llama.");
    }

    @Test
    void sdkTalksToOpenAiThroughTheGateway() {
        openAi.replyText("Hi from GPT.");
        ChatCompletion completion = client.chat().completions().create(params("gpt-4o-mini"));
        assertThat(completion.choices().get(0).message().content()).contains("Hi from GPT.");
        List<ChatCompletionChunk> chunks = new java.util.ArrayList<>();
        assertThat(streamText(params("gpt-4o-mini"), chunks)).isEqualTo("Hi from GPT.");
        assertThat(chunks).allSatisfy(c -> assertThat(c.usage()).isEmpty());
        var last = openAi.requests().get(openAi.requests().size() - 1);
        assertThat(last.header("authorization")).isEqualTo("Bearer " + AiTestSupport.OPENAI_KEY);
    }

    @Test
    void sdkSeesModelsAndErrors() {
        assertThat(client.models().list().data()).extracting(Model::id).containsExactly("small");
        assertThatThrownBy(() -> client.chat().completions().create(params("mistral")))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("mistral");
        anthropic.failWith(529);
        try {
            assertThatThrownBy(() -> client.chat().completions().create(params("claude-x")))
                    .isInstanceOf(com.openai.errors.InternalServerException.class)
                    .hasMessageContaining("Overloaded")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(AiTestSupport.ANTHROPIC_KEY));
        } finally {
            anthropic.failWith(0);
        }
    }
}
