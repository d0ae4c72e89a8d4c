package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.pii.PiiType;
import java.util.EnumSet;
import java.util.Set;

/**
 * PII redaction of an AIService ({@code pii: {request: mask, response: off, detectors: [email, ...]}}).
 *
 * <p>{@code request} applies to the text of chat messages and tool-call arguments (and to embeddings input) before
 * they leave the gateway. {@code response} applies to the message content and tool-call arguments of responses: to
 * the string values of a JSON response, and to the deltas of a streamed one, where text that could be the start of a
 * finding is held back until it is complete, so no finding is split across events. {@code block} on responses works
 * like a content filter: the answer ends before the first finding with {@code finish_reason: content_filter} (a JSON
 * response's message loses its content and tool calls; a stream gets the text before the finding, then the finish
 * chunk, and nothing more of that choice).
 *
 * @param request what to do with findings in requests
 * @param response what to do with findings in responses
 * @param detectors which kinds of data to look for; all of them when the spec lists none
 */
public record PiiConfig(PiiMode request, PiiMode response, Set<PiiType> detectors) {
    /** No redaction. */
    public static final PiiConfig OFF = new PiiConfig(PiiMode.OFF, PiiMode.OFF, EnumSet.allOf(PiiType.class));

    public PiiConfig {
        requireNonNull(request, "request");
        requireNonNull(response, "response");
        detectors = Set.copyOf(detectors);
    }
}
