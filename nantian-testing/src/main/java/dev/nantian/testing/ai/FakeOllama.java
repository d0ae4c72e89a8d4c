package dev.nantian.testing.ai;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake of Ollama's {@code POST /api/chat} (docs/api.md): streams by default (NDJSON, one object per line with
 * {@code message.content} pieces and {@code done: false}, then a final object with {@code done: true},
 * {@code done_reason}, durations, {@code prompt_eval_count} and {@code eval_count}); with {@code "stream": false}
 * one object. {@code POST /api/embed} ({@code input} a string or an array) answers {@code {"model", "embeddings":
 * [[...]], "total_duration", "load_duration", "prompt_eval_count"}} with {@value #EMBEDDING_DIMENSIONS} values per
 * input. An unknown model gets 404 {@code {"error": "model \"x\" not found, try pulling it first"}}; other errors
 * ({@link #failWith(int)}) are {@code {"error": "..."}} too. Ollama takes no API key. Close it to stop the server.
 */
public final class FakeOllama extends FakeProvider {
    /** The size of the fake's embeddings. */
    public static final int EMBEDDING_DIMENSIONS = 6;

    private volatile List<String> models = List.of("llama3.2", "nomic-embed-text");

    /** Starts the fake on a free loopback port, with models {@code llama3.2} and {@code nomic-embed-text}. */
    public FakeOllama() {}

    /** The models the fake has "pulled"; others get 404. */
    public void models(List<String> models) {
        this.models = List.copyOf(models);
    }

    @Override
    protected void handle(HttpExchange exchange, Recorded request, Stream stream) throws IOException {
        boolean chat = "/api/chat".equals(request.path());
        boolean embed = "/api/embed".equals(request.path());
        if (!chat && !embed) {
            send(exchange, 404, "text/plain", "404 page not found");
            return;
        }
        int fail = failStatus;
        if (fail != 0) {
            send(
                    exchange,
                    fail,
                    "application/json",
                    JSON.createObjectNode()
                            .put("error", fail == 429 ? "too many requests" : "server busy, please try again")
                            .toString());
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
        if (embed) {
            embed(exchange, body, model);
            return;
        }
        int promptEval = 20 + body.path("messages").size();
        String reply = replyText;
        List<String> pieces = pieces(reply);
        if (!body.path("stream").asBoolean(true)) {
            ObjectNode out = line(model, reply);
            finish(out, promptEval, pieces.size());
            send(exchange, 200, "application/json; charset=utf-8", out.toString());
            return;
        }
        stream.start(exchange, "application/x-ndjson");
        for (String piece : pieces) {
            ObjectNode l = line(model, piece);
            l.put("done", false);
            stream.event(l + "\n");
        }
        ObjectNode last = line(model, "");
        finish(last, promptEval, pieces.size());
        stream.event(last + "\n");
    }

    private static void embed(HttpExchange exchange, JsonNode body, String model) throws IOException {
        JsonNode input = body.path("input");
        if (!(input.isString() || input.isArray())) {
            send(
                    exchange,
                    400,
                    "application/json",
                    JSON.createObjectNode().put("error", "invalid input type").toString());
            return;
        }
        List<String> inputs = inputs(input);
        ObjectNode out = JSON.createObjectNode().put("model", model);
        ArrayNode embeddings = out.putArray("embeddings");
        int tokens = 0;
        for (String text : inputs) {
            embeddings.add(floats(embedding(text, EMBEDDING_DIMENSIONS)));
            tokens += text.split(" ").length + 1;
        }
        out.put("total_duration", 14143917L).put("load_duration", 1019500L).put("prompt_eval_count", tokens);
        send(exchange, 200, "application/json; charset=utf-8", out.toString());
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
