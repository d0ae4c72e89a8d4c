package dev.nantian.ai.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryTokenStoreTest {
    private Instant now = Instant.parse("2025-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void grantsUpToTheTightestBucketAndDeniesBelowTheMinimum() {
        InMemoryTokenStore store = new InMemoryTokenStore(clock);
        long end = now.toEpochMilli() + 60_000;
        List<TokenBucket> buckets = List.of(new TokenBucket("a", 100, end), new TokenBucket("b", 50, end));

        Reservation first = store.reserve(buckets, 10, 40).toCompletableFuture().join();
        assertThat(first.granted()).isEqualTo(40);
        assertThat(first.used()).containsExactly(40L, 40L);
        Reservation second = store.reserve(buckets, 5, 40).toCompletableFuture().join();
        assertThat(second.granted()).as("clamped to b's 10 left").isEqualTo(10);
        Reservation denied = store.reserve(buckets, 1, 1).toCompletableFuture().join();
        assertThat(denied.isGranted()).isFalse();
        assertThat(denied.used()).containsExactly(50L, 50L);

        store.adjust(buckets, -30).toCompletableFuture().join();
        assertThat(store.reserve(buckets, 30, 30).toCompletableFuture().join().granted())
                .isEqualTo(30);
    }

    @Test
    void expiredWindowsStartAgainAndAreSwept() {
        InMemoryTokenStore store = new InMemoryTokenStore(clock);
        TokenBucket bucket = new TokenBucket("a", 10, now.toEpochMilli() + 1000);
        assertThat(store.reserve(List.of(bucket), 10, 10)
                        .toCompletableFuture()
                        .join()
                        .granted())
                .isEqualTo(10);
        now = now.plusSeconds(2);
        TokenBucket next = new TokenBucket("a", 10, now.toEpochMilli() + 1000);
        assertThat(store.reserve(List.of(next), 10, 10)
                        .toCompletableFuture()
                        .join()
                        .granted())
                .isEqualTo(10);
        now = now.plusSeconds(2);
        for (int i = 0; i < InMemoryTokenStore.SWEEP_EVERY; i++) {
            store.reserve(List.of(new TokenBucket("k" + i, 10, now.toEpochMilli() + 1)), 1, 1);
            now = now.plusMillis(2);
        }
        assertThat(store.size()).isLessThan(InMemoryTokenStore.SWEEP_EVERY);
    }
}
