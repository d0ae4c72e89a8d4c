package dev.nantian.core.model;

import dev.nantian.core.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Gateway API HTTPRoute retry: an attempt is retried when the backend answers one of {@code codes} or the
 * connection to it fails (connect error, reset before a response), up to {@code attempts} retries, and only while
 * nothing of the response went to the client.
 *
 * @param codes HTTP statuses that cause a retry, each in 400..599
 * @param attempts maximum number of retries after the first attempt
 * @param backoff the base wait between attempts; the data plane applies exponential backoff with jitter
 */
public record RetryPolicy(List<Integer> codes, int attempts, Optional<Duration> backoff) {
    public RetryPolicy {
        codes = Checks.list(codes, "codes");
        for (int code : codes) {
            if (code < 400 || code > 599) {
                throw new IllegalArgumentException("retry code must be in 400..599, got " + code);
            }
        }
        Checks.nonNegative(attempts, "attempts");
        Checks.positiveIfPresent(backoff, "backoff");
    }
}
