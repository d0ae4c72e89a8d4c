package dev.nantian.ai.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.ai.internal.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class AnthropicCodecTest {
    private final AnthropicCodec codec =
            new AnthropicCodec(Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC));

    private static ObjectNode json(String text) {
        return (ObjectNode) Json.parse(text);
    }

    @Test
    void convertsSystemPromptsTurnsSamplingAndDefaultsMaxTokens() {
        ObjectNode request = json("{\"model\":\"claude\",\"temperature\":1.5,\"top_p\":0.9,\"stop\":\"END\","
                + "\"user\":\"u-1\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"Use French.\"}]},"
                + "{\"role\":\"user\",\"content\":\"Hi\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Look\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.jpg\"}}]},"
                + "{\"role\":\"assistant\",\"content\":\"Bonjour\"}]}");
        JsonNode out = codec.toProviderRequest(request, "claude-sonnet-4-5");

        assertThat(out.path("model").stringValue()).isEqualTo("claude-sonnet-4-5");
        assertThat(out.path("max_tokens").asInt()).isEqualTo(AnthropicCodec.DEFAULT_MAX_TOKENS);
        assertThat(out.path("system").toString())
                .isEqualTo("[{\"type\":\"text\",\"text\":\"Be brief.\"},{\"type\":\"text\",\"text\":\"Use French.\"}]");
        assertThat(out.path("temperature").asDouble()).isEqualTo(1.0);
        assertThat(out.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(out.path("stop_sequences").toString()).isEqualTo("[\"END\"]");
        assertThat(out.path("metadata").path("user_id").stringValue()).isEqualTo("u-1");
        JsonNode messages = out.path("messages");
        assertThat(messages.size()).isEqualTo(2); // the two user turns merged
        assertThat(messages.get(0).path("content").size()).isEqualTo(4);
        assertThat(messages.get(0).path("content").get(2).toString())
                .isEqualTo("{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\","
                        + "\"data\":\"iVBORw0KGgo=\"}}");
        assertThat(messages.get(0)
                        .path("content")
                        .get(3)
                        .path("source")
                        .path("type")
                        .stringValue())
                .isEqualTo("url");
        assertThat(messages.get(1).path("role").stringValue()).isEqualTo("assistant");
        assertThat(request.path("model").stringValue()).as("input untouched").isEqualTo("claude");
    }

    @Test
    void convertsToolsToolCallsAndToolResults() {
        ObjectNode request = json("{\"model\":\"c\",\"max_completion_tokens\":99,\"parallel_tool_calls\":false,"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"weather\"}},"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"description\":\"d\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18C\"}]}");
        JsonNode out = codec.toProviderRequest(request, "claude-x");

        assertThat(out.path("max_tokens").asInt()).isEqualTo(99);
        assertThat(out.path("tools").get(0).toString())
                .isEqualTo("{\"name\":\"weather\",\"description\":\"d\",\"input_schema\":{\"type\":\"object\","
                        + "\"properties\":{\"city\":{\"type\":\"string\"}}}}");
        assertThat(out.path("tool_choice").toString())
                .isEqualTo("{\"type\":\"tool\",\"name\":\"weather\",\"disable_parallel_tool_use\":true}");
        assertThat(out.path("messages").get(1).path("content").get(0).toString())
                .isEqualTo(
                        "{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"weather\",\"input\":{\"city\":\"Paris\"}}");
        assertThat(out.path("messages").get(2).toString())
                .isEqualTo("{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\","
                        + "\"content\":\"18C\"}]}");
    }

    @Test
    void rejectsWhatAnthropicCannotExpress() {
        assertThatThrownBy(() -> codec.toProviderRequest(
                        json("{\"model\":\"c\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "c"))
                .isInstanceOf(ConversionException.class);
        assertThatThrownBy(() -> codec.toProviderRequest(
                        json(
                                "{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}"),
                        "c"))
                .hasMessageContaining("input_audio");
    }

    @Test
    void convertsResponsesWithTextToolUseStopReasonAndUsage() {
        JsonNode response = Json.parse("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"claude-x\",\"content\":[{\"type\":\"text\",\"text\":\"Let me check.\"},"
                + "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"weather\",\"input\":{\"city\":\"Paris\"}}],"
                + "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,"
                + "\"cache_read_input_tokens\":5,\"output_tokens\":7}}");
        ObjectNode out = codec.toOpenAiResponse(response);

        assertThat(out.toString())
                .isEqualTo("{\"id\":\"msg_1\",\"object\":\"chat.completion\",\"created\":1700000000,"
                        + "\"model\":\"claude-x\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"Let me check.\",\"refusal\":null,\"tool_calls\":[{\"id\":\"toolu_1\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"weather\","
                        + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"logprobs\":null,"
                        + "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":15,"
                        + "\"completion_tokens\":7,\"total_tokens\":22}}");
    }

    @Test
    void mapsStopReasons() {
        assertThat(AnthropicCodec.finishReason("end_turn")).isEqualTo("stop");
        assertThat(AnthropicCodec.finishReason("stop_sequence")).isEqualTo("stop");
        assertThat(AnthropicCodec.finishReason("max_tokens")).isEqualTo("length");
        assertThat(AnthropicCodec.finishReason("tool_use")).isEqualTo("tool_calls");
        assertThat(AnthropicCodec.finishReason("refusal")).isEqualTo("content_filter");
    }

    @Test
    void mapsErrorsToOpenAiErrorJson() {
        byte[] body = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(codec.toOpenAiError(529, body).toString())
                .isEqualTo("{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\",\"param\":null,"
                        + "\"code\":null}}");
        assertThat(codec.clientStatus(529)).isEqualTo(503);
        assertThat(codec.toOpenAiError(502, "<html>".getBytes(StandardCharsets.UTF_8))
                        .path("error")
                        .path("type")
                        .stringValue())
                .isEqualTo("api_error");
    }

    static final String RECORDED_STREAM = "event: message_start\n"
            + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
            + "\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\",\"stop_reason\":null,"
            + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
            + "event: content_block_start\n"
            + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
            + "event: ping\ndata: {\"type\": \"ping\"}\n\n"
            + "event: content_block_delta\n"
            + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Grüß \"}}\n\n"
            + "event: content_block_delta\r\n"
            + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"dich\"}}\r\n\r\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: content_block_start\n"
            + "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
            + "\"id\":\"toolu_1\",\"name\":\"weather\",\"input\":{}}}\n\n"
            + "event: content_block_delta\n"
            + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
            + "\"partial_json\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
            + "event: message_delta\n"
            + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
            + "\"usage\":{\"output_tokens\":15}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    private static final String CHUNK = "data: {\"id\":\"msg_01\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1700000000,\"model\":\"claude-x\",\"choices\":[{\"index\":0,\"delta\":";

    static final String EXPECTED = CHUNK + "{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
            + "\"finish_reason\":null}]}\n\n"
            + CHUNK + "{\"content\":\"Grüß \"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
            + CHUNK + "{\"content\":\"dich\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
            + CHUNK + "{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_1\",\"type\":\"function\",\"function\":"
            + "{\"name\":\"weather\",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
            + CHUNK + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}]},"
            + "\"logprobs\":null,\"finish_reason\":null}]}\n\n"
            + CHUNK + "{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}]}\n\n"
            + "data: {\"id\":\"msg_01\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"claude-x\",\"choices\":[],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":15,"
            + "\"total_tokens\":40}}\n\n"
            + "data: [DONE]\n\n";

    @Test
    void convertsARecordedStreamIdenticallyAtEverySplitPoint() {
        StreamSplits.assertAllSplits(
                () -> codec.newStreamConverter(StreamSettings.of(true, "claude", text -> {})),
                RECORDED_STREAM,
                EXPECTED);
    }

    @Test
    void streamReportsUsageAndGeneratedText() {
        List<String> text = new ArrayList<>();
        StreamConverter converter = codec.newStreamConverter(StreamSettings.of(false, "claude", text::add));
        String out = StreamSplits.run(converter, RECORDED_STREAM.getBytes(StandardCharsets.UTF_8), 100, 700);

        assertThat(converter.reportedUsage()).hasValueSatisfying(u -> {
            assertThat(u.inputTokens()).isEqualTo(25);
            assertThat(u.outputTokens()).isEqualTo(15);
            assertThat(u.estimated()).isFalse();
        });
        assertThat(text).containsExactly("Grüß ", "dich", "{\"city\": \"Paris\"}");
        assertThat(out).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
    }

    @Test
    void truncatedStreamGetsNoDoneAndErrorsBecomeErrorEvents() {
        String cut = RECORDED_STREAM.substring(0, RECORDED_STREAM.indexOf("event: message_delta"));
        String out = StreamSplits.run(
                codec.newStreamConverter(StreamSettings.of(false, "c", t -> {})), cut.getBytes(StandardCharsets.UTF_8));
        assertThat(out).doesNotContain("[DONE]");

        StreamConverter converter = codec.newStreamConverter(StreamSettings.of(false, "c", t -> {}));
        String error = StreamSplits.run(
                converter,
                ("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                                + "\"message\":\"Overloaded\"}}\n\n")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(error)
                .isEqualTo("data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\","
                        + "\"param\":null,\"code\":null}}\n\n");
        assertThat(converter.sawError()).isTrue();
    }

    @Test
    void boundsTheSizeOfOneEvent() {
        StreamConverter converter = codec.newStreamConverter(new StreamSettings(false, "c", t -> {}, 1024));
        byte[] huge = ("data: " + "x".repeat(2000)).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StreamSplits.run(converter, huge)).hasMessageContaining("larger than 1024 bytes");
    }
}
