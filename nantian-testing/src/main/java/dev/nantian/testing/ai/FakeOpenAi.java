package dev.nantian.testing.ai;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake of OpenAI's API, written from its reference:
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions}: requires {@code Authorization: Bearer} {@value #API_KEY}; answers a
 *       {@code chat.completion} with {@code usage}, or with {@code stream: true} {@code chat.completion.chunk} events
 *       (role first, content pieces, a finish chunk, a usage-only chunk with empty {@code choices} when
 *       {@code stream_options.include_usage}, then {@code data: [DONE]});
 *   <li>{@code POST /v1/embeddings}: {@code input} a string or an array; answers a {@code list} of
 *       {@code embedding} objects ({@code dimensions} values each, default {@value #DEFAULT_DIMENSIONS}), as float
 *       arrays or, with {@code encoding_format: base64}, as base64 of little-endian 32-bit floats, and
 *       {@code usage.prompt_tokens} (one token per word here).
 * </ul>
 *
 * Errors use {@code {"error": {message, type, param, code}}}. Close it to stop the server.
 */
public final class FakeOpenAi extends FakeProvider {
    /** The API key the fake accepts. */
    public static final String API_KEY = "sk-test-openai-0123456789abcdefghij";

    /** Embedding size when the request names none. */
    public static final int DEFAULT_DIMENSIONS = 8;

    /** Starts the fake on a free loopback port. */
    public FakeOpenAi() {}

    @Override
    protected void handle(HttpExchange exchange, Recorded request, Stream stream) throws IOException {
        boolean chat = "/v1/chat/completions".equals(request.path());
        boolean embeddings = "/v1/embeddings".equals(request.path());
        if (!chat && !embeddings) {
            send(
                    exchange,
                    404,
                    "application/json",
                    error("Unknown path " + request.path(), "invalid_request_error", null));
            return;
        }
        if (!("Bearer " + API_KEY).equals(request.header("authorization"))) {
            send(
                    exchange,
                    401,
                    "application/json",
                    error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
            return;
        }
        int fail = failStatus;
        if (fail != 0) {
            send(exchange, fail, "application/json", failure(fail));
            return;
        }
        JsonNode body = request.json();
        if (embeddings) {
            embeddings(exchange, body);
            return;
        }
        String model = body.path("model").asString();
        int promptTokens = 0;
        for (JsonNode m : body.path("messages").values()) {
            promptTokens += 4
                    + (m.path("content").isString()
                            ? m.path("content").stringValue().split(" ").length
                            : 1);
        }
        String reply = replyText;
        int completionTokens = pieces(reply).size();
        String id = "chatcmpl-fake123";
        if (!body.path("stream").asBoolean(false)) {
            ObjectNode out = JSON.createObjectNode();
            out.put("id", id)
                    .put("object", "chat.completion")
                    .put("created", 1700000000)
                    .put("model", model);
            ObjectNode choice = out.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message")
                    .put("role", "assistant")
                    .put("content", reply)
                    .putNull("refusal");
            choice.putNull("logprobs");
            choice.put("finish_reason", "stop");
            usage(out, promptTokens, completionTokens);
            out.put("system_fingerprint", "fp_fake");
            send(exchange, 200, "application/json", out.toString());
            return;
        }
        stream.start(exchange, "text/event-stream; charset=utf-8");
        stream.event("data: "
                + chunk(
                        id,
                        model,
                        JSON.createObjectNode().put("role", "assistant").put("content", ""),
                        null)
                + "\n\n");
        for (String piece : pieces(reply)) {
            stream.event("data: " + chunk(id, model, JSON.createObjectNode().put("content", piece), null) + "\n\n");
        }
        stream.event("data: " + chunk(id, model, JSON.createObjectNode(), "stop") + "\n\n");
        if (body.path("stream_options").path("include_usage").asBoolean(false)) {
            ObjectNode u = JSON.createObjectNode();
            u.put("id", id)
                    .put("object", "chat.completion.chunk")
                    .put("created", 1700000000)
                    .put("model", model);
            u.putArray("choices");
            usage(u, promptTokens, completionTokens);
            stream.event("data: " + u + "\n\n");
        }
        stream.event("data: [DONE]\n\n");
    }

    private static void embeddings(HttpExchange exchange, JsonNode body) throws IOException {
        JsonNode input = body.path("input");
        if (!(input.isString() || input.isArray()) || (input.isArray() && input.isEmpty())) {
            send(
                    exchange,
                    400,
                    "application/json",
                    error("'input' must be a string or a non-empty array", "invalid_request_error", null));
            return;
        }
        int dimensions = body.path("dimensions").asInt(DEFAULT_DIMENSIONS);
        boolean base64 = "base64".equals(body.path("encoding_format").asString("float"));
        List<String> inputs = inputs(input);
        ObjectNode out = JSON.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            float[] vector = embedding(inputs.get(i), dimensions);
            ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                e.put("embedding", base64(vector));
            } else {
                e.set("embedding", floats(vector));
            }
            tokens += inputs.get(i).split(" ").length;
        }
        out.put("model", body.path("model").asString());
        out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        send(exchange, 200, "application/json", out.toString());
    }

    private static String failure(int status) {
        switch (status) {
            case 429:
                return error("Rate limit reached for requests", "requests", "rate_limit_exceeded");
            case 401:
                return error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
            default:
                return status >= 500
                        ? error("The server had an error while processing your request.", "server_error", null)
                        : error("Invalid request", "invalid_request_error", null);
        }
    }

    private static String chunk(String id, String model, ObjectNode delta, String finish) {
        ObjectNode c = JSON.createObjectNode();
        c.put("id", id)
                .put("object", "chat.completion.chunk")
                .put("created", 1700000000)
                .put("model", model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c.toString();
    }

    private static void usage(ObjectNode node, int prompt, int completion) {
        node.putObject("usage")
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    static String error(String message, String type, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message).put("type", type).putNull("param");
        if (code == null) {
            e.putNull("code");
        } else {
            e.put("code", code);
        }
        return root.toString();
    }
}
