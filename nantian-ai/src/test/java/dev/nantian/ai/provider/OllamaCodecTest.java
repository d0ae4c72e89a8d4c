package dev.nantian.ai.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.ai.internal.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class OllamaCodecTest {
    private final OllamaCodec codec =
            new OllamaCodec(Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC));

    @Test
    void convertsRequestsWithOptionsImagesToolsAndExplicitStream() {
        ObjectNode request = (ObjectNode) Json.parse("{\"model\":\"local\",\"temperature\":0.2,\"max_tokens\":50,"
                + "\"stop\":[\"x\"],\"seed\":7,\"response_format\":{\"type\":\"json_object\"},"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}],"
                + "\"messages\":[{\"role\":\"developer\",\"content\":\"sys\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"see\"},{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/jpeg;base64,AAAA\"}}]},"
                + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}]}");
        JsonNode out = codec.toProviderRequest(request, "llama3.2");

        assertThat(out.toString())
                .isEqualTo("{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"system\",\"content\":\"sys\"},"
                        + "{\"role\":\"user\",\"images\":[\"AAAA\"],\"content\":\"see\"},"
                        + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"f\","
                        + "\"arguments\":{\"a\":1}}}]},{\"role\":\"tool\",\"content\":\"ok\",\"tool_name\":\"f\"}],"
                        + "\"stream\":false,\"options\":{\"temperature\":0.2,\"seed\":7,\"num_predict\":50,"
                        + "\"stop\":[\"x\"]},\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                        + "\"parameters\":{}}}],\"format\":\"json\"}");
    }

    @Test
    void rejectsRemoteImages() {
        assertThatThrownBy(() -> codec.toProviderRequest(
                        (ObjectNode) Json.parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                                + "[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]}]}"),
                        "m"))
                .isInstanceOf(ConversionException.class);
    }

    @Test
    void convertsResponsesAndErrors() {
        ObjectNode out = codec.toOpenAiResponse(Json.parse("{\"model\":\"llama3.2\",\"created_at\":\"x\","
                + "\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":true,\"done_reason\":\"length\","
                + "\"prompt_eval_count\":26,\"eval_count\":3}"));
        assertThat(out.path("object").stringValue()).isEqualTo("chat.completion");
        assertThat(out.path("id").stringValue()).startsWith("chatcmpl-");
        assertThat(out.path("choices").get(0).path("message").path("content").stringValue())
                .isEqualTo("Hi");
        assertThat(out.path("choices").get(0).path("finish_reason").stringValue())
                .isEqualTo("length");
        assertThat(out.path("usage").toString())
                .isEqualTo("{\"prompt_tokens\":26,\"completion_tokens\":3,\"total_tokens\":29}");

        JsonNode error =
                codec.toOpenAiError(404, "{\"error\":\"model \\\"x\\\" not found\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(error.path("error").path("message").stringValue()).isEqualTo("model \"x\" not found");
        assertThat(error.path("error").path("code").stringValue()).isEqualTo("model_not_found");
    }

    static final String RECORDED = "{\"model\":\"llama3.2\",\"created_at\":\"2024-07-22T20:33:28Z\","
            + "\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}\n"
            + "{\"model\":\"llama3.2\",\"created_at\":\"2024-07-22T20:33:28Z\","
            + "\"message\":{\"role\":\"assistant\",\"content\":\"lo ✓\"},\"done\":false}\r\n"
            + "{\"model\":\"llama3.2\",\"created_at\":\"2024-07-22T20:33:29Z\","
            + "\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\","
            + "\"total_duration\":4883583458,\"prompt_eval_count\":26,\"eval_count\":2}\n";

    @Test
    void convertsARecordedNdjsonStreamIdenticallyAtEverySplitPoint() {
        // ids are random per stream, so compare with the id normalised
        byte[] input = RECORDED.getBytes(StandardCharsets.UTF_8);
        String reference =
                normalise(StreamSplits.run(codec.newStreamConverter(StreamSettings.of(true, "m", t -> {})), input));
        assertThat(reference)
                .startsWith("data: {\"id\":\"ID\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                        + "\"model\":\"llama3.2\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                        + "\"content\":\"Hel\"}")
                .contains("{\"content\":\"lo ✓\"}")
                .contains("\"finish_reason\":\"stop\"")
                .contains("\"choices\":[],\"usage\":{\"prompt_tokens\":26,\"completion_tokens\":2,\"total_tokens\":28}")
                .endsWith("data: [DONE]\n\n");
        for (int cut = 0; cut <= input.length; cut++) {
            String got = normalise(
                    StreamSplits.run(codec.newStreamConverter(StreamSettings.of(true, "m", t -> {})), input, cut));
            assertThat(got).as("split at %d", cut).isEqualTo(reference);
        }
    }

    @Test
    void streamErrorsBecomeErrorEvents() {
        StreamConverter c = codec.newStreamConverter(StreamSettings.of(false, "m", t -> {}));
        String out = StreamSplits.run(c, "{\"error\":\"out of memory\"}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(out).contains("\"message\":\"out of memory\"").doesNotContain("[DONE]");
        assertThat(c.sawError()).isTrue();
    }

    private static String normalise(String sse) {
        return sse.replaceAll("\"id\":\"chatcmpl-[0-9a-f]+\"", "\"id\":\"ID\"");
    }
}
