package dev.nantian.proxy.accesslog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.ConfigValidationException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class LogFormatTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    static AccessLogEntry entry(String path, String userAgent) {
        return new AccessLogEntry(
                Instant.parse("2024-05-01T12:00:00Z").toEpochMilli(),
                12_345_678L,
                new InetSocketAddress("10.1.2.3", 50000),
                "GET",
                path,
                "HTTP/1.1",
                "example.com",
                200,
                0,
                5,
                42,
                "10.0.0.7",
                8080,
                "default/web:80",
                "default/web/rule/0",
                userAgent,
                null,
                Map.of());
    }

    @Test
    void textFillsEveryPlaceholderAndKeepsLiterals() {
        LogFormat f = LogFormat.compile("%START_TIME% %CLIENT_IP% \"%METHOD% %PATH% %PROTOCOL%\" %STATUS% "
                + "%RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %LATENCY_MS%ms %UPSTREAM_ADDR% %UPSTREAM_CLUSTER% "
                + "%ROUTE% %HOST% %USER_AGENT% %REQUEST_ID% 100%%");
        StringBuilder out = new StringBuilder();
        f.appendText(entry("/a?b=c", "curl/8"), out);
        assertThat(out.toString())
                .isEqualTo("2024-05-01T12:00:00.000Z 10.1.2.3 \"GET /a?b=c HTTP/1.1\" 200 - 5 42 12ms 10.0.0.7:8080 "
                        + "default/web:80 default/web/rule/0 example.com curl/8 - 100%\n");
    }

    static AccessLogEntry tcpEntry() {
        return AccessLogEntry.layer4(
                Instant.parse("2024-05-01T12:00:00Z").toEpochMilli(),
                2_500_000_000L,
                new InetSocketAddress("10.1.2.3", 50000),
                "TCP",
                ResponseFlags.UPSTREAM_RESET,
                5,
                7,
                "10.0.0.7",
                5432,
                "default/db:5432",
                "default/db/rule/0");
    }

    @Test
    void layer4EntriesLeaveTheHttpOnlyFieldsAbsentInText() {
        LogFormat f = LogFormat.compile(LogFormat.DEFAULT_FORMAT + " %HOST% %REQUEST_ID% %UPSTREAM_CLUSTER%");
        StringBuilder out = new StringBuilder();
        f.appendText(tcpEntry(), out);
        assertThat(out.toString())
                .isEqualTo("2024-05-01T12:00:00.000Z 10.1.2.3 \"- - TCP\" - UC 5 7 2500 \"10.0.0.7:5432\" "
                        + "\"default/db/rule/0\" \"-\" - - default/db:5432\n");
    }

    @Test
    void layer4EntriesWriteNullForTheHttpOnlyFieldsInJson() throws Exception {
        LogFormat f = LogFormat.compile(LogFormat.DEFAULT_FORMAT);
        StringBuilder out = new StringBuilder();
        f.appendJson(tcpEntry(), out);
        JsonNode n = JSON.readTree(out.toString());
        assertThat(n.get("protocol").asString()).isEqualTo("TCP");
        assertThat(n.get("status").isNull()).isTrue();
        assertThat(n.get("method").isNull()).isTrue();
        assertThat(n.get("path").isNull()).isTrue();
        assertThat(n.get("user_agent").isNull()).isTrue();
        assertThat(n.get("bytes_received").asLong()).isEqualTo(5);
        assertThat(n.get("bytes_sent").asLong()).isEqualTo(7);
        assertThat(n.get("response_flags").asString()).isEqualTo("UC");
        assertThat(n.get("upstream_addr").asString()).isEqualTo("10.0.0.7:5432");
    }

    @Test
    void textEscapesQuotesBackslashesAndControlCharacters() {
        LogFormat f = LogFormat.compile("\"%USER_AGENT%\"");
        StringBuilder out = new StringBuilder();
        f.appendText(entry("/", "evil\" agent\\\u001b[31m\u0085\n"), out);
        assertThat(out.toString()).isEqualTo("\"evil\\x22 agent\\x5c\\x1b[31m\\x85\\x0a\"\n");
    }

    @Test
    void jsonWritesOneParseableObjectPerLineWithTypedValues() throws Exception {
        LogFormat f = LogFormat.compile("%CLIENT_IP% %STATUS% %STATUS% %LATENCY_MS% %REQUEST_ID% %USER_AGENT% "
                + "%RESPONSE_FLAGS% %UPSTREAM_ADDR% literal text is ignored");
        StringBuilder out = new StringBuilder();
        AccessLogEntry e = entry("/", "quote\" backslash\\ newline\n tab\t nul\u0000 line-sep\u2028");
        e = new AccessLogEntry(
                e.startMillis(),
                e.durationNanos(),
                e.client(),
                e.method(),
                e.path(),
                e.protocol(),
                e.host(),
                503,
                ResponseFlags.UPSTREAM_CONNECT_FAILURE | ResponseFlags.NO_HEALTHY_UPSTREAM,
                e.bytesReceived(),
                e.bytesSent(),
                "::1",
                9,
                e.cluster(),
                e.route(),
                e.userAgent(),
                e.requestId(),
                e.logFields());
        f.appendJson(e, out);
        String line = out.toString();
        assertThat(line).endsWith("}\n").doesNotContain("\u2028").hasLineCount(1);
        JsonNode node = JSON.readTree(line);
        assertThat(node.propertyNames())
                .containsExactly(
                        "client_ip",
                        "status",
                        "latency_ms",
                        "request_id",
                        "user_agent",
                        "response_flags",
                        "upstream_addr");
        assertThat(node.get("status").isInt()).isTrue();
        assertThat(node.get("status").asInt()).isEqualTo(503);
        assertThat(node.get("latency_ms").asLong()).isEqualTo(12);
        assertThat(node.get("request_id").isNull()).isTrue();
        assertThat(node.get("user_agent").asString())
                .isEqualTo("quote\" backslash\\ newline\n tab\t nul\u0000 line-sep\u2028");
        assertThat(node.get("response_flags").asString()).isEqualTo("UH,UF");
        assertThat(node.get("upstream_addr").asString()).isEqualTo("[::1]:9");
    }

    @Test
    void unknownPlaceholdersAreAllRejectedWithTheKnownOnes() {
        assertThatThrownBy(() -> LogFormat.compile("%STATUS% %BOGUS% %status% 50% off"))
                .isInstanceOf(ConfigValidationException.class)
                .satisfies(ex -> assertThat(((ConfigValidationException) ex).errors())
                        .hasSize(3)
                        .anySatisfy(m -> assertThat(m)
                                .contains("unknown placeholder %BOGUS%")
                                .contains("%CLIENT_IP%"))
                        .anySatisfy(m -> assertThat(m).contains("unknown placeholder %status%"))
                        .anySatisfy(m -> assertThat(m).contains("write %% for a literal percent sign")));
    }

    @Test
    void emptyFormatIsRejected() {
        assertThatThrownBy(() -> LogFormat.compile(" ")).hasMessageContaining("must not be empty");
    }

    @Test
    void defaultFormatCompilesWithTheDocumentedPlaceholders() {
        assertThat(LogFormat.compile(LogFormat.DEFAULT_FORMAT).fields())
                .contains(
                        LogFormat.Field.CLIENT_IP,
                        LogFormat.Field.STATUS,
                        LogFormat.Field.LATENCY_MS,
                        LogFormat.Field.UPSTREAM_ADDR,
                        LogFormat.Field.METHOD,
                        LogFormat.Field.PATH,
                        LogFormat.Field.ROUTE,
                        LogFormat.Field.BYTES_SENT);
    }

    static AccessLogEntry withFields(AccessLogEntry e, Map<String, String> fields) {
        return new AccessLogEntry(
                e.startMillis(),
                e.durationNanos(),
                e.client(),
                e.method(),
                e.path(),
                e.protocol(),
                e.host(),
                e.status(),
                e.flags(),
                e.bytesReceived(),
                e.bytesSent(),
                e.upstreamAddress(),
                e.upstreamPort(),
                e.cluster(),
                e.route(),
                e.userAgent(),
                e.requestId(),
                fields);
    }

    @Test
    void fieldPlaceholderPrintsTheRecordedValueOrADash() {
        LogFormat f = LogFormat.compile("%STATUS% model=%FIELD(ai.model)% tokens=%FIELD(ai.tokens-in)% x=%FIELD(x_y)%");
        StringBuilder out = new StringBuilder();
        f.appendText(withFields(entry("/", "ua"), Map.of("ai.model", "gpt \"4\"", "ai.tokens-in", "12")), out);
        assertThat(out.toString()).isEqualTo("200 model=gpt \\x224\\x22 tokens=12 x=-\n");
    }

    @Test
    void jsonModeAppendsEveryLogFieldUnderItsName() {
        LogFormat f = LogFormat.compile("%STATUS% %ROUTE% %FIELD(ai.model)%");
        StringBuilder out = new StringBuilder();
        java.util.LinkedHashMap<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("ai.model", "m1");
        fields.put("status", "ignored: a placeholder's key");
        fields.put("ai.provider", "p\"1");
        f.appendJson(withFields(entry("/", "ua"), fields), out);
        JsonNode node = JSON.readTree(out.toString());
        assertThat(node.propertyNames()).containsExactly("status", "route", "ai.model", "ai.provider");
        assertThat(node.get("status").asInt()).isEqualTo(200);
        assertThat(node.get("ai.model").asString()).isEqualTo("m1");
        assertThat(node.get("ai.provider").asString()).isEqualTo("p\"1");
    }

    @Test
    void badFieldPlaceholdersAreRejectedWithTheirPosition() {
        assertThatThrownBy(() -> LogFormat.compile("%FIELD()% %FIELD(a b)% %FIELD%"))
                .isInstanceOf(ConfigValidationException.class)
                .satisfies(t -> assertThat(((ConfigValidationException) t).errors())
                        .hasSize(3)
                        .anySatisfy(m -> assertThat(m).contains("bad %FIELD(name)% at position 0"))
                        .anySatisfy(m -> assertThat(m).contains("bad %FIELD(name)% at position 10"))
                        .anySatisfy(m -> assertThat(m).contains("unknown placeholder %FIELD%")));
    }
}
