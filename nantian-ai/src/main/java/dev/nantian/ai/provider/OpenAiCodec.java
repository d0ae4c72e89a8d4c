package dev.nantian.ai.provider;

import dev.nantian.ai.config.ProviderType;
import dev.nantian.ai.internal.ChunkEmitter;
import dev.nantian.ai.internal.Json;
import dev.nantian.ai.internal.SseParser;
import dev.nantian.ai.tokens.TokenUsage;
import java.nio.ByteBuffer;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI chat completions: requests and responses pass through unchanged, except that the model is replaced by the
 * upstream name and streamed requests always ask for {@code stream_options.include_usage} so that the gateway can
 * count tokens; the usage-only chunk this adds is removed again unless the client asked for it.
 */
public final class OpenAiCodec implements ProviderCodec {

    /** Creates the codec. */
    public OpenAiCodec() {}

    @Override
    public ProviderType type() {
        return ProviderType.OPENAI;
    }

    @Override
    public ObjectNode toProviderRequest(ObjectNode request, String upstreamModel) {
        ObjectNode out = request.deepCopy();
        out.put("model", upstreamModel);
        if (out.path("stream").asBoolean(false)) {
            JsonNode options = out.path("stream_options");
            ObjectNode streamOptions = options.isObject() ? (ObjectNode) options : out.putObject("stream_options");
            streamOptions.put("include_usage", true);
        }
        return out;
    }

    @Override
    public ObjectNode toOpenAiResponse(JsonNode response) {
        if (!response.isObject() || !response.path("choices").isArray()) {
            throw new ConversionException("provider response is not a chat.completion");
        }
        return (ObjectNode) response;
    }

    @Override
    public ObjectNode toOpenAiError(int status, byte[] body) {
        JsonNode parsed = Json.parse(body);
        if (parsed != null && parsed.path("error").isObject()) {
            return (ObjectNode) parsed;
        }
        return Json.openAiError("provider returned HTTP " + status, Json.errorTypeFor(status), null);
    }

    @Override
    public StreamConverter newStreamConverter(StreamSettings settings) {
        return new Stream(settings);
    }

    @Override
    public boolean supportsEmbeddings() {
        return true;
    }

    @Override
    public ObjectNode toProviderEmbeddingsRequest(ObjectNode request, String upstreamModel) {
        ObjectNode out = request.deepCopy();
        out.put("model", upstreamModel);
        return out;
    }

    @Override
    public ObjectNode toOpenAiEmbeddingsResponse(JsonNode response, boolean base64) {
        if (!response.isObject() || !response.path("data").isArray()) {
            throw new ConversionException("provider response is not an embeddings list");
        }
        return (ObjectNode) response;
    }

    /** Usage in an OpenAI response or chunk, if present. */
    static Optional<TokenUsage> usageOf(JsonNode node) {
        JsonNode usage = node.path("usage");
        long prompt = Json.count(usage.path("prompt_tokens"));
        long completion = Json.count(usage.path("completion_tokens"));
        if (prompt < 0 || completion < 0) {
            return Optional.empty();
        }
        return Optional.of(new TokenUsage(prompt, completion, false));
    }

    private static final class Stream implements StreamConverter {
        private final StreamSettings settings;
        private final ChunkEmitter out;
        private final SseParser parser;
        private TokenUsage usage;
        private boolean error;
        private String model;

        Stream(StreamSettings settings) {
            this.settings = settings;
            this.out = new ChunkEmitter("", settings.model(), 0);
            this.parser = new SseParser(settings.maxEventBytes(), this::onEvent);
        }

        private void onEvent(String event, String data) {
            if ("[DONE]".equals(data)) {
                out.done();
                return;
            }
            JsonNode chunk = Json.parse(data);
            if (chunk == null) {
                out.raw(data);
                return;
            }
            if (chunk.has("error")) {
                error = true;
            }
            String m = Json.text(chunk.path("model"));
            if (m != null && !m.isEmpty()) {
                model = m;
            }
            Optional<TokenUsage> reported = usageOf(chunk);
            if (reported.isPresent()) {
                usage = reported.get();
                if (!settings.includeUsage() && chunk.path("choices").isEmpty()) {
                    return; // the usage-only chunk the gateway asked for, not the client
                }
            }
            for (JsonNode choice : chunk.path("choices").values()) {
                JsonNode delta = choice.path("delta");
                String content = Json.text(delta.path("content"));
                if (content != null) {
                    settings.outputText().accept(content);
                }
                for (JsonNode call : delta.path("tool_calls").values()) {
                    String args = Json.text(call.path("function").path("arguments"));
                    if (args != null) {
                        settings.outputText().accept(args);
                    }
                }
            }
            out.raw(data);
        }

        @Override
        public ByteBuffer convert(ByteBuffer chunk) {
            parser.feed(chunk);
            return out.take();
        }

        @Override
        public ByteBuffer finish() {
            parser.finish();
            return out.take();
        }

        @Override
        public Optional<TokenUsage> reportedUsage() {
            return Optional.ofNullable(usage);
        }

        @Override
        public boolean sawError() {
            return error;
        }

        @Override
        public Optional<String> responseModel() {
            return Optional.ofNullable(model);
        }
    }
}
