package dev.nantian.ai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.ai.internal.Json;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.testing.ExchangeResult;
import dev.nantian.core.filter.testing.FakeResponse;
import dev.nantian.core.filter.testing.FilterChainTester;
import dev.nantian.core.filter.testing.UpstreamRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TokenPolicyFilterTest {
    // 10:00:30 UTC: 30 s into the hour, so an hourly window resets in 3570 s
    private final Clock clock = Clock.fixed(Instant.parse("2025-01-01T10:00:30Z"), ZoneOffset.UTC);
    private final AiGateway gateway =
            AiGateway.builder().secrets(AiTestSupport.secrets()).clock(clock).build();
    private final AtomicInteger upstreamCalls = new AtomicInteger();
    private final AtomicReference<UpstreamRequest> lastRequest = new AtomicReference<>();

    @AfterEach
    void close() {
        gateway.close();
    }

    private FilterChainTester tester(long tokens, boolean clamp, int completionTokens) {
        FilterChain chain = AiTestSupport.chain(
                gateway,
                AiTestSupport.tokenPolicy(Map.of(
                        "source", Map.of("header", "x-user-id"),
                        "limits", List.of(Map.of("tokens", tokens, "window", "1h")),
                        "clampMaxTokens", clamp)),
                AiTestSupport.aiService(
                        AiTestSupport.providers("https://api.openai.com", "https://api.anthropic.com", "http://o:1")));
        return FilterChainTester.builder(chain)
                .upstream(request -> {
                    upstreamCalls.incrementAndGet();
                    lastRequest.set(request);
                    return FakeResponse.of(
                            200,
                            "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                                    + "{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                                    + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":" + completionTokens
                                    + ",\"total_tokens\":" + (10 + completionTokens) + "}}");
                })
                .build();
    }

    private static ExchangeResult send(FilterChainTester tester, String user, String body) {
        return tester.exchange(
                HttpRequestHead.of("POST", "/v1/chat/completions", "gw", HttpHeaders.of("x-user-id", user)), body);
    }

    private static final String REQUEST =
            "{\"model\":\"gpt-4o\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    @Test
    void chargesActualUsageAndRejectsOverBudgetWithoutCallingTheProvider() {
        FilterChainTester tester = tester(1000, true, 600);
        ExchangeResult first = send(tester, "alice", REQUEST);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.headers().get("x-ratelimit-limit-tokens")).isEqualTo("1000");
        assertThat(upstreamCalls).hasValue(1);

        ExchangeResult second = send(tester, "alice", REQUEST); // 610 charged, 390 left: fits
        assertThat(second.status()).isEqualTo(200);
        ExchangeResult third = send(tester, "alice", REQUEST); // 1220 charged: over
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.headers().get("retry-after")).isEqualTo("3570");
        assertThat(third.headers().get("x-ratelimit-limit-tokens")).isEqualTo("1000");
        assertThat(third.headers().get("x-ratelimit-remaining-tokens")).isEqualTo("0");
        assertThat(third.headers().get("x-ratelimit-reset-tokens")).isEqualTo("3570s");
        assertThat(Json.parse(third.bodyUtf8()).path("error").path("code").stringValue())
                .isEqualTo("rate_limit_exceeded");
        assertThat(upstreamCalls).as("provider never called when over budget").hasValue(2);

        assertThat(send(tester, "bob", REQUEST).status())
                .as("other clients have their own bucket")
                .isEqualTo(200);
    }

    @Test
    void clampsMaxTokensToTheRemainingBudget() {
        FilterChainTester tester = tester(60, true, 5);
        assertThat(send(tester, "carol", REQUEST).status()).isEqualTo(200);
        long sent = Json.parse(lastRequest.get().bodyUtf8()).path("max_tokens").asLong();
        long prompt = gateway.estimator().estimatePrompt(Json.parse(REQUEST));
        assertThat(sent).isEqualTo(60 - prompt);

        FilterChainTester unclamped = tester(60, false, 5);
        assertThat(send(unclamped, "dave", REQUEST).status()).isEqualTo(200);
        assertThat(Json.parse(lastRequest.get().bodyUtf8()).path("max_tokens").asLong())
                .isEqualTo(100);
    }

    @Test
    void setsMaxTokensWhenTheRequestHasNoneAndTheBudgetIsSmall() {
        FilterChainTester tester = tester(50, true, 5);
        send(tester, "erin", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
        assertThat(Json.parse(lastRequest.get().bodyUtf8()).path("max_tokens").asLong())
                .isPositive()
                .isLessThan(50);
    }

    @Test
    void refundsTheReservationWhenTheProviderFails() {
        FilterChain chain = AiTestSupport.chain(
                gateway,
                AiTestSupport.tokenPolicy(Map.of("limits", List.of(Map.of("tokens", 200, "window", "1h")))),
                AiTestSupport.aiService(AiTestSupport.providers("https://a", "https://b", "http://o:1")));
        FilterChainTester failing = FilterChainTester.builder(chain)
                .upstream(request -> FakeResponse.of(500, "{\"error\":{\"message\":\"boom\"}}"))
                .build();
        for (int i = 0; i < 5; i++) {
            // each reserves prompt + 100 of 200; without refunds the second would already be rejected
            assertThat(failing.exchange(HttpRequestHead.of("POST", "/v1/chat/completions", "gw"), REQUEST)
                            .status())
                    .isEqualTo(500);
        }
    }

    @Test
    void embeddingsReserveTheirInputAndAreChargedWhatTheProviderCounted() {
        FilterChain chain = AiTestSupport.chain(
                gateway,
                AiTestSupport.tokenPolicy(Map.of(
                        "source", Map.of("header", "x-user-id"),
                        "limits", List.of(Map.of("tokens", 50, "window", "1h")))),
                AiTestSupport.aiService(Map.of(
                        "providers",
                        List.of(Map.of(
                                "name",
                                "openai",
                                "type",
                                "OpenAI",
                                "auth",
                                Map.of("secretRef", Map.of("name", "openai-key", "key", "apiKey")))))));
        FilterChainTester tester = FilterChainTester.builder(chain)
                .upstream(request -> {
                    upstreamCalls.incrementAndGet();
                    return FakeResponse.of(
                            200,
                            "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                                    + "\"embedding\":[0.5]}],\"model\":\"text-embedding-3-small\","
                                    + "\"usage\":{\"prompt_tokens\":30,\"total_tokens\":30}}");
                })
                .build();
        String request = "{\"model\":\"text-embedding-3-small\",\"input\":\"hello world\"}";
        HttpRequestHead head = HttpRequestHead.of("POST", "/v1/embeddings", "gw", HttpHeaders.of("x-user-id", "bob"));

        assertThat(tester.exchange(head, request).status()).isEqualTo(200); // 30 charged of 50
        assertThat(tester.exchange(head, request).status()).isEqualTo(200); // 2 reserved fit: 60 charged
        ExchangeResult third = tester.exchange(
                HttpRequestHead.of("POST", "/v1/embeddings", "gw", HttpHeaders.of("x-user-id", "bob")), request);
        assertThat(third.status()).isEqualTo(429);
        assertThat(upstreamCalls).hasValue(2);
    }
}
