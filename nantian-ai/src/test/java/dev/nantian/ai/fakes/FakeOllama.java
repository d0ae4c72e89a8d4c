package dev.nantian.ai.fakes;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake of Ollama's {@code POST /api/chat} (docs/api.md): streams by default (NDJSON, one object per line with
 * {@code message.content} pieces and {@code done: false}, then a final object with {@code done: true},
 * {@code done_reason}, durations, {@code prompt_eval_count} and {@code eval_count}); with {@code "stream": false}
 * one object. An unknown model gets 404 {@code {"error": "model \"x\" not found, try pulling it first"}}.
 */
public final class FakeOllama extends FakeProvider {
    private volatile List<String> models = List.of("llama3.2");

    public void models(List<String> models) {
        this.models = List.copyOf(models);
    }

    @Override
    protected void handle(HttpExchange exchange, Recorded request) throws IOException {
        if (!"/api/chat".equals(request.path())) {
            send(exchange, 404, "text/plain", "404 page not found");
            return;
        }
        JsonNode body = request.json();
        String model = body.path("model").asString();
        if (!models.contains(model)) {
            send(
                    exchange,
                    404,
                    "application/json",
                    JSON.createObjectNode()
                            .put("error", "model \"" + model + "\" not found, try pulling it first")
                            .toString());
            return;
        }
        int promptEval = 20 + body.path("messages").size();
        List<String> pieces = pieces(replyText);
        if (!body.path("stream").asBoolean(true)) {
            ObjectNode out = line(model, replyText);
            finish(out, promptEval, pieces.size());
            send(exchange, 200, "application/json; charset=utf-8", out.toString());
            return;
        }
        try (OutputStream out = startStream(exchange, "application/x-ndjson")) {
            for (String piece : pieces) {
                ObjectNode l = line(model, piece);
                l.put("done", false);
                write(out, l + "\n");
            }
            ObjectNode last = line(model, "");
            finish(last, promptEval, pieces.size());
            write(out, last + "\n");
        }
    }

    private static ObjectNode line(String model, String content) {
        ObjectNode l = JSON.createObjectNode();
        l.put("model", model).put("created_at", "2024-07-22T20:33:28.123648Z");
        l.putObject("message").put("role", "assistant").put("content", content);
        return l;
    }

    private static void finish(ObjectNode l, int promptEval, int eval) {
        l.put("done", true).put("done_reason", "stop");
        l.put("total_duration", 4883583458L).put("load_duration", 1334875L);
        l.put("prompt_eval_count", promptEval).put("prompt_eval_duration", 342546000L);
        l.put("eval_count", eval).put("eval_duration", 4535599000L);
    }
}
