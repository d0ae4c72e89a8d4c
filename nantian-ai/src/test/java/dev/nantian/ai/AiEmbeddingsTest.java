package dev.nantian.ai;

import static dev.nantian.ai.AiTestSupport.OPENAI_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.ai.internal.Json;
import dev.nantian.ai.tokens.TokenUsage;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.HttpFilter;
import dev.nantian.core.filter.HttpFilterContext;
import dev.nantian.core.filter.HttpFilterFactory;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.RouteInfo;
import dev.nantian.core.filter.testing.ExchangeResult;
import dev.nantian.core.filter.testing.FakeResponse;
import dev.nantian.core.filter.testing.FilterChainTester;
import dev.nantian.core.filter.testing.UpstreamRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AiEmbeddingsTest {
    private static final String OLLAMA_EMBED = "{\"model\":\"nomic-embed-text\",\"embeddings\":[[0.5,-0.25,0.125],"
            + "[1.0,0.0,-1.0]],\"total_duration\":1,\"load_duration\":1,\"prompt_eval_count\":6}";

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AiGateway gateway = AiGateway.builder()
            .secrets(AiTestSupport.secrets())
            .meterRegistry(meters)
            .build();
    private final AtomicReference<TokenUsage> usage = new AtomicReference<>();
    private final AtomicReference<ExchangeStats> stats = new AtomicReference<>();

    @AfterEach
    void close() {
        gateway.close();
    }

    private FilterChain chain(Map<String, Object> extra) {
        Map<String, Object> spec = new java.util.HashMap<>(Map.of(
                "providers",
                List.of(
                        Map.of(
                                "name",
                                "claude",
                                "type",
                                "Anthropic",
                                "auth",
                                Map.of("secretRef", Map.of("name", "anthropic-key", "key", "apiKey")),
                                "models",
                                List.of("claude-*")),
                        Map.of(
                                "name",
                                "openai",
                                "type",
                                "OpenAI",
                                "endpoint",
                                "https://api.openai.com",
                                "auth",
                                Map.of("secretRef", Map.of("name", "openai-key", "key", "apiKey")),
                                "models",
                                List.of("text-embedding-*")),
                        Map.of(
                                "name",
                                "local",
                                "type",
                                "Ollama",
                                "endpoint",
                                "http://127.0.0.1:11434",
                                "models",
                                List.of("nomic-*"),
                                "modelMap",
                                Map.of("claude-embed", "nomic-embed-text"))),
                "fallback",
                List.of("local")));
        spec.putAll(extra);
        HttpFilterFactory<Object> probe = new HttpFilterFactory<>() {
            @Override
            public String kind() {
                return "test/UsageProbe";
            }

            @Override
            public Object parseConfig(Object rawConfig) {
                return rawConfig;
            }

            @Override
            public HttpFilter create(Object config) {
                return new HttpFilter() {
                    @Override
                    public void onComplete(HttpFilterContext ctx, ExchangeStats s) {
                        usage.set(ctx.attr(AiAttributes.TOKEN_USAGE));
                        stats.set(s);
                    }
                };
            }
        };
        return FilterChain.builder(RouteInfo.of("default/ai/rule/0", Map.of()))
                .add(probe, new Object())
                .add(gateway.aiServiceFilterFactory(), gateway.aiService(AiTestSupport.aiService(spec)))
                .build();
    }

    private ExchangeResult embed(Function<UpstreamRequest, FakeResponse> upstream, String body) {
        return FilterChainTester.builder(chain(Map.of()))
                .upstream(upstream)
                .build()
                .exchange(
                        HttpRequestHead.of(
                                "POST",
                                "/v1/embeddings",
                                "gw",
                                HttpHeaders.of("content-type", "application/json", "authorization", "Bearer c")),
                        body);
    }

    @Test
    void openAiEmbeddingsPassThroughWithTheKeyAndCountTheReportedTokens() {
        String answer =
                "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,0.2]}],"
                        + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}";
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        ExchangeResult result = embed(
                request -> {
                    seen.set(request);
                    return FakeResponse.of(200, answer);
                },
                "{\"model\":\"text-embedding-3-small\",\"input\":\"the quick brown fox\"}");

        assertThat(seen.get().cluster()).isEqualTo("ai/default/chat/openai");
        assertThat(seen.get().head().path()).isEqualTo("/v1/embeddings");
        assertThat(seen.get().head().headers().get("authorization")).isEqualTo("Bearer " + OPENAI_KEY);
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).isEqualTo(answer);
        assertThat(usage.get()).isEqualTo(new TokenUsage(4, 0, false));
        assertThat(stats.get().logFields())
                .containsEntry("ai.tokens.input", "4")
                .containsEntry("ai.tokens.output", "0");
        assertThat(meters.get("gen_ai.client.token.usage")
                        .tag("gen_ai.operation.name", "embeddings")
                        .tag("gen_ai.token.type", "input")
                        .summary()
                        .totalAmount())
                .isEqualTo(4);
    }

    @Test
    void ollamaEmbeddingsAreConvertedToOpenAiFloatsOrBase64() {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        ExchangeResult floats = embed(
                request -> {
                    seen.set(request);
                    return FakeResponse.of(200, OLLAMA_EMBED);
                },
                "{\"model\":\"nomic-embed-text\",\"input\":[\"a\",\"b\"],\"dimensions\":3}");

        assertThat(seen.get().head().path()).isEqualTo("/api/embed");
        JsonNode sent = Json.parse(seen.get().bodyUtf8());
        assertThat(sent.path("input").size()).isEqualTo(2);
        assertThat(sent.path("dimensions").asInt()).isEqualTo(3);
        JsonNode list = Json.parse(floats.bodyUtf8());
        assertThat(list.path("object").stringValue()).isEqualTo("list");
        assertThat(list.path("data").get(1).path("index").asInt()).isEqualTo(1);
        assertThat(list.path("data").get(0).path("embedding").get(1).asDouble()).isEqualTo(-0.25);
        assertThat(list.path("usage").path("prompt_tokens").asLong()).isEqualTo(6);
        assertThat(usage.get()).isEqualTo(new TokenUsage(6, 0, false));

        ExchangeResult base64 = embed(
                request -> FakeResponse.of(200, OLLAMA_EMBED),
                "{\"model\":\"nomic-embed-text\",\"input\":\"a\",\"encoding_format\":\"base64\"}");
        String encoded = Json.parse(base64.bodyUtf8())
                .path("data")
                .get(0)
                .path("embedding")
                .stringValue();
        ByteBuffer floatsLe =
                ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {floatsLe.getFloat(), floatsLe.getFloat(), floatsLe.getFloat()})
                .containsExactly(0.5f, -0.25f, 0.125f);
    }

    @Test
    void aModelWhoseFirstProviderHasNoEmbeddingsGoesToAFallbackThatHasThem() {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        ExchangeResult result = embed(
                request -> {
                    seen.set(request);
                    return FakeResponse.of(200, OLLAMA_EMBED);
                },
                "{\"model\":\"claude-embed\",\"input\":\"x\"}");

        assertThat(result.upstreamRequests()).hasSize(1);
        assertThat(seen.get().cluster()).isEqualTo("ai/default/chat/local");
        assertThat(Json.parse(seen.get().bodyUtf8()).path("model").stringValue())
                .isEqualTo("nomic-embed-text");
        assertThat(result.status()).isEqualTo(200);
    }

    @Test
    void aModelOnlyAnthropicServesGetsAClearOpenAiError() {
        ExchangeResult result = embed(
                request -> {
                    throw new AssertionError("no provider call expected");
                },
                "{\"model\":\"claude-3\",\"input\":\"x\"}");

        assertThat(result.status()).isEqualTo(400);
        JsonNode error = Json.parse(result.bodyUtf8()).path("error");
        assertThat(error.path("code").stringValue()).isEqualTo("embeddings_not_supported");
        assertThat(error.path("message").stringValue()).contains("claude", "Anthropic", "no embeddings API");
    }

    @Test
    void missingCountsAreEstimatedAndBadInputIsRejected() {
        embed(
                request -> FakeResponse.of(200, "{\"model\":\"nomic-embed-text\",\"embeddings\":[[0.5]]}"),
                "{\"model\":\"nomic-embed-text\",\"input\":\"hello world\"}");
        assertThat(usage.get()).isEqualTo(new TokenUsage(2, 0, true));

        ExchangeResult bad = embed(
                request -> {
                    throw new AssertionError("no provider call expected");
                },
                "{\"model\":\"nomic-embed-text\",\"input\":[]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.bodyUtf8()).contains("input must be a string or a non-empty array");

        ExchangeResult tokens = embed(
                request -> {
                    throw new AssertionError("no provider call expected");
                },
                "{\"model\":\"nomic-embed-text\",\"input\":[[1,2,3]]}");
        assertThat(tokens.status()).isEqualTo(400);
        assertThat(tokens.bodyUtf8()).contains("Ollama embeddings take input as a string");
    }

    @Test
    void embeddingsInputIsRedactedBeforeItLeaves() {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        FilterChainTester.builder(chain(Map.of("pii", Map.of("request", "mask"))))
                .upstream(request -> {
                    seen.set(request);
                    return FakeResponse.of(200, OLLAMA_EMBED);
                })
                .build()
                .exchange(
                        HttpRequestHead.of("POST", "/v1/embeddings", "gw"),
                        "{\"model\":\"nomic-embed-text\",\"input\":[\"mail bob@example.com\",\"plain\"]}");

        assertThat(Json.parse(seen.get().bodyUtf8()).path("input").toString())
                .isEqualTo("[\"mail [EMAIL]\",\"plain\"]");
    }
}
