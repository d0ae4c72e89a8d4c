package dev.nantian.ai.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.testing.ai.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisTokenStoreIT {
    private static RedisServer redis;
    private static final ExecutorService executor = Executors.newFixedThreadPool(8);

    @BeforeAll
    static void start() throws Exception {
        redis = new RedisServer();
    }

    @AfterAll
    static void stop() {
        executor.shutdownNow();
        if (redis != null) {
            redis.close();
        }
    }

    private static RedisTokenStore store() {
        return new RedisTokenStore("127.0.0.1", redis.port(), Duration.ofSeconds(2), executor);
    }

    @Test
    void reservesAtomicallyAcrossBucketsAndSettles() {
        try (RedisTokenStore store = store()) {
            long end = System.currentTimeMillis() + 60_000;
            List<TokenBucket> buckets =
                    List.of(new TokenBucket("it:a:" + end, 100, end), new TokenBucket("it:b:" + end, 50, end));
            Reservation first =
                    store.reserve(buckets, 10, 40).toCompletableFuture().join();
            assertThat(first.granted()).isEqualTo(40);
            assertThat(first.used()).containsExactly(40L, 40L);
            assertThat(store.reserve(buckets, 5, 40)
                            .toCompletableFuture()
                            .join()
                            .granted())
                    .isEqualTo(10);
            Reservation denied =
                    store.reserve(buckets, 1, 1).toCompletableFuture().join();
            assertThat(denied.isGranted()).isFalse();
            assertThat(denied.used()).containsExactly(50L, 50L);
            store.adjust(buckets, -45).toCompletableFuture().join();
            assertThat(store.reserve(buckets, 1, 100)
                            .toCompletableFuture()
                            .join()
                            .granted())
                    .isEqualTo(45);
            store.adjust(buckets, -1000).toCompletableFuture().join(); // floors at zero
            assertThat(store.reserve(buckets, 50, 50)
                            .toCompletableFuture()
                            .join()
                            .granted())
                    .isEqualTo(50);
        }
    }

    @Test
    void concurrentReservationsNeverOvershoot() {
        try (RedisTokenStore store = store()) {
            long end = System.currentTimeMillis() + 60_000;
            List<TokenBucket> buckets = List.of(new TokenBucket("it:race:" + end, 1000, end));
            List<CompletableFuture<Reservation>> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(store.reserve(buckets, 7, 7).toCompletableFuture());
            }
            long granted = all.stream().mapToLong(f -> f.join().granted()).sum();
            assertThat(granted).isEqualTo(994); // 142 requests of 7 fit in 1000
        }
    }

    @Test
    void keysExpireAtTheEndOfTheirWindow() {
        try (RedisTokenStore store = store()) {
            long end = System.currentTimeMillis() + 500;
            List<TokenBucket> buckets = List.of(new TokenBucket("it:exp:" + end, 10, end));
            assertThat(store.reserve(buckets, 10, 10)
                            .toCompletableFuture()
                            .join()
                            .granted())
                    .isEqualTo(10);
            assertThat(store.reserve(buckets, 1, 1).toCompletableFuture().join().isGranted())
                    .isFalse();
            // Redis drops the key at the window's end (PEXPIREAT), so the budget is whole again
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> store.reserve(buckets, 1, 1)
                    .toCompletableFuture()
                    .join()
                    .isGranted());
        }
    }

    @Test
    void failsTheStageWhenRedisIsUnreachable() throws Exception {
        int deadPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        try (RedisTokenStore store = new RedisTokenStore("127.0.0.1", deadPort, Duration.ofMillis(200), executor)) {
            assertThatThrownBy(() -> store.reserve(List.of(new TokenBucket("x", 1, Long.MAX_VALUE)), 1, 1)
                            .toCompletableFuture()
                            .join())
                    .isInstanceOf(CompletionException.class);
        }
    }
}
