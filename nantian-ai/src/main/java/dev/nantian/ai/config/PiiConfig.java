package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.pii.PiiType;
import java.util.EnumSet;
import java.util.Set;

/**
 * PII redaction of an AIService ({@code pii: {request: mask, response: off, detectors: [email, ...]}}).
 *
 * <p>{@code request} applies to the text of chat messages and tool-call arguments before they leave the gateway.
 * {@code response} applies to non-streaming responses only ({@code block} is not allowed there); streamed responses
 * pass unredacted (see the module's limits).
 *
 * @param request what to do with findings in requests
 * @param response what to do with findings in non-streaming responses
 * @param detectors which kinds of data to look for; all of them when the spec lists none
 */
public record PiiConfig(PiiMode request, PiiMode response, Set<PiiType> detectors) {
    /** No redaction. */
    public static final PiiConfig OFF = new PiiConfig(PiiMode.OFF, PiiMode.OFF, EnumSet.allOf(PiiType.class));

    public PiiConfig {
        requireNonNull(request, "request");
        requireNonNull(response, "response");
        detectors = Set.copyOf(detectors);
        if (response == PiiMode.BLOCK) {
            throw new IllegalArgumentException("pii.response cannot be block");
        }
    }
}
