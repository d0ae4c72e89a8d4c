package dev.nantian.xds.client.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with jitter: delays grow by {@value #MULTIPLIER}x from the initial delay up to the maximum,
 * and each is spread by &plusmn;{@value #JITTER} so that data planes cut off together do not reconnect together.
 * Not thread-safe: the client uses it from its synchronization context only.
 */
public final class Backoff {
    static final double MULTIPLIER = 2.0;
    static final double JITTER = 0.2;

    private final long initialNanos;
    private final long maxNanos;
    private final Random random;
    private long nextNanos;

    public Backoff(Duration initial, Duration max, Random random) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + " and " + max);
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.random = requireNonNull(random, "random");
        this.nextNanos = initialNanos;
    }

    /** The delay before the next attempt, never above the maximum. */
    public long nextDelayNanos() {
        long base = nextNanos;
        nextNanos = (long) Math.min(maxNanos, base * MULTIPLIER);
        double spread = 1 + JITTER * (2 * random.nextDouble() - 1);
        return Math.min(maxNanos, Math.max(1, (long) (base * spread)));
    }

    /** Starts over from the initial delay, after a stream that worked. */
    public void reset() {
        nextNanos = initialNanos;
    }
}
