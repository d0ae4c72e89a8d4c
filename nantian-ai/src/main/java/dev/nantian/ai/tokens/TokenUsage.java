package dev.nantian.ai.tokens;

/**
 * Tokens one exchange used.
 *
 * @param inputTokens prompt tokens
 * @param outputTokens completion tokens
 * @param estimated whether the gateway estimated the figures (the provider reported none) rather than read them
 */
public record TokenUsage(long inputTokens, long outputTokens, boolean estimated) {
    public TokenUsage {
        if (inputTokens < 0 || outputTokens < 0) {
            throw new IllegalArgumentException("token counts must not be negative");
        }
    }

    /** Input plus output. */
    public long totalTokens() {
        return inputTokens + outputTokens;
    }
}
