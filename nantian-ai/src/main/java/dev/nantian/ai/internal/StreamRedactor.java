package dev.nantian.ai.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.config.PiiMode;
import dev.nantian.ai.pii.PiiRedactor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Redacts PII in an OpenAI {@code chat.completion.chunk} SSE stream (what the stream converters produce) without
 * ever splitting a finding across events: per choice, the text of {@code delta.content} and of each tool call's
 * {@code function.arguments} is held back from the last point where a finding could still be in progress
 * ({@link PiiRedactor#safePrefixLength}); the held text goes out with later deltas, with the choice's
 * {@code finish_reason} chunk, or in a chunk of its own before {@code [DONE]}, an error event or the end of the
 * stream. The concatenated, redacted text equals the redaction of the whole text, wherever the events were cut.
 *
 * <p>In {@code BLOCK} mode a choice ends at its first finding, like a provider's content filter: the text before the
 * finding goes out with {@code finish_reason: content_filter}, and later deltas and the finish of that choice are
 * dropped (usage chunks and {@code [DONE]} still pass).
 *
 * <p>Memory is bounded: a run of more than {@value #MAX_HELD_CHARS} characters without a safe cut (a huge token) is
 * redacted and sent as it is, accepting that a finding spanning that forced cut may pass. Events that carry no text
 * and events that are not chunks pass through byte for byte. Not thread-safe: one per stream.
 */
public final class StreamRedactor {
    /** The most text held back per choice (and per tool call) while waiting for a safe cut. */
    public static final int MAX_HELD_CHARS = 8192;

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final PiiRedactor redactor;
    private final boolean block;
    private final SseParser parser;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    /** Held text by key: {@code c<choice>} for content, {@code t<choice>.<tool>} for tool-call arguments. */
    private final Map<String, StringBuilder> held = new LinkedHashMap<>();
    /** The identity fields of the last chunk, for chunks that only flush held text. */
    private ObjectNode template;
    /** Choices ended by a finding ({@code BLOCK} mode). */
    private final Set<Integer> blocked = new HashSet<>();
    /** Set by {@link #release}: in {@code BLOCK} mode, the text it returned stops before a finding. */
    private boolean hit;

    /**
     * @param redactor the response redactor (mask, hash or block)
     * @param maxEventBytes the largest event accepted, as for the converters
     */
    public StreamRedactor(PiiRedactor redactor, int maxEventBytes) {
        this.redactor = requireNonNull(redactor, "redactor");
        this.block = redactor.mode() == PiiMode.BLOCK;
        this.parser = new SseParser(maxEventBytes, this::onEvent);
    }

    /** Consumes converted SSE bytes and returns what may go to the client now (possibly empty). */
    public ByteBuffer apply(ByteBuffer sse) {
        parser.feed(sse);
        return take();
    }

    /** Ends the stream: dispatches a last unterminated event and sends all held text. */
    public ByteBuffer finish() {
        parser.finish();
        flushAll();
        return take();
    }

    private void onEvent(String name, String data) {
        JsonNode parsed = "[DONE]".equals(data) ? null : Json.parse(data);
        if (parsed == null
                || !parsed.isObject()
                || parsed.has("error")
                || !parsed.path("choices").isArray()) {
            flushAll(); // held text comes before [DONE], errors and anything unknown
            write(data);
            return;
        }
        ObjectNode chunk = (ObjectNode) parsed;
        template = identity(chunk);
        boolean changed = false;
        // A chunk whose only payload was text that is now all held back (or blocked) is dropped.
        boolean droppable =
                !chunk.path("usage").isObject() && !chunk.path("choices").isEmpty();
        for (JsonNode c : chunk.path("choices").values()) {
            if (!c.isObject() || !c.path("delta").isObject()) {
                droppable = false;
                continue;
            }
            ObjectNode choice = (ObjectNode) c;
            ObjectNode delta = (ObjectNode) choice.path("delta");
            int index = choice.path("index").asInt(0);
            boolean finishing = choice.path("finish_reason").isString();
            hit = false;
            if (blocked.contains(index)) {
                // The choice ended at a finding: nothing more of it goes out.
                boolean had = delta.has("content") || delta.has("tool_calls") || finishing;
                delta.remove("content");
                delta.remove("tool_calls");
                choice.putNull("finish_reason");
                changed |= had;
                droppable &= delta.isEmpty();
                continue;
            }
            String content = Json.text(delta.path("content"));
            boolean allHeld = false;
            if (content != null || (finishing && held.containsKey("c" + index))) {
                String emit = take("c" + index, content == null ? "" : content, finishing);
                if (content == null || !emit.equals(content)) {
                    delta.put("content", emit);
                    changed = true;
                }
                if (hit) {
                    delta.remove("tool_calls");
                    endChoice(choice, index);
                    changed = true;
                    droppable = false;
                    continue;
                }
                allHeld = emit.isEmpty() && content != null && !content.isEmpty();
            }
            changed |= redactToolCalls(delta, index, finishing);
            boolean ended = hit;
            if (ended) {
                endChoice(choice, index);
            }
            if (!allHeld || finishing || ended || delta.size() > 1) {
                droppable = false;
            }
        }
        if (!changed) {
            write(data);
        } else if (!droppable) {
            write(chunk);
        }
    }

    /** {@code BLOCK} mode: ends {@code choice} here with {@code content_filter} and forgets what it held. */
    private void endChoice(ObjectNode choice, int index) {
        hit = false;
        choice.put("finish_reason", "content_filter");
        blocked.add(index);
        held.keySet().removeIf(key -> key.equals("c" + index) || key.startsWith("t" + index + "."));
    }

    /**
     * Tool-call argument deltas, held like content; a finishing choice flushes its held arguments into this delta.
     * In {@code BLOCK} mode a finding leaves {@link #hit} set, with the arguments cut before it and later calls gone.
     */
    private boolean redactToolCalls(ObjectNode delta, int choice, boolean finishing) {
        boolean changed = false;
        JsonNode calls = delta.path("tool_calls");
        if (calls.isArray()) {
            ArrayNode list = (ArrayNode) calls;
            for (int i = 0; i < list.size(); i++) {
                JsonNode fn = list.get(i).path("function");
                String args = Json.text(fn.path("arguments"));
                if (args == null || !fn.isObject()) {
                    continue;
                }
                String key = "t" + choice + "." + list.get(i).path("index").asInt(0);
                String emit = take(key, args, finishing);
                if (!emit.equals(args)) {
                    ((ObjectNode) fn).put("arguments", emit);
                    changed = true;
                }
                if (hit) {
                    while (list.size() > i + 1) {
                        list.remove(list.size() - 1);
                    }
                    return true;
                }
            }
        }
        if (finishing) {
            String prefix = "t" + choice + ".";
            for (Iterator<Map.Entry<String, StringBuilder>> it = held.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, StringBuilder> e = it.next();
                if (!e.getKey().startsWith(prefix)) {
                    continue;
                }
                it.remove();
                ArrayNode list = calls.isArray() ? (ArrayNode) calls : delta.putArray("tool_calls");
                calls = list;
                ObjectNode call = list.addObject();
                call.put("index", Integer.parseInt(e.getKey().substring(prefix.length())));
                call.putObject("function").put("arguments", release(e.getValue().toString()));
                changed = true;
                if (hit) {
                    return true;
                }
            }
        }
        return changed;
    }

    /** Appends {@code text} to what {@code key} holds and returns the part that may go out now, released. */
    private String take(String key, String text, boolean all) {
        StringBuilder buf = held.get(key);
        if (buf == null) {
            if (all) {
                return release(text);
            }
            buf = new StringBuilder(text.length() + 16);
            held.put(key, buf);
        }
        buf.append(text);
        int cut = all ? buf.length() : redactor.safePrefixLength(buf);
        if (!all && buf.length() - cut > MAX_HELD_CHARS) {
            cut = buf.length();
        }
        String emit = buf.substring(0, cut);
        buf.delete(0, cut);
        if (buf.length() == 0) {
            held.remove(key);
        }
        return release(emit);
    }

    /** Text that may go out: redacted, or in {@code BLOCK} mode cut before its first finding (setting {@link #hit}). */
    private String release(String text) {
        hit = false;
        if (text.isEmpty()) {
            return text;
        }
        if (!block) {
            return redactor.redact(text);
        }
        int finding = redactor.firstFindingStart(text);
        if (finding < 0) {
            return text;
        }
        hit = true;
        return text.substring(0, finding);
    }

    /** Sends everything held, one chunk per choice, before an event that ends the stream or the stream's end. */
    private void flushAll() {
        if (held.isEmpty()) {
            return;
        }
        Map<String, StringBuilder> rest = new LinkedHashMap<>(held);
        held.clear();
        for (Map.Entry<String, StringBuilder> e : rest.entrySet()) {
            String key = e.getKey();
            boolean content = key.charAt(0) == 'c';
            int index = Integer.parseInt(key.substring(1, content ? key.length() : key.indexOf('.')));
            if (blocked.contains(index)) {
                continue; // an earlier entry of this choice hit a finding
            }
            String text = release(e.getValue().toString());
            ObjectNode chunk = template == null ? Json.object() : template.deepCopy();
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", index);
            ObjectNode delta = choice.putObject("delta");
            if (content) {
                delta.put("content", text);
            } else {
                ObjectNode call = delta.putArray("tool_calls").addObject();
                call.put("index", Integer.parseInt(key.substring(key.indexOf('.') + 1)));
                call.putObject("function").put("arguments", text);
            }
            if (hit) {
                hit = false;
                blocked.add(index);
                choice.put("finish_reason", "content_filter");
            } else {
                choice.putNull("finish_reason");
            }
            write(chunk);
        }
    }

    private static ObjectNode identity(ObjectNode chunk) {
        ObjectNode t = Json.object();
        for (String field : new String[] {"id", "object", "created", "model", "system_fingerprint"}) {
            if (chunk.has(field)) {
                t.set(field, chunk.get(field));
            }
        }
        return t;
    }

    private void write(String data) {
        out.writeBytes(DATA);
        out.writeBytes(data.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(END);
    }

    private void write(JsonNode node) {
        out.writeBytes(DATA);
        out.writeBytes(Json.bytes(node));
        out.writeBytes(END);
    }

    private ByteBuffer take() {
        if (out.size() == 0) {
            return ByteBuffer.allocate(0).asReadOnlyBuffer();
        }
        ByteBuffer result = ByteBuffer.wrap(out.toByteArray()).asReadOnlyBuffer();
        out.reset();
        return result;
    }
}
