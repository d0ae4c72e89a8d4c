package dev.nantian.ai.provider;

import static java.util.Objects.requireNonNull;

import java.util.function.Consumer;

/**
 * How a {@link StreamConverter} shapes its output.
 *
 * @param includeUsage the client asked for {@code stream_options.include_usage}: end with a usage-only chunk
 * @param model the model name to report when the provider's events carry none
 * @param outputText receives each piece of generated text (content and tool-call arguments), e.g. to estimate
 *     tokens when the provider reports no usage; called on the converter's thread
 * @param maxEventBytes the largest single event or line accepted, bounding the converter's memory
 */
public record StreamSettings(boolean includeUsage, String model, Consumer<String> outputText, int maxEventBytes) {
    /** 1 MiB: far above any real provider event. */
    public static final int DEFAULT_MAX_EVENT_BYTES = 1 << 20;

    public StreamSettings {
        requireNonNull(model, "model");
        requireNonNull(outputText, "outputText");
        if (maxEventBytes < 1024) {
            throw new IllegalArgumentException("maxEventBytes must be at least 1024: " + maxEventBytes);
        }
    }

    /** Settings with the default event limit. */
    public static StreamSettings of(boolean includeUsage, String model, Consumer<String> outputText) {
        return new StreamSettings(includeUsage, model, outputText, DEFAULT_MAX_EVENT_BYTES);
    }
}
