package dev.nantian.ai.provider;

import dev.nantian.ai.config.ProviderType;
import java.time.Clock;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Converts between OpenAI's chat completions API (what clients speak) and one provider's API. Implementations are
 * immutable and thread-safe.
 *
 * <pre>{@code
 * ProviderCodec codec = ProviderCodec.of(ProviderType.ANTHROPIC, Clock.systemUTC());
 * ObjectNode messagesRequest = codec.toProviderRequest(openAiRequest, "claude-sonnet-4-5");
 * ObjectNode completion = codec.toOpenAiResponse(messagesResponse);
 * }</pre>
 */
public interface ProviderCodec {

    /** The codec for {@code type}. */
    static ProviderCodec of(ProviderType type, Clock clock) {
        switch (type) {
            case ANTHROPIC:
                return new AnthropicCodec(clock);
            case OLLAMA:
                return new OllamaCodec(clock);
            default:
                return new OpenAiCodec();
        }
    }

    /** The provider's dialect. */
    ProviderType type();

    /**
     * The provider's request for an OpenAI chat completions request. Does not modify {@code request}.
     *
     * @param upstreamModel the model name to send
     * @throws ConversionException if the request uses something the provider cannot express
     */
    ObjectNode toProviderRequest(ObjectNode request, String upstreamModel);

    /**
     * The OpenAI {@code chat.completion} for a provider's non-streaming response.
     *
     * @throws ConversionException if the response is not the provider's shape
     */
    ObjectNode toOpenAiResponse(JsonNode response);

    /**
     * OpenAI's error JSON for a provider's error response.
     *
     * @param status the provider's status
     * @param body the provider's body, possibly not JSON
     */
    ObjectNode toOpenAiError(int status, byte[] body);

    /** The status the client gets for a provider error status (e.g. Anthropic's 529 becomes 503). */
    default int clientStatus(int providerStatus) {
        return providerStatus;
    }

    /** A converter for one streamed response. */
    StreamConverter newStreamConverter(StreamSettings settings);

    /** Whether the provider has an embeddings API that {@link #toProviderEmbeddingsRequest} targets. */
    default boolean supportsEmbeddings() {
        return false;
    }

    /**
     * The provider's embeddings request for an OpenAI {@code POST /v1/embeddings} request. Does not modify
     * {@code request}.
     *
     * @param upstreamModel the model name to send
     * @throws ConversionException if the provider has no embeddings API or cannot express the request
     */
    default ObjectNode toProviderEmbeddingsRequest(ObjectNode request, String upstreamModel) {
        throw new ConversionException(type().configName() + " providers have no embeddings API");
    }

    /**
     * OpenAI's embeddings response ({@code {"object": "list", "data": [...], "model", "usage"}}) for the provider's.
     *
     * @param base64 the client asked for {@code encoding_format: base64} (little-endian 32-bit floats)
     * @throws ConversionException if the response is not the provider's shape
     */
    default ObjectNode toOpenAiEmbeddingsResponse(JsonNode response, boolean base64) {
        throw new ConversionException(type().configName() + " providers have no embeddings API");
    }
}
