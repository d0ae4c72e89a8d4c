package dev.nantian.ai.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.ConfigValidationException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenPolicyConfigTest {

    @Test
    void parsesTheIssueExample() {
        TokenPolicyConfig config = TokenPolicyConfig.parse(
                "default",
                "budget",
                Map.of(
                        "targetRefs",
                                List.of(Map.of(
                                        "group", "gateway.networking.k8s.io", "kind", "HTTPRoute", "name", "ai")),
                        "source", Map.of("header", "X-User-Id"),
                        "limits",
                                List.of(
                                        Map.of("tokens", 100000, "window", "1h"),
                                        Map.of("tokens", 5000, "window", "1m30s")),
                        "store", Map.of("memory", Map.of())));
        assertThat(config.targetRefs())
                .containsExactly(new PolicyTargetRef("gateway.networking.k8s.io", "HTTPRoute", "ai"));
        assertThat(config.source()).isEqualTo(new RateKeySource.Header("x-user-id"));
        assertThat(config.limits())
                .containsExactly(
                        new TokenLimit(100000, Duration.ofHours(1)), new TokenLimit(5000, Duration.ofSeconds(90)));
        assertThat(config.store()).isEqualTo(new TokenStoreConfig.Memory());
        assertThat(config.clampMaxTokens()).isTrue();
    }

    @Test
    void parsesRedisStoresAndClientIpSources() {
        TokenPolicyConfig config = TokenPolicyConfig.parse(
                "d",
                "p",
                Map.of(
                        "source", Map.of("clientIP", Map.of()),
                        "limits", List.of(Map.of("tokens", 10, "window", "1s")),
                        "store", Map.of("redis", Map.of("address", "127.0.0.1:6379", "failMode", "closed")),
                        "clampMaxTokens", false));
        assertThat(config.source()).isEqualTo(new RateKeySource.ClientIp());
        assertThat(config.store())
                .isEqualTo(new TokenStoreConfig.Redis("127.0.0.1", 6379, FailMode.CLOSED, Duration.ofMillis(250)));
        assertThat(config.clampMaxTokens()).isFalse();
    }

    @Test
    void collectsEveryErrorAtOnce() {
        assertThatThrownBy(() -> TokenPolicyConfig.parse(
                        "d",
                        "p",
                        Map.of(
                                "source", Map.of("header", "x", "clientIP", Map.of()),
                                "limits",
                                        List.of(
                                                Map.of("tokens", 0, "window", "1h"),
                                                Map.of("tokens", 5, "window", "100ms")),
                                "store", Map.of("redis", Map.of("address", "nohost", "failMode", "maybe")),
                                "clampMaxTokens", "yes")))
                .isInstanceOfSatisfying(ConfigValidationException.class, e -> assertThat(e.errors())
                        .hasSize(6)
                        .anyMatch(m -> m.contains("source: must have exactly one of header, clientIP"))
                        .anyMatch(m -> m.contains("limits[0].tokens: must be at least 1"))
                        .anyMatch(m -> m.contains("limits[1].window: must be at least 1s"))
                        .anyMatch(m -> m.contains("store.redis.failMode: must be open or closed"))
                        .anyMatch(m -> m.contains("store.redis.address: must be HOST:PORT"))
                        .anyMatch(m -> m.contains("clampMaxTokens: must be true or false")));
    }
}
