package dev.nantian.ai.internal;

import dev.nantian.ai.tokens.TokenUsage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Writes OpenAI {@code chat.completion.chunk} events into a buffer that a stream converter drains per call. */
public final class ChunkEmitter {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    private String id;
    private String model;
    private long created;
    private boolean roleSent;

    public ChunkEmitter(String id, String model, long created) {
        this.id = id;
        this.model = model;
        this.created = created;
    }

    /** Replaces the identity fields (e.g. from Anthropic's {@code message_start}); {@code null}s keep the old. */
    public void identity(String id, String model) {
        if (id != null) {
            this.id = id;
        }
        if (model != null) {
            this.model = model;
        }
    }

    /** Whether the first chunk (with {@code role}) went out. */
    public boolean roleSent() {
        return roleSent;
    }

    /** A chunk with a delta and optionally a finish reason. The first chunk always carries the role. */
    public void delta(ObjectNode delta, String finishReason) {
        if (!roleSent) {
            ObjectNode withRole = Json.object();
            withRole.put("role", "assistant");
            if (!delta.has("content") && !delta.has("tool_calls")) {
                withRole.put("content", "");
            }
            withRole.setAll(delta);
            delta = withRole;
            roleSent = true;
        }
        ObjectNode chunk = header();
        ArrayNode choices = chunk.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        write(chunk);
    }

    /** The usage-only chunk OpenAI sends last when {@code stream_options.include_usage} is set. */
    public void usage(TokenUsage usage) {
        ObjectNode chunk = header();
        chunk.putArray("choices");
        chunk.set("usage", usageNode(usage));
        write(chunk);
    }

    /** An error event ({@code data: {"error": {...}}}), as OpenAI sends when a stream fails midway. */
    public void error(JsonNode error) {
        write(error);
    }

    /** {@code data: [DONE]}. */
    public void done() {
        out.writeBytes(DONE);
    }

    /** Raw SSE bytes, passed through. */
    public void raw(String data) {
        out.writeBytes(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** What was written since the last call, as a read-only buffer; empty if nothing was. */
    public ByteBuffer take() {
        if (out.size() == 0) {
            return ByteBuffer.allocate(0).asReadOnlyBuffer();
        }
        ByteBuffer result = ByteBuffer.wrap(out.toByteArray()).asReadOnlyBuffer();
        out.reset();
        return result;
    }

    /** OpenAI's usage object. */
    public static ObjectNode usageNode(TokenUsage usage) {
        ObjectNode node = Json.object();
        node.put("prompt_tokens", usage.inputTokens());
        node.put("completion_tokens", usage.outputTokens());
        node.put("total_tokens", usage.totalTokens());
        return node;
    }

    private ObjectNode header() {
        ObjectNode chunk = Json.object();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }

    private void write(JsonNode node) {
        out.writeBytes(DATA);
        out.writeBytes(Json.bytes(node));
        out.writeBytes(END);
    }

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
}
