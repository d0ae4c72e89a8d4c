package dev.nantian.ai.provider;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.config.ProviderType;
import dev.nantian.ai.internal.ChunkEmitter;
import dev.nantian.ai.internal.Json;
import dev.nantian.ai.internal.LineParser;
import dev.nantian.ai.tokens.TokenUsage;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Ollama's native chat API ({@code POST /api/chat}; streaming is NDJSON, one JSON object per line).
 *
 * <p>Requests: message content parts join into {@code content}, {@code data:} image URLs become base64
 * {@code images} (Ollama cannot fetch URLs: other images are rejected), assistant tool calls get their arguments as
 * objects, {@code tool} messages carry {@code tool_name} (looked up from the call they answer); sampling settings
 * move into {@code options} ({@code max_tokens} becomes {@code num_predict}); {@code response_format} becomes
 * {@code format}; {@code stream} is always sent, as Ollama streams by default.
 *
 * <p>Responses: {@code message} becomes the choice, {@code done_reason} maps to the finish reason,
 * {@code prompt_eval_count}/{@code eval_count} become usage. Ollama has no ids, so the gateway makes them.
 */
public final class OllamaCodec implements ProviderCodec {
    private final Clock clock;

    /** @param clock gives {@code created} */
    public OllamaCodec(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    @Override
    public ProviderType type() {
        return ProviderType.OLLAMA;
    }

    @Override
    public ObjectNode toProviderRequest(ObjectNode request, String upstreamModel) {
        if (request.path("n").asInt(1) != 1) {
            throw new ConversionException("n must be 1 for Ollama models");
        }
        ObjectNode out = Json.object();
        out.put("model", upstreamModel);
        ArrayNode messages = out.putArray("messages");
        Map<String, String> toolNames = new HashMap<>();
        for (JsonNode message : request.path("messages").values()) {
            String role = Json.text(message.path("role"));
            if (role == null) {
                throw new ConversionException("every message needs a role");
            }
            ObjectNode m = messages.addObject();
            m.put("role", "developer".equals(role) ? "system" : role);
            StringBuilder text = new StringBuilder();
            ArrayNode images = null;
            JsonNode content = message.path("content");
            if (content.isString()) {
                text.append(content.stringValue());
            } else if (content.isArray()) {
                for (JsonNode part : content.values()) {
                    String type = Json.text(part.path("type"));
                    if ("text".equals(type)) {
                        if (text.length() > 0) {
                            text.append('\n');
                        }
                        text.append(Json.text(part.path("text")));
                    } else if ("image_url".equals(type)) {
                        images = images == null ? m.putArray("images") : images;
                        images.add(base64Image(part.path("image_url")));
                    } else {
                        throw new ConversionException("content part type " + type + " is not supported for Ollama");
                    }
                }
            }
            m.put("content", text.toString());
            JsonNode calls = message.path("tool_calls");
            if (calls.isArray() && !calls.isEmpty()) {
                ArrayNode out2 = m.putArray("tool_calls");
                for (JsonNode call : calls.values()) {
                    String name = Json.text(call.path("function").path("name"));
                    if (name == null) {
                        throw new ConversionException("tool_calls need function.name");
                    }
                    String id = Json.text(call.path("id"));
                    if (id != null) {
                        toolNames.put(id, name);
                    }
                    String args = Json.text(call.path("function").path("arguments"));
                    JsonNode parsed = args == null || args.isBlank() ? Json.object() : Json.parse(args);
                    if (parsed == null || !parsed.isObject()) {
                        throw new ConversionException("tool call arguments are not a JSON object");
                    }
                    ObjectNode fn = out2.addObject().putObject("function");
                    fn.put("name", name);
                    fn.set("arguments", parsed);
                }
            }
            if ("tool".equals(role)) {
                String name = toolNames.get(Json.text(message.path("tool_call_id")));
                if (name != null) {
                    m.put("tool_name", name);
                }
            }
        }
        out.put("stream", request.path("stream").asBoolean(false));
        ObjectNode options = Json.object();
        copyNumber(request, "temperature", options, "temperature");
        copyNumber(request, "top_p", options, "top_p");
        copyNumber(request, "seed", options, "seed");
        copyNumber(request, "presence_penalty", options, "presence_penalty");
        copyNumber(request, "frequency_penalty", options, "frequency_penalty");
        long max = Json.count(request.path("max_completion_tokens"));
        if (max < 0) {
            max = Json.count(request.path("max_tokens"));
        }
        if (max > 0) {
            options.put("num_predict", max);
        }
        JsonNode stop = request.path("stop");
        if (stop.isString()) {
            options.putArray("stop").add(stop.stringValue());
        } else if (stop.isArray() && !stop.isEmpty()) {
            options.set("stop", stop);
        }
        if (!options.isEmpty()) {
            out.set("options", options);
        }
        JsonNode tools = request.path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
            out.set("tools", tools); // Ollama takes OpenAI's tool shape
        }
        JsonNode format = request.path("response_format");
        String formatType = Json.text(format.path("type"));
        if ("json_object".equals(formatType)) {
            out.put("format", "json");
        } else if ("json_schema".equals(formatType)
                && format.path("json_schema").path("schema").isObject()) {
            out.set("format", format.path("json_schema").path("schema"));
        }
        return out;
    }

    private static void copyNumber(JsonNode from, String key, ObjectNode to, String as) {
        if (from.path(key).isNumber()) {
            to.set(as, from.path(key));
        }
    }

    private static String base64Image(JsonNode imageUrl) {
        String url = imageUrl.isString() ? imageUrl.stringValue() : Json.text(imageUrl.path("url"));
        int marker = url == null ? -1 : url.indexOf(";base64,");
        if (url == null || !url.startsWith("data:") || marker < 0) {
            throw new ConversionException("Ollama takes images only as base64 data: URLs");
        }
        return url.substring(marker + ";base64,".length());
    }

    @Override
    public ObjectNode toOpenAiResponse(JsonNode response) {
        if (!response.path("message").isObject()) {
            throw new ConversionException("provider response is not an Ollama chat response");
        }
        ObjectNode out = Json.object();
        out.put("id", newId());
        out.put("object", "chat.completion");
        out.put("created", clock.millis() / 1000);
        out.put("model", Json.text(response.path("model")));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        String content = Json.text(response.path("message").path("content"));
        message.put("content", content == null ? "" : content);
        message.putNull("refusal");
        ArrayNode calls = toolCalls(response.path("message").path("tool_calls"), 0, false);
        if (calls != null) {
            message.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(Json.text(response.path("done_reason")), calls != null));
        usage(response).ifPresent(u -> out.set("usage", ChunkEmitter.usageNode(u)));
        return out;
    }

    private static ArrayNode toolCalls(JsonNode calls, int firstIndex, boolean withIndex) {
        if (!calls.isArray() || calls.isEmpty()) {
            return null;
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        int i = firstIndex;
        for (JsonNode call : calls.values()) {
            ObjectNode c = out.addObject();
            if (withIndex) {
                c.put("index", i);
            }
            c.put("id", "call_" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            c.put("type", "function");
            ObjectNode fn = c.putObject("function");
            fn.put("name", Json.text(call.path("function").path("name")));
            JsonNode args = call.path("function").path("arguments");
            fn.put("arguments", args.isString() ? args.stringValue() : args.isMissingNode() ? "{}" : args.toString());
            i++;
        }
        return out;
    }

    static String finishReason(String doneReason, boolean toolCalls) {
        if (toolCalls) {
            return "tool_calls";
        }
        return "length".equals(doneReason) ? "length" : "stop";
    }

    private static Optional<TokenUsage> usage(JsonNode response) {
        long prompt = Json.count(response.path("prompt_eval_count"));
        long eval = Json.count(response.path("eval_count"));
        if (prompt < 0 || eval < 0) {
            return Optional.empty();
        }
        return Optional.of(new TokenUsage(prompt, eval, false));
    }

    private static String newId() {
        return "chatcmpl-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    @Override
    public ObjectNode toOpenAiError(int status, byte[] body) {
        JsonNode parsed = Json.parse(body);
        String message = parsed == null ? null : Json.text(parsed.path("error"));
        return Json.openAiError(
                message == null ? "provider returned HTTP " + status : message,
                Json.errorTypeFor(status),
                status == 404 ? "model_not_found" : null);
    }

    @Override
    public StreamConverter newStreamConverter(StreamSettings settings) {
        return new Stream(settings, clock.millis() / 1000);
    }

    @Override
    public boolean supportsEmbeddings() {
        return true;
    }

    /**
     * {@code POST /api/embed}: {@code input} (a string or an array of strings; token arrays are rejected, Ollama
     * takes text only) and {@code dimensions} pass; {@code encoding_format} is the gateway's business (see {@link
     * #toOpenAiEmbeddingsResponse}); {@code user} has no equivalent and is dropped.
     */
    @Override
    public ObjectNode toProviderEmbeddingsRequest(ObjectNode request, String upstreamModel) {
        JsonNode input = request.path("input");
        boolean text = input.isString();
        if (input.isArray()) {
            text = !input.isEmpty();
            for (JsonNode item : input.values()) {
                text &= item.isString();
            }
        }
        if (!text) {
            throw new ConversionException("Ollama embeddings take input as a string or an array of strings");
        }
        ObjectNode out = Json.object();
        out.put("model", upstreamModel);
        out.set("input", input);
        if (request.path("dimensions").isIntegralNumber()) {
            out.set("dimensions", request.path("dimensions"));
        }
        return out;
    }

    /** Ollama's {@code embeddings} arrays become OpenAI {@code embedding} objects; {@code prompt_eval_count} is usage. */
    @Override
    public ObjectNode toOpenAiEmbeddingsResponse(JsonNode response, boolean base64) {
        if (!response.path("embeddings").isArray()) {
            throw new ConversionException("provider response is not an Ollama embed response");
        }
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        int index = 0;
        for (JsonNode vector : response.path("embeddings").values()) {
            if (!vector.isArray()) {
                throw new ConversionException("an Ollama embedding is not an array");
            }
            ObjectNode e = data.addObject();
            e.put("object", "embedding");
            e.put("index", index++);
            if (base64) {
                e.put("embedding", Embeddings.base64(vector));
            } else {
                e.set("embedding", vector);
            }
        }
        out.put("model", Json.text(response.path("model")));
        long prompt = Json.count(response.path("prompt_eval_count"));
        if (prompt >= 0) {
            out.putObject("usage").put("prompt_tokens", prompt).put("total_tokens", prompt);
        }
        return out;
    }

    /** Ollama NDJSON to OpenAI chunks; the line with {@code "done": true} carries the finish reason and counts. */
    private static final class Stream implements StreamConverter {
        private final StreamSettings settings;
        private final ChunkEmitter out;
        private final LineParser parser;
        private TokenUsage usage;
        private int toolCalls;
        private boolean error;
        private boolean done;
        private String model;

        Stream(StreamSettings settings, long created) {
            this.settings = settings;
            this.out = new ChunkEmitter(newId(), settings.model(), created);
            this.parser = new LineParser(settings.maxEventBytes(), this::onLine);
        }

        private void onLine(String line) {
            if (done) {
                return;
            }
            JsonNode event = Json.parse(line);
            if (event == null) {
                return;
            }
            String err = Json.text(event.path("error"));
            if (err != null) {
                error = true;
                done = true;
                out.error(Json.openAiError(err, "api_error", null));
                return;
            }
            String m = Json.text(event.path("model"));
            if (m != null) {
                model = m;
            }
            out.identity(null, m);
            JsonNode message = event.path("message");
            String content = Json.text(message.path("content"));
            if (content != null && !content.isEmpty()) {
                settings.outputText().accept(content);
                out.delta(Json.object().put("content", content), null);
            }
            ArrayNode calls = toolCalls(message.path("tool_calls"), toolCalls, true);
            if (calls != null) {
                toolCalls += calls.size();
                for (JsonNode call : calls.values()) {
                    settings.outputText()
                            .accept(call.path("function").path("arguments").stringValue());
                }
                ObjectNode delta = Json.object();
                delta.set("tool_calls", calls);
                out.delta(delta, null);
            }
            if (event.path("done").asBoolean(false)) {
                done = true;
                usage = usage(event).orElse(null);
                out.delta(Json.object(), finishReason(Json.text(event.path("done_reason")), toolCalls > 0));
                if (settings.includeUsage() && usage != null) {
                    out.usage(usage);
                }
                out.done();
            }
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
