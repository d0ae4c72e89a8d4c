package dev.nantian.ai;

import dev.nantian.ai.config.ProviderConfig;
import dev.nantian.ai.tokens.TokenUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * GenAI metrics with OpenTelemetry semantic-convention names (GenAI conventions, development status, as of v1.37:
 * {@code gen_ai.provider.name} replaced {@code gen_ai.system}). The gateway is a GenAI client of its providers and a
 * GenAI server to its clients, so it records both sides:
 *
 * <ul>
 *   <li>{@code gen_ai.client.operation.duration} (seconds): each call to a provider, failed fallback attempts
 *       included (their {@code error.type} is the status, {@code timeout} or {@code upstream_failure});
 *   <li>{@code gen_ai.client.token.usage} ({@code {token}}, by {@code gen_ai.token.type} {@code input} and
 *       {@code output}): the usage of the attempt that answered; {@code nantian.ai.estimated} tells jtokkit estimates
 *       from provider counts;
 *   <li>{@code gen_ai.server.request.duration} (seconds): the whole exchange as the client saw it, fallbacks included;
 *   <li>{@code gen_ai.server.time_to_first_token} and {@code gen_ai.server.time_per_output_token} (seconds): chat
 *       responses that produced tokens;
 *   <li>{@code nantian.ai.fallbacks}: fallbacks taken, by the provider that failed and why.
 * </ul>
 *
 * Tags: {@code gen_ai.operation.name} ({@code chat}, {@code embeddings}), {@code gen_ai.provider.name} (the
 * dialect: {@code openai}, {@code anthropic}, {@code ollama}), {@code gen_ai.request.model} (what the client asked
 * for), {@code gen_ai.response.model} (what the provider said answered; {@code unknown} when it said nothing) and
 * {@code nantian.ai.provider} (the configured provider's name). Every meter of one name has the same tag keys, as
 * Prometheus requires, so {@code error.type} is {@code none} on success. No registry, no metrics.
 */
final class AiMetrics {
    static final String UNKNOWN = "unknown";

    private final MeterRegistry registry;

    AiMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One call to a provider ended: answered, failed, or abandoned for a fallback. */
    void attempt(
            String operation,
            ProviderConfig provider,
            String requestModel,
            String responseModel,
            long durationNanos,
            String errorType) {
        if (registry == null) {
            return;
        }
        Timer.builder("gen_ai.client.operation.duration")
                .description("GenAI operation duration: one call of the gateway to a provider")
                .tags(tags(operation, provider, requestModel, responseModel))
                .tag("error.type", errorType == null ? "none" : errorType)
                .register(registry)
                .record(Math.max(0, durationNanos), TimeUnit.NANOSECONDS);
    }

    /** The gateway gave up on {@code provider} for the next one. */
    void fallback(String operation, ProviderConfig provider, String requestModel, String reason) {
        if (registry == null) {
            return;
        }
        Counter.builder("nantian.ai.fallbacks")
                .description("Fallbacks from a provider to the next one")
                .tags(tags(operation, provider, requestModel, UNKNOWN))
                .tag("error.type", reason)
                .register(registry)
                .increment();
    }

    /** The exchange ended; {@code provider} is the one that answered last. */
    void exchange(
            String operation,
            ProviderConfig provider,
            String requestModel,
            String responseModel,
            TokenUsage usage,
            long durationNanos,
            long firstTokenNanos,
            String errorType) {
        if (registry == null) {
            return;
        }
        Tags tags = tags(operation, provider, requestModel, responseModel);
        Timer.builder("gen_ai.server.request.duration")
                .description("GenAI request duration as the gateway's client saw it, fallbacks included")
                .tags(tags)
                .tag("error.type", errorType == null ? "none" : errorType)
                .register(registry)
                .record(durationNanos, TimeUnit.NANOSECONDS);
        if (usage != null) {
            token(tags, "input", usage.inputTokens(), usage.estimated());
            if (!"embeddings".equals(operation)) {
                token(tags, "output", usage.outputTokens(), usage.estimated());
            }
        }
        if (firstTokenNanos >= 0 && errorType == null && !"embeddings".equals(operation)) {
            Timer.builder("gen_ai.server.time_to_first_token")
                    .description("Time to the first token of a successful response")
                    .tags(tags)
                    .register(registry)
                    .record(firstTokenNanos, TimeUnit.NANOSECONDS);
            if (usage != null && usage.outputTokens() > 1 && durationNanos > firstTokenNanos) {
                Timer.builder("gen_ai.server.time_per_output_token")
                        .description("Time per output token after the first, for successful responses")
                        .tags(tags)
                        .register(registry)
                        .record((durationNanos - firstTokenNanos) / (usage.outputTokens() - 1), TimeUnit.NANOSECONDS);
            }
        }
    }

    private void token(Tags tags, String type, long count, boolean estimated) {
        DistributionSummary.builder("gen_ai.client.token.usage")
                .description("Tokens used, by type")
                .baseUnit("{token}")
                .tags(tags)
                .tag("gen_ai.token.type", type)
                .tag("nantian.ai.estimated", Boolean.toString(estimated))
                .register(registry)
                .record(count);
    }

    private static Tags tags(String operation, ProviderConfig provider, String requestModel, String responseModel) {
        return Tags.of(
                "gen_ai.operation.name",
                operation,
                "gen_ai.provider.name",
                provider.type().configName().toLowerCase(Locale.ROOT),
                "gen_ai.request.model",
                requestModel,
                "gen_ai.response.model",
                responseModel == null || responseModel.isEmpty() ? UNKNOWN : responseModel,
                "nantian.ai.provider",
                provider.name());
    }
}
