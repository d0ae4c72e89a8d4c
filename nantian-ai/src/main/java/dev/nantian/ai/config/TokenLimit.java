package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A token budget per window ({@code {tokens: 100000, window: 1h}}). Windows are fixed and aligned to the epoch: a
 * {@code 1h} window resets on the hour (UTC), whatever the store.
 *
 * @param tokens the budget, at least 1
 * @param window the window length, at least one second
 */
public record TokenLimit(long tokens, Duration window) {
    public TokenLimit {
        requireNonNull(window, "window");
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens must be at least 1: " + tokens);
        }
        if (window.toMillis() < 1000) {
            throw new IllegalArgumentException("window must be at least 1s: " + window);
        }
    }
}
