package dev.nantian.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.testing.FakeResponse;
import dev.nantian.core.filter.testing.FilterChainTester;
import dev.nantian.testing.ai.RedisServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TokenPolicy filter over a real Redis, and its fail-open / fail-closed behaviour when Redis is down. */
class TokenPolicyRedisIT {
    private static final String REQUEST =
            "{\"model\":\"gpt-4o\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    private static FilterChainTester tester(AiGateway gateway, String address, String failMode) {
        FilterChain chain = AiTestSupport.chain(
                gateway,
                AiTestSupport.tokenPolicy(Map.of(
                        "limits", List.of(Map.of("tokens", 300, "window", "1h")),
                        "store",
                                Map.of("redis", Map.of("address", address, "failMode", failMode, "timeout", "200ms")))),
                AiTestSupport.aiService(AiTestSupport.providers("https://a", "https://b", "http://o:1")));
        return FilterChainTester.builder(chain)
                .upstream(
                        request -> FakeResponse.of(
                                200,
                                "{\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":140,\"total_tokens\":150}}"))
                .build();
    }

    @Test
    void sharesBudgetsThroughRedisAcrossGateways() throws Exception {
        try (RedisServer redis = new RedisServer();
                AiGateway one =
                        AiGateway.builder().secrets(AiTestSupport.secrets()).build();
                AiGateway two =
                        AiGateway.builder().secrets(AiTestSupport.secrets()).build()) {
            String address = "127.0.0.1:" + redis.port();
            FilterChainTester a = tester(one, address, "closed");
            FilterChainTester b = tester(two, address, "closed");
            HttpRequestHead head = HttpRequestHead.of("POST", "/v1/chat/completions", "gw");
            assertThat(a.exchange(head, REQUEST).status()).isEqualTo(200);
            // Usage is settled asynchronously after the exchange; wait for it, or the next request would rightly be
            // admitted with max_tokens clamped to the budget still free before the settle lands.
            await().atMost(Duration.ofSeconds(10)).until(() -> used(redis) == 150);
            assertThat(b.exchange(HttpRequestHead.of("POST", "/v1/chat/completions", "gw"), REQUEST)
                            .status())
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> used(redis) == 300);
            assertThat(a.exchange(HttpRequestHead.of("POST", "/v1/chat/completions", "gw"), REQUEST)
                            .status())
                    .isEqualTo(429);
        }
    }

    /** Tokens charged in Redis, summed over every bucket key. */
    private static long used(RedisServer redis) {
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", redis.port())) {
            long total = 0;
            for (String key : jedis.keys("*")) {
                total += Long.parseLong(jedis.get(key));
            }
            return total;
        }
    }

    @Test
    void failModeDecidesWhatHappensWhenRedisIsDown() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        try (AiGateway gateway =
                AiGateway.builder().secrets(AiTestSupport.secrets()).build()) {
            String address = "127.0.0.1:" + deadPort;
            assertThat(tester(gateway, address, "closed")
                            .exchange(HttpRequestHead.of("POST", "/v1/chat/completions", "gw"), REQUEST)
                            .status())
                    .isEqualTo(503);
            assertThat(tester(gateway, address, "open")
                            .exchange(HttpRequestHead.of("POST", "/v1/chat/completions", "gw"), REQUEST)
                            .status())
                    .isEqualTo(200);
        }
    }
}
