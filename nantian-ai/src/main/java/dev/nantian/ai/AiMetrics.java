package dev.nantian.ai;

import dev.nantian.ai.tokens.TokenUsage;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * GenAI metrics with OpenTelemetry semantic-convention names: {@code gen_ai.client.token.usage} (by
 * {@code gen_ai.token.type}), {@code gen_ai.server.request.duration}, {@code gen_ai.server.time_to_first_token} and
 * {@code gen_ai.server.time_per_output_token}, tagged with {@code gen_ai.operation.name}, {@code gen_ai.provider.name}
 * (the dialect: openai, anthropic, ollama), {@code gen_ai.request.model} and {@code nantian.ai.provider} (the
 * configured provider). No registry, no metrics.
 */
final class AiMetrics {
    private final MeterRegistry registry;

    AiMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(
            String dialect,
            String provider,
            String model,
            TokenUsage usage,
            long durationNanos,
            long firstTokenNanos,
            String errorType) {
        if (registry == null) {
            return;
        }
        String[] tags = {
            "gen_ai.operation.name", "chat",
            "gen_ai.provider.name", dialect,
            "gen_ai.request.model", model,
            "nantian.ai.provider", provider
        };
        Timer.builder("gen_ai.server.request.duration")
                .description("GenAI request duration")
                .tags(tags)
                .tag("error.type", errorType == null ? "none" : errorType)
                .register(registry)
                .record(durationNanos, TimeUnit.NANOSECONDS);
        if (usage != null) {
            token(tags, "input", usage.inputTokens(), usage.estimated());
            token(tags, "output", usage.outputTokens(), usage.estimated());
        }
        if (firstTokenNanos >= 0) {
            Timer.builder("gen_ai.server.time_to_first_token")
                    .tags(tags)
                    .register(registry)
                    .record(firstTokenNanos, TimeUnit.NANOSECONDS);
            if (usage != null && usage.outputTokens() > 1 && durationNanos > firstTokenNanos) {
                Timer.builder("gen_ai.server.time_per_output_token")
                        .tags(tags)
                        .register(registry)
                        .record((durationNanos - firstTokenNanos) / (usage.outputTokens() - 1), TimeUnit.NANOSECONDS);
            }
        }
    }

    private void token(String[] tags, String type, long count, boolean estimated) {
        DistributionSummary.builder("gen_ai.client.token.usage")
                .baseUnit("{token}")
                .tags(tags)
                .tag("gen_ai.token.type", type)
                .tag("nantian.ai.estimated", Boolean.toString(estimated))
                .register(registry)
                .record(count);
    }
}
