package dev.nantian.ai.pii;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.config.PiiMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Applies a {@link PiiScanner} in one {@link PiiMode} to text or to the text fields of OpenAI chat JSON. Only
 * string values change (the JSON structure, keys and non-text fields stay as they were), so the body stays valid
 * JSON. Immutable and thread-safe.
 *
 * <pre>{@code
 * PiiRedactor redactor = new PiiRedactor(PiiMode.MASK, EnumSet.of(PiiType.EMAIL));
 * redactor.redact("mail bob@example.com"); // "mail [EMAIL]"
 * }</pre>
 */
public final class PiiRedactor {
    private final PiiMode mode;
    private final PiiScanner scanner;

    /** A redactor for {@code types} in {@code mode}. */
    public PiiRedactor(PiiMode mode, Set<PiiType> types) {
        this.mode = requireNonNull(mode, "mode");
        this.scanner = new PiiScanner(types);
    }

    /** The mode. */
    public PiiMode mode() {
        return mode;
    }

    /** The text with every finding replaced ({@code MASK}, {@code HASH}); unchanged for {@code OFF}/{@code BLOCK}. */
    public String redact(String text) {
        if (mode == PiiMode.OFF || mode == PiiMode.BLOCK) {
            return text;
        }
        return replace(text, scanner.scan(text));
    }

    private String replace(String text, List<PiiFinding> findings) {
        if (findings.isEmpty()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        for (PiiFinding f : findings) {
            out.append(text, at, f.start());
            out.append('[').append(f.type().label());
            if (mode == PiiMode.HASH) {
                out.append(':').append(hash(text.substring(f.start(), f.end())));
            }
            out.append(']');
            at = f.end();
        }
        return out.append(text, at, text.length()).toString();
    }

    /**
     * How much of {@code text} a stream may redact and send now: see {@link PiiScanner#safePrefixLength}. Redacting
     * {@code text[0, n)} now and the rest (with what follows) later gives the same result as redacting it all at once.
     */
    public int safePrefixLength(CharSequence text) {
        return PiiScanner.safePrefixLength(text);
    }

    /** Where the first finding in {@code text} starts, or -1 if there is none. */
    public int firstFindingStart(CharSequence text) {
        List<PiiFinding> findings = scanner.scan(text);
        return findings.isEmpty() ? -1 : findings.get(0).start();
    }

    /** The first kind of PII in {@code text}, or {@code null}. */
    public PiiType firstFinding(String text) {
        List<PiiFinding> findings = scanner.scan(text);
        return findings.isEmpty() ? null : findings.get(0).type();
    }

    /**
     * Redacts an OpenAI chat completions request in place: message {@code content} (strings and text parts) and
     * tool-call {@code arguments}. In {@code BLOCK} mode nothing changes.
     *
     * @return the first kind of PII found (in any mode), or {@code null} if none
     */
    public PiiType redactRequest(ObjectNode request) {
        if (mode == PiiMode.OFF) {
            return null;
        }
        PiiType first = null;
        for (JsonNode message : request.path("messages").values()) {
            if (!message.isObject()) {
                continue;
            }
            first = firstOf(first, redactContent((ObjectNode) message));
            for (JsonNode call : message.path("tool_calls").values()) {
                JsonNode fn = call.path("function");
                if (fn.isObject()) {
                    first = firstOf(first, redactField((ObjectNode) fn, "arguments"));
                }
            }
            if (first != null && mode == PiiMode.BLOCK) {
                return first;
            }
        }
        return first;
    }

    /**
     * Redacts an OpenAI embeddings request in place: {@code input} as a string or each string of an array (token
     * arrays are numbers, not text, and stay). In {@code BLOCK} mode nothing changes.
     *
     * @return the first kind of PII found (in any mode), or {@code null} if none
     */
    public PiiType redactEmbeddingsRequest(ObjectNode request) {
        if (mode == PiiMode.OFF) {
            return null;
        }
        JsonNode input = request.path("input");
        if (input.isString()) {
            return redactField(request, "input");
        }
        PiiType first = null;
        if (input.isArray()) {
            ArrayNode items = (ArrayNode) input;
            for (int i = 0; i < items.size(); i++) {
                if (!items.get(i).isString()) {
                    continue;
                }
                String text = items.get(i).stringValue();
                List<PiiFinding> findings = scanner.scan(text);
                if (findings.isEmpty()) {
                    continue;
                }
                first = firstOf(first, findings.get(0).type());
                if (mode == PiiMode.BLOCK) {
                    return first;
                }
                items.set(i, replace(text, findings));
            }
        }
        return first;
    }

    /**
     * Redacts an OpenAI {@code chat.completion} in place: each choice's message content and tool-call arguments. In
     * {@code BLOCK} mode a choice with a finding loses its content and tool calls and ends with {@code finish_reason:
     * content_filter}, as a provider's content filter would end it.
     *
     * @return the first kind of PII found, or {@code null}
     */
    public PiiType redactResponse(ObjectNode completion) {
        if (mode == PiiMode.OFF) {
            return null;
        }
        PiiType first = null;
        for (JsonNode choice : completion.path("choices").values()) {
            JsonNode message = choice.path("message");
            if (!message.isObject()) {
                continue;
            }
            PiiType found = redactContent((ObjectNode) message);
            for (JsonNode call : message.path("tool_calls").values()) {
                JsonNode fn = call.path("function");
                if (fn.isObject()) {
                    found = firstOf(found, redactField((ObjectNode) fn, "arguments"));
                }
            }
            if (found != null && mode == PiiMode.BLOCK && choice.isObject()) {
                ObjectNode m = (ObjectNode) message;
                m.putNull("content");
                m.remove("tool_calls");
                ((ObjectNode) choice).put("finish_reason", "content_filter");
            }
            first = firstOf(first, found);
        }
        return first;
    }

    private PiiType redactContent(ObjectNode message) {
        JsonNode content = message.path("content");
        if (content.isString()) {
            return redactField(message, "content");
        }
        PiiType first = null;
        if (content.isArray()) {
            for (JsonNode part : (ArrayNode) content) {
                if (part.isObject() && part.path("text").isString()) {
                    first = firstOf(first, redactField((ObjectNode) part, "text"));
                }
            }
        }
        return first;
    }

    private PiiType redactField(ObjectNode holder, String field) {
        JsonNode value = holder.path(field);
        if (!value.isString()) {
            return null;
        }
        String text = value.stringValue();
        List<PiiFinding> findings = scanner.scan(text);
        if (findings.isEmpty()) {
            return null;
        }
        if (mode != PiiMode.BLOCK) {
            holder.put(field, replace(text, findings));
        }
        return findings.get(0).type();
    }

    private static PiiType firstOf(PiiType current, PiiType next) {
        return current != null ? current : next;
    }

    private static String hash(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
