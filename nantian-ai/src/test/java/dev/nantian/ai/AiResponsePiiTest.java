package dev.nantian.ai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.ai.config.PiiMode;
import dev.nantian.ai.internal.Json;
import dev.nantian.ai.pii.PiiRedactor;
import dev.nantian.ai.pii.PiiType;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.testing.ExchangeResult;
import dev.nantian.core.filter.testing.FakeResponse;
import dev.nantian.core.filter.testing.FilterChainTester;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code pii.response} on streamed and whole responses. Streams are cut at every byte position: whatever the cut and
 * however the provider split the text into deltas, the text the client gets equals the redaction of the whole
 * answer, so no finding was split across events.
 */
class AiResponsePiiTest {
    /** The answer, as the provider streams it: findings cut across deltas on purpose. */
    private static final List<String> DELTAS = List.of(
            "Reach Bob at bob.sm",
            "ith@exam",
            "ple.com, or call +1 415 55",
            "5 0100.\nHis card: 4111 1111 ",
            "1111 1111; IBAN DE89 3704 0044 0532 0130 00",
            " ok. Key sk-proj-abcdefghijklmnopqrstuvwx",
            "yz0123 at 10.0.0.1");

    private static final String FULL = String.join("", DELTAS);

    private final AiGateway gateway =
            AiGateway.builder().secrets(AiTestSupport.secrets()).build();

    @AfterEach
    void close() {
        gateway.close();
    }

    private FilterChain chain(String mode) {
        Map<String, Object> spec = new HashMap<>(AiTestSupport.providers(
                "https://api.openai.com", "https://api.anthropic.com", "http://127.0.0.1:11434"));
        spec.put("pii", Map.of("response", mode));
        return AiTestSupport.chain(gateway, null, AiTestSupport.aiService(spec));
    }

    private static String openAiStream() {
        StringBuilder sse = new StringBuilder();
        sse.append(
                "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (String d : DELTAS) {
            ObjectNode chunk = Json.object();
            chunk.put("id", "c").put("object", "chat.completion.chunk").put("model", "gpt-4o");
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0).putObject("delta").put("content", d);
            choice.putNull("finish_reason");
            sse.append("data: ").append(chunk).append("\n\n");
        }
        sse.append(
                "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        sse.append("data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":9,"
                + "\"total_tokens\":12}}\n\ndata: [DONE]\n\n");
        return sse.toString();
    }

    private static String anthropicStream() {
        StringBuilder sse = new StringBuilder();
        sse.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":"
                + "\"claude-x\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n");
        sse.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for (String d : DELTAS) {
            ObjectNode event = Json.object().put("type", "content_block_delta").put("index", 0);
            event.putObject("delta").put("type", "text_delta").put("text", d);
            sse.append("event: content_block_delta\ndata: ").append(event).append("\n\n");
        }
        sse.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"output_tokens\":9}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return sse.toString();
    }

    private static String ollamaStream() {
        StringBuilder ndjson = new StringBuilder();
        for (String d : DELTAS) {
            ObjectNode line = Json.object().put("model", "llama3.2").put("done", false);
            line.putObject("message").put("role", "assistant").put("content", d);
            ndjson.append(line).append('\n');
        }
        ndjson.append("{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                + "\"done_reason\":\"stop\",\"prompt_eval_count\":3,\"eval_count\":9}\n");
        return ndjson.toString();
    }

    private static HttpRequestHead post() {
        return HttpRequestHead.of(
                "POST", "/v1/chat/completions", "gw", HttpHeaders.of("content-type", "application/json"));
    }

    private static String streamRequest(String model) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    /** The content deltas the client got, joined; asserts every event is whole JSON and the stream ends. */
    private static String clientText(ExchangeResult result) {
        assertThat(result.status()).isEqualTo(200);
        String body = result.bodyUtf8();
        assertThat(body).endsWith("data: [DONE]\n\n");
        StringBuilder text = new StringBuilder();
        for (String event : body.split("\n\n")) {
            assertThat(event).startsWith("data: ");
            String data = event.substring("data: ".length());
            if (data.equals("[DONE]")) {
                continue;
            }
            JsonNode chunk = Json.parse(data);
            assertThat(chunk).as("event %s", data).isNotNull();
            for (JsonNode choice : chunk.path("choices").values()) {
                String content = Json.text(choice.path("delta").path("content"));
                if (content != null) {
                    text.append(content);
                }
            }
        }
        return text.toString();
    }

    private void assertEverySplit(String mode, String model, String upstreamBody) {
        PiiRedactor reference =
                new PiiRedactor(PiiMode.fromConfigName(mode).orElseThrow(), EnumSet.allOf(PiiType.class));
        String expected = reference.redact(FULL);
        assertThat(expected)
                .doesNotContain("bob.smith@example.com")
                .contains("[EMAIL")
                .contains("[CREDIT_CARD");
        FilterChain chain = chain(mode);
        List<String> failures = new ArrayList<>();
        for (int cut = 0; cut <= upstreamBody.length(); cut++) {
            int at = cut;
            ExchangeResult result = FilterChainTester.builder(chain)
                    .upstream(
                            request -> FakeResponse.of(200, upstreamBody.substring(0, at), upstreamBody.substring(at)))
                    .build()
                    .exchange(post(), streamRequest(model));
            String got = clientText(result);
            if (!got.equals(expected)) {
                failures.add("cut at " + cut + ": " + got);
            }
            assertThat(result.bodyUtf8()).doesNotContain("bob.sm").doesNotContain("4111 1111");
        }
        assertThat(failures).isEmpty();
    }

    /** The finish reasons the client got, in order. */
    private static List<String> finishReasons(ExchangeResult result) {
        List<String> reasons = new ArrayList<>();
        for (String event : result.bodyUtf8().split("\n\n")) {
            JsonNode chunk = Json.parse(event.substring("data: ".length()));
            if (chunk != null) {
                for (JsonNode choice : chunk.path("choices").values()) {
                    String reason = Json.text(choice.path("finish_reason"));
                    if (reason != null) {
                        reasons.add(reason);
                    }
                }
            }
        }
        return reasons;
    }

    @Test
    void blockEndsAStreamRightBeforeTheFirstFindingAtAnyCut() {
        String expected = FULL.substring(0, FULL.indexOf("bob.smith"));
        FilterChain chain = chain("block");
        String sse = anthropicStream();
        List<String> failures = new ArrayList<>();
        for (int cut = 0; cut <= sse.length(); cut++) {
            int at = cut;
            ExchangeResult result = FilterChainTester.builder(chain)
                    .upstream(request -> FakeResponse.of(200, sse.substring(0, at), sse.substring(at)))
                    .build()
                    .exchange(post(), streamRequest("claude-x"));
            String got = clientText(result);
            if (!got.equals(expected) || !finishReasons(result).equals(List.of("content_filter"))) {
                failures.add("cut at " + cut + ": " + got + " " + finishReasons(result));
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void blockEndsAJsonResponseWithContentFilter() {
        String completion =
                "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                        + "\"message\":{\"role\":\"assistant\",\"content\":\"call 555-0100 or mail bob@example.com\"},"
                        + "\"finish_reason\":\"stop\"},{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"clean\"},"
                        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}";
        ExchangeResult result = FilterChainTester.builder(chain("block"))
                .upstream(request -> FakeResponse.of(200, completion))
                .build()
                .exchange(post(), "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        JsonNode choices = Json.parse(result.bodyUtf8()).path("choices");
        assertThat(choices.get(0).path("message").path("content").isNull()).isTrue();
        assertThat(choices.get(0).path("finish_reason").stringValue()).isEqualTo("content_filter");
        assertThat(choices.get(1).path("message").path("content").stringValue()).isEqualTo("clean");
        assertThat(choices.get(1).path("finish_reason").stringValue()).isEqualTo("stop");
        assertThat(result.bodyUtf8()).doesNotContain("bob@example.com");
    }

    @Test
    void openAiStreamsAreMaskedWithoutSplittingAFindingAtAnyCut() {
        assertEverySplit("mask", "gpt-4o", openAiStream());
    }

    @Test
    void anthropicStreamsAreHashedWithoutSplittingAFindingAtAnyCut() {
        assertEverySplit("hash", "claude-x", anthropicStream());
    }

    @Test
    void ollamaStreamsAreMaskedWithoutSplittingAFindingAtAnyCut() {
        assertEverySplit("mask", "llama3.2", ollamaStream());
    }

    @Test
    void streamsWithResponsePiiOffPassUnchanged() {
        String sse = openAiStream();
        ExchangeResult result = FilterChainTester.builder(chain("off"))
                .upstream(request -> FakeResponse.of(200, sse))
                .build()
                .exchange(post(), streamRequest("gpt-4o"));
        assertThat(clientText(result)).isEqualTo(FULL);
    }

    @Test
    void wholeJsonResponsesAreRedactedInStringValuesOnly() {
        String completion =
                "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":4111111111111111,\"model\":\"gpt-4o\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"mail bob@example.com\","
                        + "\"tool_calls\":[{\"id\":\"t\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
                        + "\"{\\\"to\\\":\\\"eve@example.org\\\"}\"}}]},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}";
        ExchangeResult result = FilterChainTester.builder(chain("mask"))
                .upstream(request -> FakeResponse.of(200, completion))
                .build()
                .exchange(post(), "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        JsonNode body = Json.parse(result.bodyUtf8());
        assertThat(body).as("still JSON").isNotNull();
        JsonNode message = body.path("choices").get(0).path("message");
        assertThat(message.path("content").stringValue()).isEqualTo("mail [EMAIL]");
        assertThat(Json.parse(message.path("tool_calls")
                                .get(0)
                                .path("function")
                                .path("arguments")
                                .stringValue())
                        .path("to")
                        .stringValue())
                .isEqualTo("[EMAIL]");
        assertThat(body.path("created").asLong()).as("numbers are not text").isEqualTo(4111111111111111L);
    }
}
