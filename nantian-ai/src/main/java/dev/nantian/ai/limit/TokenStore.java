package dev.nantian.ai.limit;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Token counters shared by the exchanges of a TokenPolicy. Both operations are atomic over all buckets given, so a
 * request either fits every limit or touches none. Stages may complete on any thread; a stage fails if the store
 * cannot be reached (the policy's {@code failMode} decides what that means).
 *
 * <p>Implementations: {@link InMemoryTokenStore} (one process) and {@link RedisTokenStore} (shared; needs the
 * optional Jedis dependency).
 */
public interface TokenStore extends AutoCloseable {

    /**
     * Reserves between {@code min} and {@code max} tokens: as many as every bucket still has free, up to
     * {@code max}, if that is at least {@code min}; otherwise nothing.
     *
     * @param min the least that makes the request worth sending, at least 1
     * @param max the most the request may use, at least {@code min}
     */
    CompletionStage<Reservation> reserve(List<TokenBucket> buckets, long min, long max);

    /**
     * Adds {@code delta} (negative to refund) to every bucket, creating missing ones; counts never go below zero.
     */
    CompletionStage<Void> adjust(List<TokenBucket> buckets, long delta);

    /** Releases connections; idempotent. */
    @Override
    void close();
}
