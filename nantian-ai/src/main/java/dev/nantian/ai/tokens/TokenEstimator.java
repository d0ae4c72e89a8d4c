package dev.nantian.ai.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import tools.jackson.databind.JsonNode;

/**
 * Estimates token counts with jtokkit when a provider reports no usage. Models of the GPT-4o generation and later
 * ({@code gpt-4o*}, {@code gpt-4.1*}, {@code gpt-5*}, {@code o1*}, {@code o3*}, {@code o4*}, {@code chatgpt-4o*})
 * use {@code o200k_base}; everything else, including non-OpenAI models whose tokenizers are not public, uses
 * {@code cl100k_base}, which is within a few percent for English text. Prompts add OpenAI's framing overhead of 3
 * tokens per message and 3 for the reply.
 *
 * <p>Thread-safe; encodings load lazily on first use. One per gateway, not a global.
 */
public final class TokenEstimator {
    private static final int TOKENS_PER_MESSAGE = 3;
    private static final int REPLY_PRIMING = 3;

    private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();

    /** Creates an estimator. */
    public TokenEstimator() {}

    /** The encoding used for {@code model}. */
    public static EncodingType encodingFor(String model) {
        String m = model == null ? "" : model;
        int slash = m.lastIndexOf('/');
        if (slash >= 0) {
            m = m.substring(slash + 1); // e.g. openai/gpt-4o
        }
        if (m.startsWith("gpt-4o")
                || m.startsWith("gpt-4.1")
                || m.startsWith("gpt-4.5")
                || m.startsWith("gpt-5")
                || m.startsWith("chatgpt-4o")
                || m.startsWith("gpt-oss")
                || m.startsWith("o1")
                || m.startsWith("o3")
                || m.startsWith("o4")) {
            return EncodingType.O200K_BASE;
        }
        return EncodingType.CL100K_BASE;
    }

    /** Tokens in {@code text} for {@code model}; special-token markers count as ordinary text. */
    public int count(String text, String model) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return encoding(model).countTokensOrdinary(text);
    }

    /** Estimates the prompt tokens of an OpenAI chat completions request: message texts, tool calls and tools. */
    public long estimatePrompt(JsonNode request) {
        String model = request.path("model").isString() ? request.path("model").stringValue() : "";
        Encoding encoding = encoding(model);
        long tokens = REPLY_PRIMING;
        for (JsonNode message : request.path("messages").values()) {
            tokens += TOKENS_PER_MESSAGE;
            tokens += countText(encoding, message.path("role"));
            tokens += countText(encoding, message.path("name"));
            JsonNode content = message.path("content");
            if (content.isString()) {
                tokens += countText(encoding, content);
            } else if (content.isArray()) {
                for (JsonNode part : content.values()) {
                    if (part.path("text").isString()) {
                        tokens += countText(encoding, part.path("text"));
                    } else if (part.has("image_url")) {
                        tokens += 85; // OpenAI's flat cost of a low-detail image tile
                    }
                }
            }
            for (JsonNode call : message.path("tool_calls").values()) {
                tokens += countText(encoding, call.path("function").path("name"));
                tokens += countText(encoding, call.path("function").path("arguments"));
            }
        }
        for (JsonNode tool : request.path("tools").values()) {
            tokens += encoding.countTokensOrdinary(tool.toString());
        }
        return tokens;
    }

    /**
     * Estimates the input tokens of an OpenAI embeddings request: each string of {@code input} encoded, token arrays
     * counted as they are.
     */
    public long estimateEmbeddingInput(JsonNode request) {
        String model = request.path("model").isString() ? request.path("model").stringValue() : "";
        Encoding encoding = encoding(model);
        JsonNode input = request.path("input");
        if (input.isString()) {
            return countText(encoding, input);
        }
        long tokens = 0;
        for (JsonNode item : input.values()) {
            if (item.isString()) {
                tokens += countText(encoding, item);
            } else if (item.isArray()) {
                tokens += item.size(); // a token array
            } else if (item.isIntegralNumber()) {
                tokens++; // input is itself one token array
            }
        }
        return tokens;
    }

    private static int countText(Encoding encoding, JsonNode node) {
        return node.isString() ? encoding.countTokensOrdinary(node.stringValue()) : 0;
    }

    private Encoding encoding(String model) {
        return registry.getEncoding(encodingFor(model));
    }
}
