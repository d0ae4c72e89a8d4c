package dev.nantian.ai.provider;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import tools.jackson.databind.JsonNode;

/** OpenAI's base64 embedding form: the vector as little-endian 32-bit floats, base64-encoded. */
final class Embeddings {
    private Embeddings() {}

    static String base64(JsonNode vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode value : vector.values()) {
            if (!value.isNumber()) {
                throw new ConversionException("an embedding holds a non-number");
            }
            bytes.putFloat(value.floatValue());
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
