package dev.nantian.ai.provider;

import dev.nantian.ai.tokens.TokenUsage;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Converts one streamed provider response into OpenAI {@code chat.completion.chunk} server-sent events ending with
 * {@code data: [DONE]}, incrementally: each call returns the events completed by that chunk, and a partial event is
 * kept (copied, bounded) for the next. Not thread-safe: one per stream, called on its event loop.
 */
public interface StreamConverter {

    /**
     * Consumes a chunk of the provider's stream.
     *
     * @param chunk read-only; only its remaining bytes are read, and it is not kept
     * @return OpenAI SSE bytes to send now, possibly empty
     * @throws dev.nantian.core.NantianException if an event exceeds the size limit
     */
    ByteBuffer convert(ByteBuffer chunk);

    /**
     * Ends the stream: flushes what is left. {@code data: [DONE]} is written only if the provider ended the stream
     * properly, so that a truncated upstream stays visible to the client.
     */
    ByteBuffer finish();

    /** The usage the provider reported so far, if any. */
    Optional<TokenUsage> reportedUsage();

    /** Whether the provider reported an error event in the stream. */
    boolean sawError();

    /** The model the provider says answered ({@code gen_ai.response.model}), once its events named one. */
    default Optional<String> responseModel() {
        return Optional.empty();
    }
}
