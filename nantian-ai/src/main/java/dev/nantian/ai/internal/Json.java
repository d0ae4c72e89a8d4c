package dev.nantian.ai.internal;

import java.nio.ByteBuffer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** JSON helpers over one immutable, thread-safe mapper. */
public final class Json {
    /** Immutable after construction, so sharing it is not shared mutable state. */
    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {}

    /** A new empty object node. */
    public static ObjectNode object() {
        return NODES.objectNode();
    }

    /** Parses bytes into a tree, or returns {@code null} if they are not JSON. */
    public static JsonNode parse(byte[] bytes) {
        try {
            return MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            return null;
        }
    }

    /** Parses text into a tree, or returns {@code null} if it is not JSON. */
    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JacksonException e) {
            return null;
        }
    }

    /** Serialises a tree to UTF-8 bytes. */
    public static byte[] bytes(JsonNode node) {
        return MAPPER.writeValueAsBytes(node);
    }

    /** Serialises a tree into a read-only buffer. */
    public static ByteBuffer buffer(JsonNode node) {
        return ByteBuffer.wrap(bytes(node)).asReadOnlyBuffer();
    }

    /** The string value of {@code node}, or {@code null} if it is not a string. */
    public static String text(JsonNode node) {
        return node != null && node.isString() ? node.stringValue() : null;
    }

    /** The integral value of {@code node}, or {@code -1} if it is not a non-negative integer. */
    public static long count(JsonNode node) {
        return node != null && node.isIntegralNumber() && node.asLong() >= 0 ? node.asLong() : -1;
    }

    /**
     * OpenAI's error body: {@code {"error": {"message", "type", "param": null, "code"}}}.
     *
     * @param code the code, or {@code null}
     */
    public static ObjectNode openAiError(String message, String type, String code) {
        ObjectNode root = object();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.putNull("param");
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return root;
    }

    /** OpenAI's error type for an HTTP status. */
    public static String errorTypeFor(int status) {
        switch (status) {
            case 401:
                return "authentication_error";
            case 403:
                return "permission_error";
            case 404:
                return "not_found_error";
            case 429:
                return "rate_limit_error";
            default:
                return status >= 500 ? "api_error" : "invalid_request_error";
        }
    }
}
