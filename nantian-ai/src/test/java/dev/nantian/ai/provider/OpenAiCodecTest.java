package dev.nantian.ai.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.ai.internal.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class OpenAiCodecTest {
    private final OpenAiCodec codec = new OpenAiCodec();

    @Test
    void forcesIncludeUsageOnStreamsAndRenamesTheModel() {
        ObjectNode request = (ObjectNode) Json.parse("{\"model\":\"gpt\",\"stream\":true,\"messages\":[]}");
        JsonNode out = codec.toProviderRequest(request, "gpt-4o-mini");
        assertThat(out.path("model").stringValue()).isEqualTo("gpt-4o-mini");
        assertThat(out.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(request.has("stream_options")).isFalse();
    }

    static final String RECORDED =
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n"
                    + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}],\"usage\":null}\n\n"
                    + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
                    + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"total_tokens\":10}}\n\n"
                    + "data: [DONE]\n\n";

    @Test
    void passesStreamsThroughAndHidesTheUsageChunkTheClientDidNotAskFor() {
        String hidden = RECORDED.replace(
                "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"total_tokens\":10}}\n\n",
                "");
        StreamSplits.assertAllSplits(
                () -> codec.newStreamConverter(StreamSettings.of(false, "m", t -> {})), RECORDED, hidden);
        StreamSplits.assertAllSplits(
                () -> codec.newStreamConverter(StreamSettings.of(true, "m", t -> {})), RECORDED, RECORDED);

        StreamConverter c = codec.newStreamConverter(StreamSettings.of(false, "m", t -> {}));
        StreamSplits.run(c, RECORDED.getBytes(StandardCharsets.UTF_8), 50);
        assertThat(c.reportedUsage())
                .hasValueSatisfying(u -> assertThat(u.totalTokens()).isEqualTo(10));
    }

    @Test
    void keepsOpenAiErrorsAndWrapsOthers() {
        byte[] body = "{\"error\":{\"message\":\"m\",\"type\":\"t\",\"param\":null,\"code\":\"c\"}}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(codec.toOpenAiError(429, body).toString()).isEqualTo(new String(body, StandardCharsets.UTF_8));
        assertThat(codec.toOpenAiError(502, new byte[0])
                        .path("error")
                        .path("type")
                        .stringValue())
                .isEqualTo("api_error");
    }
}
