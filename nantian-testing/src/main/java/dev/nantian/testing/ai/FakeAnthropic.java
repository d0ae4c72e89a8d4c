package dev.nantian.testing.ai;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake of Anthropic's Messages API ({@code POST /v1/messages}), following its reference: requires
 * {@code x-api-key} and {@code anthropic-version}, rejects a missing {@code max_tokens} or non-alternating roles
 * with {@code invalid_request_error}; answers a {@code message} object, or SSE with {@code event:} names:
 * {@code message_start} (usage with input tokens), {@code content_block_start}, {@code ping},
 * {@code content_block_delta} ({@code text_delta}), {@code content_block_stop}, {@code message_delta} (stop reason,
 * cumulative output tokens), {@code message_stop}. With tools in the request and {@code tool_choice: any} it calls
 * the first tool (streaming its input as {@code input_json_delta}). Errors: {@code {"type": "error", "error":
 * {"type", "message"}}}: {@link #failWith(int)} 429 is {@code rate_limit_error}, 529 {@code overloaded_error}, other
 * 5xx {@code api_error}. Anthropic has no embeddings API: every other path is a 404 {@code not_found_error}. Close
 * it to stop the server.
 */
public final class FakeAnthropic extends FakeProvider {
    /** The API key the fake accepts in {@code x-api-key}. */
    public static final String API_KEY = "sk-ant-api03-test-0123456789abcdefghijkl";

    /** Starts the fake on a free loopback port. */
    public FakeAnthropic() {}

    @Override
    protected void handle(HttpExchange exchange, Recorded request, Stream stream) throws IOException {
        if (!"/v1/messages".equals(request.path())) {
            send(exchange, 404, "application/json", error("not_found_error", "Not found"));
            return;
        }
        if (!API_KEY.equals(request.header("x-api-key"))) {
            send(exchange, 401, "application/json", error("authentication_error", "invalid x-api-key"));
            return;
        }
        if (request.header("anthropic-version") == null) {
            send(
                    exchange,
                    400,
                    "application/json",
                    error("invalid_request_error", "anthropic-version header is required"));
            return;
        }
        int fail = failStatus;
        if (fail != 0) {
            String type = fail == 529
                    ? "overloaded_error"
                    : fail == 429 ? "rate_limit_error" : fail >= 500 ? "api_error" : "invalid_request_error";
            String message = fail == 529
                    ? "Overloaded"
                    : fail == 429 ? "Number of requests has exceeded your rate" + " limit" : "Internal server error";
            send(exchange, fail, "application/json", error(type, message));
            return;
        }
        JsonNode body = request.json();
        if (!body.path("max_tokens").isIntegralNumber()) {
            send(exchange, 400, "application/json", error("invalid_request_error", "max_tokens: Field required"));
            return;
        }
        String previous = null;
        for (JsonNode m : body.path("messages").values()) {
            String role = m.path("role").asString();
            if (role.equals(previous) || !(role.equals("user") || role.equals("assistant"))) {
                send(
                        exchange,
                        400,
                        "application/json",
                        error("invalid_request_error", "messages: roles must alternate between user and assistant"));
                return;
            }
            previous = role;
        }
        String model = body.path("model").asString();
        int inputTokens = 10 + body.path("messages").size();
        boolean toolCall = body.path("tools").isArray()
                && "any".equals(body.path("tool_choice").path("type").asString(""));
        String reply = replyText;
        int outputTokens = toolCall ? 12 : pieces(reply).size();
        String stopReason = toolCall ? "tool_use" : "end_turn";
        if (!body.path("stream").asBoolean(false)) {
            ObjectNode out = JSON.createObjectNode();
            out.put("id", "msg_fake01")
                    .put("type", "message")
                    .put("role", "assistant")
                    .put("model", model);
            ObjectNode block = out.putArray("content").addObject();
            if (toolCall) {
                block.put("type", "tool_use")
                        .put("id", "toolu_fake01")
                        .put("name", body.path("tools").get(0).path("name").asString());
                block.putObject("input").put("city", "Paris");
            } else {
                block.put("type", "text").put("text", reply);
            }
            out.put("stop_reason", stopReason).putNull("stop_sequence");
            out.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", outputTokens);
            send(exchange, 200, "application/json", out.toString());
            return;
        }
        stream.start(exchange, "text/event-stream; charset=utf-8");
        {
            Stream out = stream;
            ObjectNode start = JSON.createObjectNode().put("type", "message_start");
            ObjectNode message = start.putObject("message");
            message.put("id", "msg_fake01")
                    .put("type", "message")
                    .put("role", "assistant")
                    .put("model", model);
            message.putArray("content");
            message.putNull("stop_reason").putNull("stop_sequence");
            message.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", 1);
            event(out, "message_start", start);
            ObjectNode blockStart =
                    JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
            if (toolCall) {
                blockStart
                        .putObject("content_block")
                        .put("type", "tool_use")
                        .put("id", "toolu_fake01")
                        .put("name", body.path("tools").get(0).path("name").asString())
                        .putObject("input");
            } else {
                blockStart.putObject("content_block").put("type", "text").put("text", "");
            }
            event(out, "content_block_start", blockStart);
            event(out, "ping", JSON.createObjectNode().put("type", "ping"));
            if (toolCall) {
                for (String part : new String[] {"{\"city\": ", "\"Paris\"}"}) {
                    ObjectNode delta = JSON.createObjectNode()
                            .put("type", "content_block_delta")
                            .put("index", 0);
                    delta.putObject("delta").put("type", "input_json_delta").put("partial_json", part);
                    event(out, "content_block_delta", delta);
                }
            } else {
                for (String piece : pieces(reply)) {
                    ObjectNode delta = JSON.createObjectNode()
                            .put("type", "content_block_delta")
                            .put("index", 0);
                    delta.putObject("delta").put("type", "text_delta").put("text", piece);
                    event(out, "content_block_delta", delta);
                }
            }
            event(
                    out,
                    "content_block_stop",
                    JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
            ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
            delta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
            delta.putObject("usage").put("output_tokens", outputTokens);
            event(out, "message_delta", delta);
            event(out, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
        }
    }

    private static void event(Stream out, String name, ObjectNode data) throws IOException {
        out.event("event: " + name + "\ndata: " + data + "\n\n");
    }

    static String error(String type, String message) {
        ObjectNode root = JSON.createObjectNode().put("type", "error");
        root.putObject("error").put("type", type).put("message", message);
        return root.toString();
    }
}
