package dev.nantian.jmh;

import dev.nantian.ai.provider.AnthropicCodec;
import dev.nantian.ai.provider.StreamConverter;
import dev.nantian.ai.provider.StreamSettings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Anthropic codec both ways, as {@code AiServiceFilter} uses it (issue 6):
 *
 * <ul>
 *   <li>{@link #requestToAnthropic}: an OpenAI chat completions request (system prompt, an 8-turn conversation with
 *       a tool call and its result, an image part, two function tools with JSON schemas; about 2.9 KB) converted tree
 *       to tree; {@link #requestBytesToAnthropicBytes} adds the parse and the serialisation around it, which is what
 *       a request costs the gateway.
 *   <li>{@link #streamToOpenAi}: a recorded 50-event Anthropic SSE response (message_start, 2 pings, 36 text deltas,
 *       a tool_use block with 5 argument deltas, message_delta, message_stop; about 6.3 KB) fed in 100 to 700 byte
 *       network chunks, so events straddle chunks, and converted to OpenAI {@code chat.completion.chunk} events with
 *       the usage chunk.
 * </ul>
 *
 * <pre>{@code
 * java -jar jmh/target/benchmarks.jar Conversion -f 1 -wi 3 -w 2s -i 5 -r 2s
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class ConversionBenchmark {
    private static final String MODEL = "claude-sonnet-4-5";

    private final JsonMapper mapper = JsonMapper.builder().build();
    private AnthropicCodec codec;
    private byte[] requestBytes;
    private ObjectNode request;
    private ByteBuffer[] streamChunks;

    @Setup(Level.Trial)
    public void setUp() {
        codec = new AnthropicCodec(Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC));
        request = openAiRequest(mapper);
        requestBytes = mapper.writeValueAsBytes(request);
        streamChunks = chunks(anthropicStream(), new SplittableRandom(5));
        check();
    }

    @Benchmark
    public ObjectNode requestToAnthropic() {
        return codec.toProviderRequest(request, MODEL);
    }

    @Benchmark
    public byte[] requestBytesToAnthropicBytes() {
        ObjectNode parsed = (ObjectNode) mapper.readTree(requestBytes);
        return mapper.writeValueAsBytes(codec.toProviderRequest(parsed, MODEL));
    }

    /** One whole stream: a new converter, every chunk, finish; returns the bytes sent to the client. */
    @Benchmark
    public int streamToOpenAi(Blackhole bh) {
        StreamConverter converter = codec.newStreamConverter(StreamSettings.of(true, MODEL, bh::consume));
        int sent = 0;
        for (ByteBuffer chunk : streamChunks) {
            ByteBuffer out = converter.convert(chunk.duplicate());
            sent += out.remaining();
            bh.consume(out);
        }
        sent += converter.finish().remaining();
        bh.consume(converter.reportedUsage());
        return sent;
    }

    /** Fails the trial unless both conversions produce what a client would accept. */
    private void check() {
        JsonNode converted = mapper.readTree(requestBytesToAnthropicBytes());
        if (converted.path("messages").size() < 6
                || !converted.path("system").isString()
                || converted.path("tools").size() != 2) {
            throw new IllegalStateException("unexpected Anthropic request: " + converted);
        }
        StreamConverter converter = codec.newStreamConverter(StreamSettings.of(true, MODEL, s -> {}));
        StringBuilder out = new StringBuilder();
        for (ByteBuffer chunk : streamChunks) {
            out.append(StandardCharsets.UTF_8.decode(converter.convert(chunk.duplicate())));
        }
        out.append(StandardCharsets.UTF_8.decode(converter.finish()));
        long events = out.toString().lines().filter(l -> l.startsWith("data: ")).count();
        if (!out.toString().endsWith("data: [DONE]\n\n")
                || events < 40
                || converter.reportedUsage().isEmpty()
                || converter.sawError()) {
            throw new IllegalStateException("unexpected OpenAI stream (" + events + " events): " + out);
        }
    }

    // ---- the inputs ----

    static ObjectNode openAiRequest(JsonMapper mapper) {
        ObjectNode r = mapper.createObjectNode();
        r.put("model", "gpt-4o");
        r.put("temperature", 0.3);
        r.put("max_tokens", 1024);
        r.put("stream", true);
        r.putObject("stream_options").put("include_usage", true);
        r.put("user", "user-4821");
        ArrayNode messages = r.putArray("messages");
        messages.addObject()
                .put("role", "system")
                .put(
                        "content",
                        "You are the support assistant of an online bookshop. Answer in the customer's language, be"
                                + " concise and friendly, and never promise refunds above 50 EUR without a human."
                                + " Use the tools to look up orders and shipments instead of guessing. If an order"
                                + " cannot be found, ask for the order number and the e-mail address used at"
                                + " checkout. Format lists as bullet points and dates as YYYY-MM-DD. ".repeat(3));
        String[][] turns = {
            {"user", "Hi! I ordered three books last week and only two arrived. Can you check what happened?"},
            {"assistant", "I'm sorry to hear that. Could you give me the order number so I can look it up?"},
            {"user", "Sure, it's 2024-118-5521. The missing one is the hardcover edition of the atlas."},
        };
        for (String[] t : turns) {
            messages.addObject().put("role", t[0]).put("content", t[1]);
        }
        ObjectNode call = messages.addObject().put("role", "assistant");
        call.putNull("content");
        ObjectNode fn = call.putArray("tool_calls")
                .addObject()
                .put("id", "call_7Kd02")
                .put("type", "function")
                .putObject("function");
        fn.put("name", "lookup_order").put("arguments", "{\"order_id\":\"2024-118-5521\",\"include_items\":true}");
        messages.addObject()
                .put("role", "tool")
                .put("tool_call_id", "call_7Kd02")
                .put(
                        "content",
                        "{\"order_id\":\"2024-118-5521\",\"status\":\"partially_shipped\",\"items\":["
                                + "{\"sku\":\"BK-1182\",\"title\":\"Rivers of the World\",\"shipped\":true},"
                                + "{\"sku\":\"BK-2290\",\"title\":\"A Short History of Maps\",\"shipped\":true},"
                                + "{\"sku\":\"BK-7731\",\"title\":\"The Great Atlas (hardcover)\",\"shipped\":false,"
                                + "\"backorder_until\":\"2025-06-12\"}],\"carrier\":\"DHL\"}");
        messages.addObject()
                .put("role", "assistant")
                .put(
                        "content",
                        "The atlas is on backorder until 2025-06-12; the other two books shipped with DHL. Would"
                                + " you like to wait, or shall I cancel that item?");
        ObjectNode lastUser = messages.addObject().put("role", "user");
        ArrayNode parts = lastUser.putArray("content");
        parts.addObject()
                .put("type", "text")
                .put("text", "I'd rather wait. But the box was damaged too, see the photo. Can I get a discount?");
        parts.addObject()
                .put("type", "image_url")
                .putObject("image_url")
                .put("url", "https://uploads.example.com/tickets/48213/box.jpg")
                .put("detail", "low");
        ArrayNode tools = r.putArray("tools");
        tool(tools, "lookup_order", "Looks up an order by its number.", "order_id", "include_items");
        tool(tools, "issue_voucher", "Issues a discount voucher for an order.", "order_id", "amount_eur");
        r.put("tool_choice", "auto");
        return r;
    }

    private static void tool(ArrayNode tools, String name, String description, String idField, String extra) {
        ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
        fn.put("name", name).put("description", description);
        ObjectNode params = fn.putObject("parameters").put("type", "object");
        ObjectNode props = params.putObject("properties");
        props.putObject(idField)
                .put("type", "string")
                .put("description", "The order number, e.g. 2024-118-5521.")
                .put("pattern", "^[0-9]{4}-[0-9]{3}-[0-9]{4}$");
        props.putObject(extra)
                .put("type", extra.startsWith("amount") ? "number" : "boolean")
                .put("description", "Optional.");
        params.putArray("required").add(idField);
        params.put("additionalProperties", false);
    }

    /** What Anthropic sends for a text answer followed by a tool call, event by event. */
    static String anthropicStream() {
        StringBuilder sse = new StringBuilder();
        event(
                sse,
                "message_start",
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\","
                        + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],"
                        + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1873,"
                        + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":3}}}");
        event(
                sse,
                "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
        event(sse, "ping", "{\"type\": \"ping\"}");
        String answer = "Thanks for the photo, and I'm sorry the box arrived damaged. Since the atlas is on"
                + " backorder and the parcel was dented, I can offer you a voucher of 10 EUR on this order. It will"
                + " be valid for twelve months and you can use it on any future purchase, including the atlas"
                + " itself when it ships. I'll issue it now so you don't have to wait for a reply from the warehouse"
                + " team, and I'll add a note asking them to pack the atlas with extra padding.";
        String[] words = answer.split("(?<= )");
        int pieces = 36;
        for (int i = 0; i < pieces; i++) {
            StringBuilder piece = new StringBuilder();
            for (int w = i * words.length / pieces; w < (i + 1) * words.length / pieces; w++) {
                piece.append(words[w]);
            }
            event(
                    sse,
                    "content_block_delta",
                    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
                            + quote(piece.toString()) + "}}");
            if (i == 20) {
                event(sse, "ping", "{\"type\": \"ping\"}");
            }
        }
        event(sse, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
        event(
                sse,
                "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                        + "\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"issue_voucher\",\"input\":{}}}");
        for (String part : new String[] {"", "{\"order_id\": \"2024", "-118-5521\"", ", \"amount_eur\"", ": 10}"}) {
            event(
                    sse,
                    "content_block_delta",
                    "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                            + "\"partial_json\":" + quote(part) + "}}");
        }
        event(sse, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}");
        event(
                sse,
                "message_delta",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                        + "\"usage\":{\"output_tokens\":142}}");
        event(sse, "message_stop", "{\"type\":\"message_stop\"}");
        return sse.toString();
    }

    private static void event(StringBuilder sse, String name, String data) {
        sse.append("event: ").append(name).append("\ndata: ").append(data).append("\n\n");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The stream cut where network reads would cut it: 100 to 700 bytes, regardless of event boundaries. */
    static ByteBuffer[] chunks(String stream, SplittableRandom random) {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        List<ByteBuffer> out = new ArrayList<>();
        for (int at = 0; at < bytes.length; ) {
            int n = Math.min(bytes.length - at, 100 + random.nextInt(601));
            out.add(ByteBuffer.wrap(bytes, at, n).slice().asReadOnlyBuffer());
            at += n;
        }
        return out.toArray(new ByteBuffer[0]);
    }
}
