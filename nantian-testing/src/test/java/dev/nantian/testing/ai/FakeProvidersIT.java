package dev.nantian.testing.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The fakes' wire formats and failure injection, seen by a plain HTTP client. */
class FakeProvidersIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();

    private static HttpRequest post(URI base, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    private static HttpRequest openAi(FakeOpenAi fake, String path, String body) {
        return post(fake.baseUri(), path, body, "authorization", "Bearer " + FakeOpenAi.API_KEY);
    }

    @Test
    void failuresAreInjectedInTheProvidersErrorFormat() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi();
                FakeAnthropic anthropic = new FakeAnthropic()) {
            openAi.failWith(429);
            HttpResponse<String> limited = http.send(
                    openAi(openAi, "/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(limited.body()).path("error").path("code").asString())
                    .isEqualTo("rate_limit_exceeded");

            anthropic.failWith(529);
            HttpResponse<String> overloaded = http.send(
                    post(
                            anthropic.baseUri(),
                            "/v1/messages",
                            "{}",
                            "x-api-key",
                            FakeAnthropic.API_KEY,
                            "anthropic-version",
                            "2023-06-01"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(overloaded.statusCode()).isEqualTo(529);
            assertThat(JSON.readTree(overloaded.body())
                            .path("error")
                            .path("type")
                            .asString())
                    .isEqualTo("overloaded_error");
            assertThat(anthropic.requests()).hasSize(1);

            openAi.healthy();
            openAi.dropConnection(true);
            assertThatThrownBy(() -> http.send(
                            openAi(openAi, "/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}"),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void aDelayedFakeAnswersLate() throws Exception {
        try (FakeOllama ollama = new FakeOllama()) {
            ollama.delay(Duration.ofSeconds(30));
            HttpRequest request = HttpRequest.newBuilder(ollama.baseUri().resolve("/api/chat"))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"llama3.2\",\"messages\":[],\"stream\":false}"))
                    .timeout(Duration.ofMillis(200))
                    .build();
            assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(HttpTimeoutException.class);
        }
    }

    @Test
    void aStreamCanBeCutAfterSomeEvents() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi()) {
            openAi.replyText("one two three four");
            openAi.dropStreamAfter(2);
            HttpResponse<InputStream> response = http.send(
                    openAi(openAi, "/v1/chat/completions", "{\"model\":\"m\",\"stream\":true,\"messages\":[]}"),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            // Raw reads: a Reader may drop characters it decoded when the read after them fails.
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            assertThatThrownBy(() -> {
                        try (InputStream in = response.body()) {
                            byte[] buf = new byte[8192];
                            for (int n; (n = in.read(buf)) >= 0; ) {
                                received.write(buf, 0, n);
                            }
                        }
                    })
                    .isInstanceOf(IOException.class);
            List<String> lines = new ArrayList<>();
            for (String line : received.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
            // At most the two events before the cut (the abrupt close may take the last one with it), never the end.
            assertThat(lines).isNotEmpty().hasSizeLessThanOrEqualTo(2).noneMatch(l -> l.contains("[DONE]"));
        }
    }

    @Test
    void embeddingsComeAsFloatsOrAsBase64OfTheSameFloats() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi();
                FakeOllama ollama = new FakeOllama();
                FakeAnthropic anthropic = new FakeAnthropic()) {
            String request = "{\"model\":\"text-embedding-3-small\",\"input\":[\"a b\",\"c\"]";
            JsonNode floats = JSON.readTree(
                    http.send(openAi(openAi, "/v1/embeddings", request + "}"), HttpResponse.BodyHandlers.ofString())
                            .body());
            JsonNode base64 = JSON.readTree(http.send(
                            openAi(openAi, "/v1/embeddings", request + ",\"encoding_format\":\"base64\"}"),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
            assertThat(floats.path("data")).hasSize(2);
            assertThat(floats.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
            JsonNode vector = floats.path("data").get(1).path("embedding");
            ByteBuffer decoded = ByteBuffer.wrap(Base64.getDecoder()
                            .decode(base64.path("data").get(1).path("embedding").asString()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            assertThat(vector).hasSize(FakeOpenAi.DEFAULT_DIMENSIONS);
            for (JsonNode v : vector.values()) {
                assertThat(decoded.getFloat()).isEqualTo(v.floatValue());
            }

            HttpResponse<String> embed = http.send(
                    post(ollama.baseUri(), "/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":\"hi\"}"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(embed.body()).path("embeddings").get(0)).hasSize(FakeOllama.EMBEDDING_DIMENSIONS);

            HttpResponse<String> none = http.send(
                    post(anthropic.baseUri(), "/v1/embeddings", "{}", "x-api-key", FakeAnthropic.API_KEY),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).isEqualTo(404);
        }
    }
}
