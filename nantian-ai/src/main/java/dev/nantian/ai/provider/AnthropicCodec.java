package dev.nantian.ai.provider;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.config.ProviderType;
import dev.nantian.ai.internal.ChunkEmitter;
import dev.nantian.ai.internal.Json;
import dev.nantian.ai.internal.SseParser;
import dev.nantian.ai.tokens.TokenUsage;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic Messages API ({@code POST /v1/messages}, {@code anthropic-version: 2023-06-01}).
 *
 * <p>Requests: {@code system}/{@code developer} messages become {@code system} text blocks; consecutive messages of
 * one role merge (Anthropic wants alternating turns); {@code tool} messages become {@code tool_result} blocks in a
 * user turn; assistant {@code tool_calls} become {@code tool_use} blocks; {@code image_url} parts become
 * {@code image} blocks (base64 for {@code data:} URLs, else {@code url}); {@code max_completion_tokens} or
 * {@code max_tokens} (default {@value #DEFAULT_MAX_TOKENS}) becomes {@code max_tokens}; {@code temperature} is
 * capped at 1 (Anthropic's range); {@code stop} becomes {@code stop_sequences}; {@code tools}, {@code tool_choice}
 * and {@code parallel_tool_calls} map to their Anthropic forms; {@code user} becomes {@code metadata.user_id}.
 * {@code n > 1}, audio and file parts are rejected; {@code response_format}, {@code logprobs}, penalties and
 * {@code seed} have no Anthropic equivalent and are dropped.
 *
 * <p>Responses: text blocks join into {@code content}, {@code tool_use} blocks become {@code tool_calls}, stop
 * reasons map ({@code end_turn}/{@code stop_sequence}/{@code pause_turn} to {@code stop}, {@code max_tokens} to
 * {@code length}, {@code tool_use} to {@code tool_calls}, {@code refusal} to {@code content_filter}), and usage
 * counts cache reads and writes as prompt tokens. Errors become OpenAI's error JSON; 529 (overloaded) becomes 503.
 */
public final class AnthropicCodec implements ProviderCodec {
    /** {@code max_tokens} is required by Anthropic; sent when the client gives none. */
    public static final int DEFAULT_MAX_TOKENS = 4096;

    /** The API version header value the gateway sends. */
    public static final String API_VERSION = "2023-06-01";

    private final Clock clock;

    /** @param clock gives {@code created} (Anthropic responses carry no time) */
    public AnthropicCodec(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    @Override
    public ProviderType type() {
        return ProviderType.ANTHROPIC;
    }

    @Override
    public ObjectNode toProviderRequest(ObjectNode request, String upstreamModel) {
        if (request.path("n").asInt(1) != 1) {
            throw new ConversionException("n must be 1 for Anthropic models");
        }
        ObjectNode out = Json.object();
        out.put("model", upstreamModel);
        long maxTokens = Json.count(request.path("max_completion_tokens"));
        if (maxTokens < 0) {
            maxTokens = Json.count(request.path("max_tokens"));
        }
        out.put("max_tokens", maxTokens > 0 ? maxTokens : DEFAULT_MAX_TOKENS);
        ArrayNode system = Json.MAPPER.createArrayNode();
        ArrayNode messages = out.putArray("messages");
        for (JsonNode message : request.path("messages").values()) {
            String role = Json.text(message.path("role"));
            if (role == null) {
                throw new ConversionException("every message needs a role");
            }
            switch (role) {
                case "system":
                case "developer":
                    for (JsonNode block : contentBlocks(message.path("content"), false)) {
                        system.add(block);
                    }
                    break;
                case "user":
                    append(messages, "user", contentBlocks(message.path("content"), true));
                    break;
                case "assistant":
                    append(messages, "assistant", assistantBlocks(message));
                    break;
                case "tool":
                    append(messages, "user", toolResult(message));
                    break;
                default:
                    throw new ConversionException("message role " + role + " is not supported for Anthropic models");
            }
        }
        if (system.size() == 1) {
            out.put("system", system.get(0).path("text").stringValue());
        } else if (system.size() > 1) {
            out.set("system", system);
        }
        if (request.path("temperature").isNumber()) {
            out.put("temperature", Math.min(1.0, request.path("temperature").asDouble()));
        }
        if (request.path("top_p").isNumber()) {
            out.set("top_p", request.path("top_p"));
        }
        JsonNode stop = request.path("stop");
        if (stop.isString()) {
            out.putArray("stop_sequences").add(stop.stringValue());
        } else if (stop.isArray() && !stop.isEmpty()) {
            out.set("stop_sequences", stop);
        }
        if (request.path("stream").asBoolean(false)) {
            out.put("stream", true);
        }
        String user = Json.text(request.path("user"));
        if (user != null) {
            out.putObject("metadata").put("user_id", user);
        }
        JsonNode tools = request.path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
            ArrayNode converted = out.putArray("tools");
            for (JsonNode tool : tools.values()) {
                JsonNode fn = tool.path("function");
                String name = Json.text(fn.path("name"));
                if (!"function".equals(Json.text(tool.path("type"))) || name == null) {
                    throw new ConversionException("only function tools with a name are supported");
                }
                ObjectNode t = converted.addObject();
                t.put("name", name);
                if (fn.path("description").isString()) {
                    t.set("description", fn.path("description"));
                }
                if (fn.path("parameters").isObject()) {
                    t.set("input_schema", fn.path("parameters"));
                } else {
                    t.putObject("input_schema").put("type", "object").putObject("properties");
                }
            }
        }
        ObjectNode toolChoice = toolChoice(request.path("tool_choice"));
        if (request.path("parallel_tool_calls").isBoolean()
                && !request.path("parallel_tool_calls").asBoolean()
                && out.has("tools")) {
            if (toolChoice == null) {
                toolChoice = Json.object().put("type", "auto");
            }
            toolChoice.put("disable_parallel_tool_use", true);
        }
        if (toolChoice != null && out.has("tools")) {
            out.set("tool_choice", toolChoice);
        }
        return out;
    }

    private static ObjectNode toolChoice(JsonNode choice) {
        if (choice.isString()) {
            switch (choice.stringValue()) {
                case "auto":
                    return Json.object().put("type", "auto");
                case "required":
                    return Json.object().put("type", "any");
                case "none":
                    return Json.object().put("type", "none");
                default:
                    throw new ConversionException("unknown tool_choice " + choice.stringValue());
            }
        }
        if (choice.isObject()) {
            String name = Json.text(choice.path("function").path("name"));
            if (name == null) {
                throw new ConversionException("tool_choice needs function.name");
            }
            return Json.object().put("type", "tool").put("name", name);
        }
        return null;
    }

    /** Appends blocks as a turn of {@code role}, merging into the previous turn of the same role. */
    private static void append(ArrayNode messages, String role, ArrayNode blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && role.equals(Json.text(last.path("role")))) {
            ((ArrayNode) last.path("content")).addAll(blocks);
            return;
        }
        ObjectNode turn = messages.addObject();
        turn.put("role", role);
        turn.set("content", blocks);
    }

    private static ArrayNode contentBlocks(JsonNode content, boolean imagesAllowed) {
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        if (content.isString()) {
            if (!content.stringValue().isEmpty()) {
                blocks.addObject().put("type", "text").put("text", content.stringValue());
            }
            return blocks;
        }
        if (content.isNull() || content.isMissingNode()) {
            return blocks;
        }
        if (!content.isArray()) {
            throw new ConversionException("message content must be a string or an array of parts");
        }
        for (JsonNode part : content.values()) {
            String type = Json.text(part.path("type"));
            if ("text".equals(type)) {
                String text = Json.text(part.path("text"));
                if (text != null && !text.isEmpty()) {
                    blocks.addObject().put("type", "text").put("text", text);
                }
            } else if ("image_url".equals(type) && imagesAllowed) {
                blocks.add(imageBlock(part.path("image_url")));
            } else {
                throw new ConversionException("content part type " + type + " is not supported for Anthropic models");
            }
        }
        return blocks;
    }

    private static ObjectNode imageBlock(JsonNode imageUrl) {
        String url = imageUrl.isString() ? imageUrl.stringValue() : Json.text(imageUrl.path("url"));
        if (url == null) {
            throw new ConversionException("image_url needs a url");
        }
        ObjectNode block = Json.object().put("type", "image");
        ObjectNode source = block.putObject("source");
        if (url.startsWith("data:")) {
            int semi = url.indexOf(";base64,");
            if (semi < 0) {
                throw new ConversionException("image data URLs must be base64");
            }
            source.put("type", "base64");
            source.put("media_type", url.substring("data:".length(), semi));
            source.put("data", url.substring(semi + ";base64,".length()));
        } else {
            source.put("type", "url");
            source.put("url", url);
        }
        return block;
    }

    private static ArrayNode assistantBlocks(JsonNode message) {
        ArrayNode blocks = contentBlocks(message.path("content"), false);
        for (JsonNode call : message.path("tool_calls").values()) {
            String id = Json.text(call.path("id"));
            String name = Json.text(call.path("function").path("name"));
            if (id == null || name == null) {
                throw new ConversionException("tool_calls need an id and function.name");
            }
            String args = Json.text(call.path("function").path("arguments"));
            JsonNode input = args == null || args.isBlank() ? Json.object() : Json.parse(args);
            if (input == null || !input.isObject()) {
                throw new ConversionException("tool call " + id + " arguments are not a JSON object");
            }
            ObjectNode block = blocks.addObject();
            block.put("type", "tool_use");
            block.put("id", id);
            block.put("name", name);
            block.set("input", input);
        }
        return blocks;
    }

    private static ArrayNode toolResult(JsonNode message) {
        String id = Json.text(message.path("tool_call_id"));
        if (id == null) {
            throw new ConversionException("tool messages need tool_call_id");
        }
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        ObjectNode result = blocks.addObject();
        result.put("type", "tool_result");
        result.put("tool_use_id", id);
        JsonNode content = message.path("content");
        if (content.isString()) {
            result.put("content", content.stringValue());
        } else {
            result.set("content", contentBlocks(content, false));
        }
        return blocks;
    }

    @Override
    public ObjectNode toOpenAiResponse(JsonNode response) {
        if (!"message".equals(Json.text(response.path("type")))
                || !response.path("content").isArray()) {
            throw new ConversionException("provider response is not an Anthropic message");
        }
        ObjectNode out = Json.object();
        out.put("id", Json.text(response.path("id")));
        out.put("object", "chat.completion");
        out.put("created", clock.millis() / 1000);
        out.put("model", Json.text(response.path("model")));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        StringBuilder text = null;
        ArrayNode toolCalls = null;
        for (JsonNode block : response.path("content").values()) {
            String type = Json.text(block.path("type"));
            if ("text".equals(type)) {
                text = text == null ? new StringBuilder() : text;
                text.append(Json.text(block.path("text")));
            } else if ("tool_use".equals(type)) {
                toolCalls = toolCalls == null ? Json.MAPPER.createArrayNode() : toolCalls;
                ObjectNode call = toolCalls.addObject();
                call.put("id", Json.text(block.path("id")));
                call.put("type", "function");
                ObjectNode fn = call.putObject("function");
                fn.put("name", Json.text(block.path("name")));
                fn.put(
                        "arguments",
                        block.path("input").isMissingNode()
                                ? "{}"
                                : block.path("input").toString());
            }
        }
        if (text == null) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        message.putNull("refusal");
        if (toolCalls != null) {
            message.set("tool_calls", toolCalls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(Json.text(response.path("stop_reason"))));
        usage(response.path("usage"), -1).ifPresent(u -> out.set("usage", ChunkEmitter.usageNode(u)));
        return out;
    }

    /** OpenAI's finish reason for an Anthropic stop reason. */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        switch (stopReason) {
            case "max_tokens":
            case "model_context_window_exceeded":
                return "length";
            case "tool_use":
                return "tool_calls";
            case "refusal":
                return "content_filter";
            default:
                return "stop";
        }
    }

    /** Usage from an Anthropic usage object; {@code knownInput} is used when the object has no input count. */
    private static Optional<TokenUsage> usage(JsonNode usage, long knownInput) {
        long input = Json.count(usage.path("input_tokens"));
        long output = Json.count(usage.path("output_tokens"));
        if (input < 0) {
            input = knownInput;
        } else {
            input += Math.max(0, Json.count(usage.path("cache_creation_input_tokens")));
            input += Math.max(0, Json.count(usage.path("cache_read_input_tokens")));
        }
        if (input < 0 || output < 0) {
            return Optional.empty();
        }
        return Optional.of(new TokenUsage(input, output, false));
    }

    @Override
    public ObjectNode toOpenAiError(int status, byte[] body) {
        JsonNode parsed = Json.parse(body);
        JsonNode error = parsed == null ? null : parsed.path("error");
        if (error != null && error.isObject() && Json.text(error.path("message")) != null) {
            String type = Json.text(error.path("type"));
            return Json.openAiError(
                    error.path("message").stringValue(), type == null ? Json.errorTypeFor(status) : type, null);
        }
        return Json.openAiError("provider returned HTTP " + status, Json.errorTypeFor(status), null);
    }

    @Override
    public int clientStatus(int providerStatus) {
        return providerStatus == 529 ? 503 : providerStatus;
    }

    @Override
    public StreamConverter newStreamConverter(StreamSettings settings) {
        return new Stream(settings, clock.millis() / 1000);
    }

    /**
     * Anthropic SSE to OpenAI chunks: {@code message_start} gives id, model and input tokens (and the role chunk);
     * {@code content_block_start} of a {@code tool_use} opens a tool call; {@code content_block_delta} carries
     * {@code text_delta} or {@code input_json_delta}; {@code message_delta} gives the stop reason and output tokens;
     * {@code message_stop} ends with the usage chunk (if asked) and {@code [DONE]}; {@code ping} and thinking
     * deltas are dropped; {@code error} becomes an OpenAI error event.
     */
    private static final class Stream implements StreamConverter {
        private final StreamSettings settings;
        private final ChunkEmitter out;
        private final SseParser parser;
        private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
        private long inputTokens = -1;
        private long outputTokens = -1;
        private boolean error;
        private String model;

        Stream(StreamSettings settings, long created) {
            this.settings = settings;
            this.out = new ChunkEmitter("msg", settings.model(), created);
            this.parser = new SseParser(settings.maxEventBytes(), this::onEvent);
        }

        private void onEvent(String name, String data) {
            JsonNode event = Json.parse(data);
            if (event == null) {
                return;
            }
            String type = Json.text(event.path("type"));
            if (type == null) {
                type = name;
            }
            switch (type) {
                case "message_start": {
                    JsonNode message = event.path("message");
                    model = Json.text(message.path("model"));
                    out.identity(Json.text(message.path("id")), model);
                    JsonNode usage = message.path("usage");
                    usage(usage, -1).ifPresent(u -> {
                        inputTokens = u.inputTokens();
                        outputTokens = u.outputTokens();
                    });
                    out.delta(Json.object(), null);
                    break;
                }
                case "content_block_start": {
                    JsonNode block = event.path("content_block");
                    if ("tool_use".equals(Json.text(block.path("type")))) {
                        int toolIndex = toolIndexByBlock.size();
                        toolIndexByBlock.put(event.path("index").asInt(), toolIndex);
                        ObjectNode delta = Json.object();
                        ObjectNode call = delta.putArray("tool_calls").addObject();
                        call.put("index", toolIndex);
                        call.put("id", Json.text(block.path("id")));
                        call.put("type", "function");
                        call.putObject("function")
                                .put("name", Json.text(block.path("name")))
                                .put("arguments", "");
                        out.delta(delta, null);
                    } else if ("text".equals(Json.text(block.path("type")))) {
                        String text = Json.text(block.path("text"));
                        if (text != null && !text.isEmpty()) {
                            text(text);
                        }
                    }
                    break;
                }
                case "content_block_delta": {
                    JsonNode delta = event.path("delta");
                    String deltaType = Json.text(delta.path("type"));
                    if ("text_delta".equals(deltaType)) {
                        text(Json.text(delta.path("text")));
                    } else if ("input_json_delta".equals(deltaType)) {
                        Integer toolIndex =
                                toolIndexByBlock.get(event.path("index").asInt());
                        String partial = Json.text(delta.path("partial_json"));
                        if (toolIndex != null && partial != null && !partial.isEmpty()) {
                            settings.outputText().accept(partial);
                            ObjectNode d = Json.object();
                            ObjectNode call = d.putArray("tool_calls").addObject();
                            call.put("index", toolIndex);
                            call.putObject("function").put("arguments", partial);
                            out.delta(d, null);
                        }
                    }
                    break;
                }
                case "message_delta": {
                    JsonNode usage = event.path("usage");
                    long output = Json.count(usage.path("output_tokens"));
                    if (output >= 0) {
                        outputTokens = output;
                    }
                    if (Json.count(usage.path("input_tokens")) >= 0) {
                        usage(usage, -1).ifPresent(u -> inputTokens = u.inputTokens());
                    }
                    String stopReason = Json.text(event.path("delta").path("stop_reason"));
                    if (stopReason != null) {
                        out.delta(Json.object(), finishReason(stopReason));
                    }
                    break;
                }
                case "message_stop":
                    if (settings.includeUsage()) {
                        reportedUsage().ifPresent(out::usage);
                    }
                    out.done();
                    break;
                case "error": {
                    error = true;
                    JsonNode e = event.path("error");
                    String message = Json.text(e.path("message"));
                    String errorType = Json.text(e.path("type"));
                    out.error(Json.openAiError(
                            message == null ? "provider stream failed" : message,
                            errorType == null ? "api_error" : errorType,
                            null));
                    break;
                }
                default:
                // ping, content_block_stop, thinking and signature deltas: nothing for OpenAI clients
            }
        }

        private void text(String text) {
            if (text == null || text.isEmpty()) {
                return;
            }
            settings.outputText().accept(text);
            out.delta(Json.object().put("content", text), null);
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
            if (inputTokens < 0 || outputTokens < 0) {
                return Optional.empty();
            }
            return Optional.of(new TokenUsage(inputTokens, outputTokens, false));
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
