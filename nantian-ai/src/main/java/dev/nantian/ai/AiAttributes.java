package dev.nantian.ai;

import dev.nantian.ai.tokens.TokenUsage;
import dev.nantian.core.filter.AttributeKey;

/**
 * Per-exchange attributes the AI filter sets, for the TokenPolicy filter, access logs and other filters. Set on the
 * event loop; read them from callbacks or {@code onComplete}.
 */
public final class AiAttributes {
    /** Tokens used, once known: at the end of the response, or in {@code onComplete} for a cut-off stream. */
    public static final AttributeKey<TokenUsage> TOKEN_USAGE = AttributeKey.of("nantian.ai.token-usage");

    /**
     * The name of the provider of the current attempt: after a fallback the provider that answered (or failed last).
     */
    public static final AttributeKey<String> PROVIDER = AttributeKey.of("nantian.ai.provider");

    /** The model the client asked for. */
    public static final AttributeKey<String> MODEL = AttributeKey.of("nantian.ai.model");

    private AiAttributes() {}
}
