package dev.nantian.ai;

import static dev.nantian.ai.AiTestSupport.ANTHROPIC_KEY;
import static dev.nantian.ai.AiTestSupport.OPENAI_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.ai.internal.Json;
import dev.nantian.ai.tokens.TokenUsage;
import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.HttpFilter;
import dev.nantian.core.filter.HttpFilterContext;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.testing.ExchangeResult;
import dev.nantian.core.filter.testing.FakeResponse;
import dev.nantian.core.filter.testing.FilterChainTester;
import dev.nantian.core.filter.testing.UpstreamRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AiServiceFilterTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AiGateway gateway = AiGateway.builder()
            .secrets(AiTestSupport.secrets())
            .meterRegistry(meters)
            .clock(java.time.Clock.fixed(java.time.Instant.ofEpochSecond(1_700_000_000), java.time.ZoneOffset.UTC))
            .build();

    @AfterEach
    void close() {
        gateway.close();
    }

    private FilterChain chain(Map<String, Object> extra) {
        Map<String, Object> spec = new HashMap<>(AiTestSupport.providers(
                "https://api.openai.com", "https://api.anthropic.com", "http://127.0.0.1:11434"));
        spec.putAll(extra);
        return AiTestSupport.chain(gateway, null, AiTestSupport.aiService(spec));
    }

    private static HttpRequestHead post() {
        return HttpRequestHead.of(
                "POST",
                "/v1/chat/completions",
                "gw.example.com",
                HttpHeaders.of(
                        "authorization",
                        "Bearer client-token",
                        "content-type",
                        "application/json",
                        "accept-encoding",
                        "gzip"));
    }

    private static ExchangeResult run(
            FilterChain chain, Function<UpstreamRequest, FakeResponse> upstream, String body) {
        return FilterChainTester.builder(chain).upstream(upstream).build().exchange(post(), body);
    }

    @Test
    void convertsANonStreamingRequestToAnthropicAndInjectsTheKey() {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        ExchangeResult result = run(
                chain(Map.of()),
                request -> {
                    seen.set(request);
                    return FakeResponse.builder(200)
                            .header("content-type", "application/json")
                            .chunk(
                                    "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\","
                                            + "\"content\":[{\"type\":\"text\",\"text\":\"Hi!\"}],\"stop_reason\":\"end_turn\","
                                            + "\"usage\":{\"input_tokens\":12,\"output_tokens\":3}}")
                            .build();
                },
                "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"system\",\"content\":\"s\"},"
                        + "{\"role\":\"user\",\"content\":\"Hello\"}]}");

        UpstreamRequest up = seen.get();
        assertThat(up.cluster()).isEqualTo("ai/default/chat/claude");
        assertThat(up.head().path()).isEqualTo("/v1/messages");
        assertThat(up.head().authority()).isEqualTo("api.anthropic.com");
        assertThat(up.head().headers().get("x-api-key")).isEqualTo(ANTHROPIC_KEY);
        assertThat(up.head().headers().get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(up.head().headers().contains("authorization"))
                .as("client credentials stripped")
                .isFalse();
        assertThat(up.head().headers().contains("accept-encoding")).isFalse();
        JsonNode sent = Json.parse(up.bodyUtf8());
        assertThat(sent.path("system").stringValue()).isEqualTo("s");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(4096);

        assertThat(result.status()).isEqualTo(200);
        JsonNode body = Json.parse(result.bodyUtf8());
        assertThat(body.path("object").stringValue()).isEqualTo("chat.completion");
        assertThat(body.path("choices").get(0).path("message").path("content").stringValue())
                .isEqualTo("Hi!");
        assertThat(result.headers().get("content-length")).isEqualTo(Integer.toString(result.body().length));
        assertThat(meters.get("gen_ai.client.token.usage")
                        .tag("gen_ai.token.type", "input")
                        .summary()
                        .totalAmount())
                .isEqualTo(12);
        assertThat(meters.get("gen_ai.server.request.duration")
                        .tag("gen_ai.provider.name", "anthropic")
                        .timer()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void acceptsPromptsLargerThanTheChainsDefaultBufferUpToItsOwnLimit() {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        String big = "x".repeat(3 << 20); // 3 MiB: over the 1 MiB chain default, under the AI limit
        String request = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}";
        ExchangeResult ok = run(
                chain(Map.of()),
                r -> {
                    seen.set(r);
                    return FakeResponse.builder(200)
                            .header("content-type", "application/json")
                            .chunk("{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\","
                                    + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                                    + "\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                                    + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}")
                            .build();
                },
                request);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(seen.get().bodyUtf8()).contains(big);
    }

    @Test
    void streamsAnthropicAsOpenAiChunksAndRecordsUsage() {
        String sse = dev.nantian.ai.provider.AnthropicCodecTestAccess.recordedStream();
        AtomicReference<TokenUsage> usage = new AtomicReference<>();
        FilterChain chain = FilterChain.builder(dev.nantian.core.filter.RouteInfo.of("r", Map.of()))
                .add(new UsageProbe(usage), new Object())
                .add(
                        gateway.aiServiceFilterFactory(),
                        gateway.aiService(AiTestSupport.aiService(AiTestSupport.providers(
                                "https://api.openai.com", "https://api.anthropic.com", "http://o:1"))))
                .build();
        FakeResponse.Builder response = FakeResponse.builder(200)
                .header("content-type", "text/event-stream")
                .header("content-length", Integer.toString(sse.length()));
        for (int i = 0; i < sse.length(); i += 37) {
            response.chunk(sse.substring(i, Math.min(sse.length(), i + 37)));
        }
        ExchangeResult result = FilterChainTester.builder(chain)
                .upstream(request -> response.build())
                .build()
                .exchange(
                        post(),
                        "{\"model\":\"claude-x\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.headers().get("content-type")).startsWith("text/event-stream");
        assertThat(result.headers().contains("content-length")).isFalse();
        assertThat(result.bodyUtf8()).isEqualTo(dev.nantian.ai.provider.AnthropicCodecTestAccess.expected());
        assertThat(usage.get()).isEqualTo(new TokenUsage(25, 15, false));
    }

    @Test
    void passesOpenAiThroughWithForcedUsageHiddenFromTheClient() {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        ExchangeResult result = run(
                chain(Map.of()),
                request -> {
                    seen.set(request);
                    return FakeResponse.of(
                            200,
                            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n",
                            "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,"
                                    + "\"total_tokens\":6}}\n\ndata: [DONE]\n\n");
                },
                "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(seen.get().head().headers().get("authorization")).isEqualTo("Bearer " + OPENAI_KEY);
        assertThat(Json.parse(seen.get().bodyUtf8())
                        .path("stream_options")
                        .path("include_usage")
                        .asBoolean())
                .isTrue();
        assertThat(result.bodyUtf8())
                .isEqualTo("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
                        + "data: [DONE]\n\n");
    }

    @Test
    void convertsOllamaNdjsonAndEstimatesWhenNoCountsCome() {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        ExchangeResult result = run(
                chain(Map.of()),
                request -> {
                    seen.set(request);
                    return FakeResponse.of(
                            200,
                            "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Hello there\"},"
                                    + "\"done\":false}\n{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\","
                                    + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\"}\n");
                },
                "{\"model\":\"small\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(seen.get().head().path()).isEqualTo("/api/chat");
        assertThat(seen.get().head().headers().contains("authorization")).isFalse();
        assertThat(Json.parse(seen.get().bodyUtf8()).path("model").stringValue())
                .isEqualTo("llama3.2");
        assertThat(result.bodyUtf8()).contains("\"content\":\"Hello there\"").endsWith("data: [DONE]\n\n");
        assertThat(meters.get("gen_ai.client.token.usage")
                        .tag("gen_ai.token.type", "output")
                        .tag("nantian.ai.estimated", "true")
                        .summary()
                        .totalAmount())
                .isEqualTo(2); // "Hello there" is two cl100k tokens
    }

    @Test
    void mapsProviderErrorsToOpenAiErrorJson() {
        ExchangeResult result = run(
                chain(Map.of()),
                request -> FakeResponse.of(
                        529,
                        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"),
                "{\"model\":\"claude-x\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(result.status()).isEqualTo(503);
        assertThat(result.headers().get("content-type")).isEqualTo("application/json");
        assertThat(Json.parse(result.bodyUtf8()).path("error").path("message").stringValue())
                .isEqualTo("Overloaded");
        assertThat(result.bodyUtf8()).doesNotContain(ANTHROPIC_KEY);
    }

    @Test
    void answersModelsLocallyAndUnknownModelsWith404() {
        FilterChainTester tester = FilterChainTester.builder(chain(Map.of()))
                .upstream(request -> {
                    throw new AssertionError("no upstream call expected");
                })
                .build();
        ExchangeResult models = tester.exchange(HttpRequestHead.of("GET", "/v1/models", "gw"));
        assertThat(models.status()).isEqualTo(200);
        assertThat(models.bodyUtf8())
                .isEqualTo("{\"object\":\"list\",\"data\":[{\"id\":\"small\",\"object\":\"model\",\"created\":0,"
                        + "\"owned_by\":\"local\"}]}");

        ExchangeResult unknown =
                tester.exchange(post(), "{\"model\":\"mistral\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(Json.parse(unknown.bodyUtf8()).path("error").path("code").stringValue())
                .isEqualTo("model_not_found");

        assertThat(tester.exchange(post(), "not json").status()).isEqualTo(400);
        assertThat(tester.exchange(HttpRequestHead.of("GET", "/v1/chat/completions", "gw"))
                        .status())
                .isEqualTo(405);
        assertThat(tester.exchange(HttpRequestHead.of("POST", "/v1/other", "gw"), "{}")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void redactsOrBlocksPiiBeforeTheProviderSeesIt() {
        AtomicReference<UpstreamRequest> seen = new AtomicReference<>();
        String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"I am bob@example.com\"}]}";
        run(
                chain(Map.of("pii", Map.of("request", "mask"))),
                request -> {
                    seen.set(request);
                    return FakeResponse.of(200, "{\"choices\":[]}");
                },
                body);
        assertThat(Json.parse(seen.get().bodyUtf8())
                        .path("messages")
                        .get(0)
                        .path("content")
                        .stringValue())
                .isEqualTo("I am [EMAIL]");

        ExchangeResult blocked = run(
                chain(Map.of("pii", Map.of("request", "block", "detectors", List.of("email")))),
                request -> {
                    throw new AssertionError("blocked requests never reach the provider");
                },
                body);
        assertThat(blocked.status()).isEqualTo(400);
        assertThat(blocked.bodyUtf8()).contains("contains email data").doesNotContain("bob@example.com");
    }

    @Test
    void missingSecretsAreConfigErrorsThatNeverShowKeys() {
        AiGateway noSecrets = AiGateway.builder().build();
        noSecrets.close();
        assertThatThrownBy(() -> noSecrets.aiService(
                        AiTestSupport.aiService(AiTestSupport.providers("https://a", "https://b", "http://c"))))
                .isInstanceOfSatisfying(ConfigValidationException.class, e -> assertThat(e.errors())
                        .containsExactly(
                                "AIService default/chat: providers claude: secret default/anthropic-key not found",
                                "AIService default/chat: providers openai: secret default/openai-key not found"));
        assertThat(gateway.aiService(
                                AiTestSupport.aiService(AiTestSupport.providers("https://a", "https://b", "http://c")))
                        .toString())
                .doesNotContain(OPENAI_KEY)
                .doesNotContain(ANTHROPIC_KEY);
        assertThatThrownBy(() -> gateway.aiServiceFilterFactory().parseConfig(Map.of()))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("ExtensionConfig");
    }

    /** Reads the usage attribute in onComplete, as a TokenPolicy or access log would. */
    private static final class UsageProbe implements dev.nantian.core.filter.HttpFilterFactory<Object>, HttpFilter {
        private final AtomicReference<TokenUsage> usage;

        UsageProbe(AtomicReference<TokenUsage> usage) {
            this.usage = usage;
        }

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
            return this;
        }

        @Override
        public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
            usage.set(ctx.attr(AiAttributes.TOKEN_USAGE));
        }
    }
}
