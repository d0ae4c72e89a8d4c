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
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nantian.ai.fakes.FakeAnthropic;
import dev.nantian.ai.fakes.FakeOllama;
import dev.nantian.ai.fakes.FakeOpenAi;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.testing.ExchangeResult;
import dev.nantian.core.filter.testing.FakeResponse;
import dev.nantian.core.filter.testing.FilterChainTester;
import dev.nantian.core.filter.testing.UpstreamRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK against a loopback harness that runs the AIService filter chain (with the in-memory
 * {@link FilterChainTester} as host) in front of the fake OpenAI, Anthropic and Ollama servers. The harness buffers
 * each exchange, so streams reach the SDK whole, but in the exact bytes the filter produced.
 */
class OpenAiSdkIT {
    private static final Set<String> RESTRICTED = Set.of(
            "host",
            "content-length",
            "connection",
            "upgrade",
            "expect",
            "transfer-encoding",
            "keep-alive",
            "te",
            "trailer",
            "date");

    private static FakeOpenAi openAi;
    private static FakeAnthropic anthropic;
    private static FakeOllama ollama;
    private static AiGateway gateway;
    private static HttpServer harness;
    private static ExecutorService executor;
    private static OpenAIClient client;
    private static final HttpClient http = HttpClient.newHttpClient();

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
        Map<String, URI> clusters = Map.of(
                "ai/default/chat/openai", openAi.baseUri(),
                "ai/default/chat/claude", anthropic.baseUri(),
                "ai/default/chat/local", ollama.baseUri());
        FilterChainTester tester = FilterChainTester.builder(chain)
                .upstream(request -> forward(clusters.get(request.cluster()), request))
                .build();
        executor = Executors.newFixedThreadPool(4);
        harness = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        harness.setExecutor(executor);
        harness.createContext("/", exchange -> serve(tester, exchange));
        harness.start();
        client = OpenAIOkHttpClient.builder()
                .apiKey("client-token-not-a-provider-key")
                .baseUrl("http://127.0.0.1:" + harness.getAddress().getPort() + "/v1")
                .maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (harness != null) {
            harness.stop(0);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        for (AutoCloseable c : new AutoCloseable[] {openAi, anthropic, ollama, gateway}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static void serve(FilterChainTester tester, HttpExchange exchange) throws IOException {
        try (exchange) {
            HttpHeaders headers = HttpHeaders.of();
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> headers.add(name, v)));
            HttpRequestHead head = HttpRequestHead.of(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    "127.0.0.1:" + harness.getAddress().getPort(),
                    headers);
            byte[] body = exchange.getRequestBody().readAllBytes();
            ExchangeResult result = body.length == 0
                    ? tester.exchange(head)
                    : tester.exchange(head, new String(body, StandardCharsets.UTF_8));
            result.headers().forEach((name, value) -> {
                if (!RESTRICTED.contains(name)) {
                    exchange.getResponseHeaders().add(name, value);
                }
            });
            byte[] out = result.body();
            exchange.sendResponseHeaders(result.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
        }
    }

    /** Sends what the filter chain produced to the fake behind the selected cluster, as the proxy would. */
    private static FakeResponse forward(URI base, UpstreamRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(
                        base.resolve(request.head().path()))
                .method(request.head().method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.head().headers().forEach((name, value) -> {
            if (!RESTRICTED.contains(name)) {
                builder.header(name, value);
            }
        });
        try {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            FakeResponse.Builder fake = FakeResponse.builder(response.statusCode());
            response.headers().map().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                    values.forEach(v -> fake.header(name, v));
                }
            });
            // deliver in pieces that cut events in odd places, as TCP may
            String body = response.body();
            for (int i = 0; i < body.length(); i += 29) {
                fake.chunk(body.substring(i, Math.min(body.length(), i + 29)));
            }
            return fake.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
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
