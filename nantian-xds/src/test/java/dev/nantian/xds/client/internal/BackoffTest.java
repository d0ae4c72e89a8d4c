package dev.nantian.xds.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final long MS = 1_000_000L;

    @Test
    void delaysDoubleWithinTheJitterUpToTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), new Random(7));

        long[] bases = {100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000};
        for (long base : bases) {
            long delay = backoff.nextDelayNanos();
            assertThat(delay).isBetween((long) (base * MS * 0.8), Math.min(30_000 * MS, (long) (base * MS * 1.2)));
        }
    }

    @Test
    void resetStartsOverFromTheInitialDelay() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), new Random(7));
        for (int i = 0; i < 5; i++) {
            backoff.nextDelayNanos();
        }

        backoff.reset();

        assertThat(backoff.nextDelayNanos()).isBetween(80 * MS, 120 * MS);
    }

    @Test
    void jitterSpreadsClientsThatFailTogether() {
        long a = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(1)).nextDelayNanos();
        long b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(2)).nextDelayNanos();

        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void boundsMustBeOrdered() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new Random()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), new Random()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
