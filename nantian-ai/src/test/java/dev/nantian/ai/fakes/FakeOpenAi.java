package dev.nantian.ai.fakes;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake of OpenAI's {@code POST /v1/chat/completions} (API reference: the chat completion object and the chat
 * completion chunk object): requires {@code Authorization: Bearer}, answers a {@code chat.completion} with
 * {@code usage}, or with {@code stream: true} {@code chat.completion.chunk} events (role first, content pieces, a
 * finish chunk, a usage-only chunk with empty {@code choices} when {@code stream_options.include_usage}, then
 * {@code data: [DONE]}). Errors use {@code {"error": {message, type, param, code}}}.
 */
public final class FakeOpenAi extends FakeProvider {
    public static final String API_KEY = "sk-test-openai-0123456789abcdefghij";

    @Override
    protected void handle(HttpExchange exchange, Recorded request) throws IOException {
        if (!"/v1/chat/completions".equals(request.path())) {
            send(exchange, 404, "application/json", error("Unknown path", "invalid_request_error", null));
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
        if (failStatus != 0) {
            send(
                    exchange,
                    failStatus,
                    "application/json",
                    error("Rate limit reached", "requests", "rate_limit_exceeded"));
            return;
        }
        JsonNode body = request.json();
        String model = body.path("model").asString();
        int promptTokens = 0;
        for (JsonNode m : body.path("messages").values()) {
            promptTokens += 4
                    + (m.path("content").isString()
                            ? m.path("content").stringValue().split(" ").length
                            : 1);
        }
        int completionTokens = pieces(replyText).size();
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
                    .put("content", replyText)
                    .putNull("refusal");
            choice.putNull("logprobs");
            choice.put("finish_reason", "stop");
            usage(out, promptTokens, completionTokens);
            out.put("system_fingerprint", "fp_fake");
            send(exchange, 200, "application/json", out.toString());
            return;
        }
        try (OutputStream out = startStream(exchange, "text/event-stream; charset=utf-8")) {
            write(
                    out,
                    "data: "
                            + chunk(
                                    id,
                                    model,
                                    JSON.createObjectNode()
                                            .put("role", "assistant")
                                            .put("content", ""),
                                    null)
                            + "\n\n");
            for (String piece : pieces(replyText)) {
                write(out, "data: " + chunk(id, model, JSON.createObjectNode().put("content", piece), null) + "\n\n");
            }
            write(out, "data: " + chunk(id, model, JSON.createObjectNode(), "stop") + "\n\n");
            if (body.path("stream_options").path("include_usage").asBoolean(false)) {
                ObjectNode u = JSON.createObjectNode();
                u.put("id", id)
                        .put("object", "chat.completion.chunk")
                        .put("created", 1700000000)
                        .put("model", model);
                u.putArray("choices");
                usage(u, promptTokens, completionTokens);
                write(out, "data: " + u + "\n\n");
            }
            write(out, "data: [DONE]\n\n");
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
