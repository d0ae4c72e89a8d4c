package dev.nantian.ai.limit;

import static java.util.Objects.requireNonNull;

/**
 * One counter of one fixed window: a client's bucket under one limit of one policy.
 *
 * @param key unique per policy, client, limit and window start
 * @param limit the budget in tokens
 * @param resetAtMillis when the window ends (epoch millis); the counter may be dropped after that
 */
public record TokenBucket(String key, long limit, long resetAtMillis) {
    public TokenBucket {
        requireNonNull(key, "key");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
    }
}
