package dev.nantian.ai;

import static dev.nantian.ai.AiTestSupport.ANTHROPIC_KEY;
import static dev.nantian.ai.AiTestSupport.OPENAI_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.ai.internal.Json;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Fallback across providers, driven through the in-memory chain tester with scripted provider answers. */
class AiFallbackTest {
    static final String CLAUDE = "ai/default/chat/claude";
    static final String BACKUP = "ai/default/chat/backup";
    static final String LOCAL = "ai/default/chat/local";

    static final String ANTHROPIC_OK = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-x\",\"content\":[{\"type\":\"text\",\"text\":\"from claude\"}],"
            + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":9,\"output_tokens\":2}}";
    static final String OPENAI_OK = "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":"
            + "\"gpt-4o-mini-2024\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"from backup\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,"
            + "\"total_tokens\":9}}";
    static final String CHAT = "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    static final String STREAM_CHAT =
            "{\"model\":\"claude-x\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AiGateway gateway = AiGateway.builder()
            .secrets(AiTestSupport.secrets())
            .meterRegistry(meters)
            .build();
    private final AtomicReference<ExchangeStats> hostStats = new AtomicReference<>();

    @AfterEach
    void close() {
        gateway.close();
    }

    /**
     * claude (Anthropic) serves claude-*; backup (OpenAI) and local (Ollama) serve claude-x under other names and are
     * the fallbacks, in that order.
     */
    static Map<String, Object> fallbackSpec(String claudeTimeout) {
        Map<String, Object> claude = new HashMap<>(Map.of(
                "name",
                "claude",
                "type",
                "Anthropic",
                "endpoint",
                "https://api.anthropic.com",
                "auth",
                Map.of("secretRef", Map.of("name", "anthropic-key", "key", "apiKey")),
                "models",
                List.of("claude-*")));
        if (claudeTimeout != null) {
            claude.put("timeout", claudeTimeout);
        }
        return Map.of(
                "providers",
                List.of(
                        claude,
                        Map.of(
                                "name",
                                "backup",
                                "type",
                                "OpenAI",
                                "endpoint",
                                "https://backup.example.com",
                                "auth",
                                Map.of("secretRef", Map.of("name", "openai-key", "key", "apiKey")),
                                "modelMap",
                                Map.of("claude-x", "gpt-4o-mini")),
                        Map.of(
                                "name",
                                "local",
                                "type",
                                "Ollama",
                                "endpoint",
                                "http://127.0.0.1:11434",
                                "modelMap",
                                Map.of("claude-x", "llama3.2"))),
                "fallback",
                List.of("backup", "local"));
    }

    private FilterChain chain(Map<String, Object> spec) {
        HttpFilterFactory<Object> probe = new HttpFilterFactory<>() {
            @Override
            public String kind() {
                return "test/StatsProbe";
            }

            @Override
            public Object parseConfig(Object rawConfig) {
                return rawConfig;
            }

            @Override
            public HttpFilter create(Object config) {
                return new HttpFilter() {
                    @Override
                    public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
                        hostStats.set(stats);
                    }
                };
            }
        };
        return FilterChain.builder(RouteInfo.of("default/ai/rule/0", Map.of()))
                .add(probe, new Object())
                .add(gateway.aiServiceFilterFactory(), gateway.aiService(AiTestSupport.aiService(spec)))
                .build();
    }

    private ExchangeResult run(
            Map<String, Object> spec, Function<UpstreamRequest, FakeResponse> upstream, String body) {
        return FilterChainTester.builder(chain(spec))
                .upstream(upstream)
                .build()
                .exchange(
                        HttpRequestHead.of(
                                "POST",
                                "/v1/chat/completions",
                                "gw.example.com",
                                HttpHeaders.of(
                                        "authorization", "Bearer client-token", "content-type", "application/json")),
                        body);
    }

    /** Answers by cluster: the first matching entry's response, or a test failure for unscripted clusters. */
    private static Function<UpstreamRequest, FakeResponse> byCluster(Map<String, FakeResponse> answers) {
        return request -> {
            FakeResponse response = answers.get(request.cluster());
            if (response == null) {
                throw new AssertionError("no attempt expected on " + request.cluster());
            }
            return response;
        };
    }

    private static FakeResponse json(int status, String body) {
        return FakeResponse.builder(status)
                .header("content-type", "application/json")
                .chunk(body)
                .build();
    }

    @Test
    void a429FallsBackToTheNextProviderInItsOwnFormatWithItsOwnKeyAndCluster() {
        ExchangeResult result = run(
                fallbackSpec(null),
                byCluster(Map.of(
                        CLAUDE,
                        json(
                                429,
                                "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}"),
                        BACKUP,
                        json(200, OPENAI_OK))),
                CHAT);

        assertThat(result.upstreamRequests())
                .extracting(UpstreamRequest::cluster)
                .containsExactly(CLAUDE, BACKUP);
        UpstreamRequest first = result.upstreamRequests().get(0);
        assertThat(first.head().path()).isEqualTo("/v1/messages");
        assertThat(first.head().headers().get("x-api-key")).isEqualTo(ANTHROPIC_KEY);
        UpstreamRequest second = result.upstreamRequests().get(1);
        assertThat(second.head().path()).isEqualTo("/v1/chat/completions");
        assertThat(second.head().authority()).isEqualTo("backup.example.com");
        assertThat(second.head().headers().get("authorization")).isEqualTo("Bearer " + OPENAI_KEY);
        assertThat(second.head().headers().contains("x-api-key"))
                .as("the first provider's key stays with it")
                .isFalse();
        assertThat(second.head().headers().contains("anthropic-version")).isFalse();
        JsonNode sent = Json.parse(second.bodyUtf8());
        assertThat(sent.path("model").stringValue()).isEqualTo("gpt-4o-mini");
        assertThat(sent.path("messages").get(0).path("content").stringValue()).isEqualTo("Hello");
        assertThat(second.head().headers().get("content-length")).isEqualTo(Integer.toString(second.body().length));

        assertThat(result.status()).isEqualTo(200);
        assertThat(Json.parse(result.bodyUtf8())
                        .path("choices")
                        .get(0)
                        .path("message")
                        .path("content")
                        .stringValue())
                .isEqualTo("from backup");
        assertThat(hostStats.get().logFields())
                .containsEntry("ai.provider", "backup")
                .containsEntry("ai.model", "claude-x")
                .containsEntry("ai.fallback.attempts", "1")
                .containsEntry("ai.tokens.input", "7")
                .containsEntry("ai.tokens.output", "2")
                .containsEntry("ai.tokens.estimated", "false");
        assertThat(result.stats().upstreamCluster()).isEqualTo(BACKUP);
    }

    @Test
    void a503AndAnUnreachableProviderFallBackInTurn() {
        ExchangeResult result = run(
                fallbackSpec(null),
                byCluster(Map.of(
                        CLAUDE, json(503, "{}"),
                        BACKUP, FakeResponse.upstreamFailure(502),
                        LOCAL,
                                json(
                                        200,
                                        "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":"
                                                + "\"from local\"},\"done\":true,\"done_reason\":\"stop\","
                                                + "\"prompt_eval_count\":5,\"eval_count\":2}"))),
                CHAT);

        assertThat(result.upstreamRequests())
                .extracting(UpstreamRequest::cluster)
                .containsExactly(CLAUDE, BACKUP, LOCAL);
        assertThat(result.upstreamRequests().get(2).head().path()).isEqualTo("/api/chat");
        assertThat(result.upstreamRequests().get(2).head().headers().contains("authorization"))
                .as("Ollama gets no key, and not the previous provider's")
                .isFalse();
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).contains("from local");
        assertThat(hostStats.get().logFields()).containsEntry("ai.fallback.attempts", "2");
        assertThat(meters.get("nantian.ai.fallbacks")
                        .tag("nantian.ai.provider", "claude")
                        .tag("error.type", "503")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("nantian.ai.fallbacks")
                        .tag("nantian.ai.provider", "backup")
                        .tag("error.type", "upstream_failure")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void aProviderThatMissesItsTimeoutIsAbandonedForTheNext() {
        ExchangeResult result = run(
                fallbackSpec("50ms"),
                byCluster(Map.of(
                        CLAUDE,
                        FakeResponse.builder(200)
                                .chunk(ANTHROPIC_OK)
                                .delay(Duration.ofMinutes(1))
                                .build(),
                        BACKUP,
                        json(200, OPENAI_OK))),
                CHAT);

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).contains("from backup");
        assertThat(meters.get("gen_ai.client.operation.duration")
                        .tag("nantian.ai.provider", "claude")
                        .tag("error.type", "timeout")
                        .timer()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void whenEveryProviderFailsTheClientGetsTheLastErrorAsOpenAiJson() {
        ExchangeResult statuses = run(
                fallbackSpec(null),
                byCluster(Map.of(
                        CLAUDE, json(429, "{}"),
                        BACKUP, json(500, "{}"),
                        LOCAL, json(503, "{\"error\":\"server busy, please try again\"}"))),
                CHAT);
        assertThat(statuses.upstreamRequests()).hasSize(3);
        assertThat(statuses.status()).isEqualTo(503);
        JsonNode error = Json.parse(statuses.bodyUtf8()).path("error");
        assertThat(error.path("message").stringValue()).isEqualTo("server busy, please try again");
        assertThat(error.path("type").stringValue()).isEqualTo("api_error");

        assertThat(meters.get("nantian.ai.fallbacks")
                        .tag("error.type", "429")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("nantian.ai.fallbacks")
                        .tag("error.type", "500")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void theLastProviderTimingOutGives504WithOpenAiErrorJson() {
        Map<String, Object> spec = new HashMap<>(fallbackSpec("50ms"));
        spec.put("fallback", List.of());
        ExchangeResult result = run(
                spec,
                byCluster(Map.of(
                        CLAUDE,
                        FakeResponse.builder(200).delay(Duration.ofMinutes(1)).build())),
                CHAT);

        assertThat(result.status()).isEqualTo(504);
        assertThat(result.headers().get("content-type")).isEqualTo("application/json");
        JsonNode error = Json.parse(result.bodyUtf8()).path("error");
        assertThat(error.path("code").stringValue()).isEqualTo("timeout");
        assertThat(error.path("message").stringValue()).contains("claude").doesNotContain(ANTHROPIC_KEY);
        assertThat(result.headers().get("content-length")).isEqualTo(Integer.toString(result.body().length));
    }

    @Test
    void anUnreachableLastProviderGivesItsStatusWithOpenAiErrorJson() {
        ExchangeResult result = run(
                fallbackSpec(null),
                byCluster(Map.of(
                        CLAUDE, FakeResponse.upstreamFailure(503),
                        BACKUP, FakeResponse.upstreamFailure(503),
                        LOCAL, FakeResponse.upstreamFailure(502))),
                CHAT);

        assertThat(result.status()).isEqualTo(502);
        JsonNode error = Json.parse(result.bodyUtf8()).path("error");
        assertThat(error.path("message").stringValue()).isEqualTo("provider local could not be reached");
        assertThat(error.path("type").stringValue()).isEqualTo("api_error");
    }

    @Test
    void clientErrorsDoNotFallBack() {
        ExchangeResult result = run(
                fallbackSpec(null),
                byCluster(Map.of(
                        CLAUDE,
                        json(
                                400,
                                "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                                        + "\"message\":\"bad\"}}"))),
                CHAT);
        assertThat(result.upstreamRequests()).hasSize(1);
        assertThat(result.status()).isEqualTo(400);
    }

    @Test
    void streamsFallBackTooWhileNothingWentToTheClient() {
        String sse = "data: {\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                + "\"streamed\"}}]}\n\ndata: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,"
                + "\"completion_tokens\":1,\"total_tokens\":6}}\n\ndata: [DONE]\n\n";
        ExchangeResult result = run(
                fallbackSpec(null),
                byCluster(Map.of(
                        CLAUDE,
                        json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"o\"}}"),
                        BACKUP,
                        FakeResponse.of(200, sse.substring(0, 40), sse.substring(40)))),
                STREAM_CHAT);

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.headers().get("content-type")).startsWith("text/event-stream");
        assertThat(result.bodyUtf8())
                .isEqualTo("data: {\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":"
                        + "{\"content\":\"streamed\"}}]}\n\ndata: [DONE]\n\n");
        assertThat(Json.parse(result.upstreamRequests().get(1).bodyUtf8())
                        .path("stream_options")
                        .path("include_usage")
                        .asBoolean())
                .isTrue();
        assertThat(result.upstreamRequests().get(1).head().headers().get("accept"))
                .isEqualTo("text/event-stream");
        assertThat(meters.get("gen_ai.client.token.usage")
                        .tag("nantian.ai.provider", "backup")
                        .tag("gen_ai.response.model", "gpt-4o-mini")
                        .tag("gen_ai.token.type", "output")
                        .summary()
                        .totalAmount())
                .isEqualTo(1);
    }

    @Test
    void noFallbackOnceAByteWentToTheClient() {
        List<String> events = new ArrayList<>();
        events.add("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":"
                + "\"claude-x\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n");
        events.add("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n");
        FakeResponse.Builder cutOff = FakeResponse.builder(200).header("content-type", "text/event-stream");
        events.forEach(cutOff::chunk);
        ExchangeResult result = run(
                fallbackSpec(null),
                byCluster(Map.of(CLAUDE, cutOff.failAfterBody(502).build())),
                STREAM_CHAT);

        assertThat(result.upstreamRequests()).hasSize(1);
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).contains("\"content\":\"Hel\"").doesNotContain("[DONE]");
        assertThat(result.reset()).isPresent();
        assertThat(hostStats.get().logFields()).containsEntry("ai.fallback.attempts", "0");
    }

    @Test
    void fallbackProvidersThatCannotTakeTheRequestAreSkipped() {
        // n = 2 cannot go to Anthropic or Ollama: the primary OpenAI provider's failure goes straight to the client.
        Map<String, Object> spec = Map.of(
                "providers",
                List.of(
                        Map.of(
                                "name",
                                "backup",
                                "type",
                                "OpenAI",
                                "endpoint",
                                "https://backup.example.com",
                                "auth",
                                Map.of("secretRef", Map.of("name", "openai-key", "key", "apiKey"))),
                        Map.of(
                                "name",
                                "claude",
                                "type",
                                "Anthropic",
                                "auth",
                                Map.of("secretRef", Map.of("name", "anthropic-key", "key", "apiKey")))),
                "fallback",
                List.of("claude"));
        ExchangeResult result = run(
                spec,
                byCluster(Map.of(BACKUP, json(503, "{\"error\":{\"message\":\"down\",\"type\":\"server_error\"}}"))),
                "{\"model\":\"gpt-4o\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(result.upstreamRequests()).hasSize(1);
        assertThat(result.status()).isEqualTo(503);
        assertThat(Json.parse(result.bodyUtf8()).path("error").path("message").stringValue())
                .isEqualTo("down");
    }

    @Test
    void metricsUseTheGenAiSemanticConventionNames() {
        run(fallbackSpec(null), byCluster(Map.of(CLAUDE, json(500, "{}"), BACKUP, json(200, OPENAI_OK))), CHAT);

        assertThat(meters.get("gen_ai.client.operation.duration")
                        .tags(
                                "gen_ai.operation.name", "chat",
                                "gen_ai.provider.name", "anthropic",
                                "gen_ai.request.model", "claude-x",
                                "nantian.ai.provider", "claude",
                                "error.type", "500")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("gen_ai.client.operation.duration")
                        .tags(
                                "gen_ai.provider.name", "openai",
                                "gen_ai.response.model", "gpt-4o-mini-2024",
                                "error.type", "none")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("gen_ai.client.token.usage")
                        .tags(
                                "gen_ai.operation.name", "chat",
                                "gen_ai.provider.name", "openai",
                                "gen_ai.request.model", "claude-x",
                                "gen_ai.response.model", "gpt-4o-mini-2024",
                                "gen_ai.token.type", "input")
                        .summary()
                        .totalAmount())
                .isEqualTo(7);
        assertThat(meters.get("gen_ai.server.request.duration")
                        .tag("nantian.ai.provider", "backup")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("gen_ai.server.time_to_first_token")
                        .tag("gen_ai.provider.name", "openai")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("gen_ai.server.time_per_output_token").timer().count())
                .isEqualTo(1);
    }
}
