package dev.nantian.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.nantian.k8s.translate.AddressAllocator;
import dev.nantian.testing.ai.FakeAnthropic;
import dev.nantian.testing.ai.FakeOllama;
import dev.nantian.testing.ai.FakeOpenAi;
import dev.nantian.testing.ai.FakeProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The AI gateway end to end in the standalone gateway: the very configuration of {@code examples/ai/} (its provider
 * endpoints, API key placeholders and listener port rewritten to the fake providers and a free port), served by a
 * {@link StandaloneGateway}, with the official OpenAI Java SDK as the client. A second Gateway on its own port with
 * a tiny TokenPolicy ({@value #METERED_BUDGET} tokens) covers the budget; it is the only thing the test adds.
 */
class AiGatewayIT {
    private static final Path EXAMPLE =
            Path.of("../../examples/ai").toAbsolutePath().normalize();
    private static final long METERED_BUDGET = 60;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static FakeAnthropic anthropic;
    private static FakeOpenAi openAi;
    private static FakeOllama ollama;
    private static final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private static PrintStream originalErr;
    private static PrintStream originalOut;

    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    private StandaloneGateway gateway;
    private OpenAIClient client;
    private int port;
    private int meteredPort;

    @BeforeAll
    static void startProvidersAndCaptureLogs() {
        // AI filter debug lines too (read when their loggers are first created), where a key would most likely leak
        System.setProperty("org.slf4j.simpleLogger.log.dev.nantian.ai", "debug");
        // The gateway logs through slf4j-simple to System.err: keep a copy to check that no API key reaches a log.
        originalErr = System.err;
        originalOut = System.out;
        System.setErr(new PrintStream(new Tee(originalErr, logs), true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new Tee(originalOut, logs), true, StandardCharsets.UTF_8));
        anthropic = new FakeAnthropic();
        openAi = new FakeOpenAi();
        ollama = new FakeOllama();
    }

    @AfterAll
    static void stopProviders() {
        for (FakeProvider p : new FakeProvider[] {anthropic, openAi, ollama}) {
            if (p != null) {
                p.close();
            }
        }
        System.setErr(originalErr);
        System.setOut(originalOut);
        System.clearProperty("org.slf4j.simpleLogger.log.dev.nantian.ai");
    }

    @BeforeEach
    void startGateway() throws IOException {
        port = freePort();
        meteredPort = freePort();
        copyExample(dir);
        Files.writeString(dir.resolve("metered.yaml"), metered());
        gateway = StandaloneGateway.builder(dir)
                .adminAddress(new InetSocketAddress("127.0.0.1", 0))
                .addressAllocator(AddressAllocator.fixed("127.0.0.1"))
                .settleDelay(Duration.ofMillis(100))
                .build();
        gateway.start();
        assertThat(gateway.errors()).as("errors of the example").isEmpty();
        client = sdk(port);
    }

    @AfterEach
    void stopGateway() {
        if (client != null) {
            client.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        for (FakeProvider p : new FakeProvider[] {anthropic, openAi, ollama}) {
            p.healthy();
            p.replyText("Hello from the fake provider.");
            p.requests().clear();
        }
    }

    /**
     * Copies {@code examples/ai/*.yaml} into {@code target}, pointing it at the fakes. Each rewritten line must be in
     * the example exactly once, so an edit of the example that the test no longer covers fails here.
     */
    private void copyExample(Path target) throws IOException {
        Map<String, String> rewrites = Map.of(
                "endpoint: https://api.anthropic.com", "endpoint: " + anthropic.baseUri(),
                "endpoint: https://api.openai.com", "endpoint: " + openAi.baseUri(),
                "endpoint: http://127.0.0.1:11434", "endpoint: " + ollama.baseUri(),
                "REPLACE-WITH-YOUR-ANTHROPIC-API-KEY", FakeAnthropic.API_KEY,
                "REPLACE-WITH-YOUR-OPENAI-API-KEY", FakeOpenAi.API_KEY,
                "port: 8080", "port: " + port);
        Map<String, Integer> seen = new java.util.HashMap<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(EXAMPLE)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
        }
        assertThat(files).as("YAML files in %s", EXAMPLE).isNotEmpty();
        for (Path file : files) {
            String text = Files.readString(file);
            for (Map.Entry<String, String> r : rewrites.entrySet()) {
                int count = text.split(java.util.regex.Pattern.quote(r.getKey()), -1).length - 1;
                seen.merge(r.getKey(), count, Integer::sum);
                text = text.replace(r.getKey(), r.getValue());
            }
            Files.writeString(target.resolve(file.getFileName()), text);
        }
        for (String key : rewrites.keySet()) {
            assertThat(seen.get(key))
                    .as("occurrences of '%s' in %s", key, EXAMPLE)
                    .isEqualTo(1);
        }
    }

    /** A second Gateway whose route to the example's AIService has a budget a few requests spend. */
    private String metered() {
        return String.join(
                "\n",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: Gateway",
                "metadata: {name: metered, namespace: default}",
                "spec:",
                "  gatewayClassName: nantian",
                "  listeners:",
                "  - {name: http, protocol: HTTP, port: " + meteredPort + "}",
                "---",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: HTTPRoute",
                "metadata: {name: metered, namespace: default}",
                "spec:",
                "  parentRefs: [{name: metered}]",
                "  rules:",
                "  - backendRefs: [{group: gateway.nantian.dev, kind: AIService, name: chat}]",
                "---",
                "apiVersion: gateway.nantian.dev/v1alpha1",
                "kind: TokenPolicy",
                "metadata: {name: tight, namespace: default}",
                "spec:",
                "  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: metered}]",
                "  limits: [{tokens: " + METERED_BUDGET + ", window: 1h}]",
                "");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static OpenAIClient sdk(int port) {
        return OpenAIOkHttpClient.builder()
                .apiKey("client-token")
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .maxRetries(0) // the SDK would retry 429 and 5xx; these tests look at each answer
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    private static ChatCompletionCreateParams chat(String model, String prompt) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage(prompt)
                .build();
    }

    private String complete(String model, String prompt) {
        ChatCompletion completion = client.chat().completions().create(chat(model, prompt));
        return completion.choices().get(0).message().content().orElse("");
    }

    private String stream(String model, String prompt) {
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(chat(model, prompt))) {
            return stream.stream()
                    .flatMap(c -> c.choices().stream())
                    .map(choice -> choice.delta().content().orElse(""))
                    .collect(Collectors.joining());
        }
    }

    private HttpResponse<String> post(int toPort, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + toPort + path))
                        .header("content-type", "application/json")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + gateway.adminAddress().getPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String chatBody(String model, String prompt, boolean stream) {
        return JSON.createObjectNode()
                .put("model", model)
                .put("stream", stream)
                .set(
                        "messages",
                        JSON.createArrayNode()
                                .add(JSON.createObjectNode().put("role", "user").put("content", prompt)))
                .toString();
    }

    @Test
    void everyObjectOfTheExampleIsAcceptedAndResolved() throws Exception {
        JsonNode status = JSON.readTree(admin("/api/v1/status").body());
        assertThat(status.path("errors").isEmpty()).as("errors in %s", status).isTrue();
        List<String> kinds = new ArrayList<>();
        for (JsonNode r : status.path("resources")) {
            kinds.add(r.path("kind").asString() + " " + r.path("name").asString());
            List<JsonNode> all = new ArrayList<>();
            r.path("status").path("conditions").forEach(all::add);
            r.path("status").path("listeners").forEach(l -> l.path("conditions").forEach(all::add));
            r.path("status").path("parents").forEach(p -> p.path("conditions").forEach(all::add));
            r.path("status").path("ancestors").forEach(a -> a.path("conditions").forEach(all::add));
            assertThat(all).as("conditions of %s", r).isNotEmpty();
            for (JsonNode c : all) {
                // every condition is positive except Conflicted, which is negative when all is well
                String expected = c.path("type").asString().equals("Conflicted") ? "False" : "True";
                assertThat(c.path("status").asString())
                        .as("%s of %s %s: %s", c.path("type"), r.path("kind"), r.path("name"), c.path("message"))
                        .isEqualTo(expected);
            }
        }
        assertThat(kinds).contains("AIService chat", "TokenPolicy per-user", "HTTPRoute ai", "Gateway ai");
    }

    @Test
    void anthropicAnswersOpenAiCallsAndStreamsThroughTheConversion() {
        anthropic.replyText("Bonjour from Claude.");

        assertThat(complete("claude-sonnet-4-5", "Say hello")).isEqualTo("Bonjour from Claude.");
        assertThat(stream("claude-sonnet-4-5", "Say hello")).isEqualTo("Bonjour from Claude.");

        assertThat(anthropic.requests()).hasSize(2);
        FakeProvider.Recorded last = anthropic.lastRequest();
        assertThat(last.path()).isEqualTo("/v1/messages");
        assertThat(last.header("x-api-key")).isEqualTo(FakeAnthropic.API_KEY);
        assertThat(last.header("authorization"))
                .as("the client's own token is not forwarded")
                .isNull();
        JsonNode sent = last.json();
        assertThat(sent.path("model").asString()).isEqualTo("claude-sonnet-4-5");
        assertThat(sent.path("stream").asBoolean()).isTrue();
        assertThat(sent.path("max_tokens").isIntegralNumber())
                .as("max_tokens defaulted")
                .isTrue();
        assertThat(openAi.requests()).isEmpty();
        assertThat(ollama.requests()).isEmpty();
    }

    @Test
    void gptModelsGoToOpenAiByGlobWithTheKeyFromTheSecret() {
        openAi.replyText("Straight from OpenAI.");

        assertThat(complete("gpt-4o", "Say hello")).isEqualTo("Straight from OpenAI.");
        assertThat(stream("gpt-4o", "Say hello")).isEqualTo("Straight from OpenAI.");

        FakeProvider.Recorded last = openAi.lastRequest();
        assertThat(last.path()).isEqualTo("/v1/chat/completions");
        assertThat(last.json().path("model").asString()).isEqualTo("gpt-4o");
        assertThat(last.header("authorization")).isEqualTo("Bearer " + FakeOpenAi.API_KEY);
        assertThat(anthropic.requests()).isEmpty();
        assertThat(ollama.requests()).isEmpty();
    }

    @Test
    void failingProvidersFallBackToTheLocalModel() {
        ollama.replyText("Local llama here.");
        anthropic.failWith(529);

        assertThat(complete("claude-sonnet-4-5", "Say hello")).isEqualTo("Local llama here.");
        assertThat(stream("claude-sonnet-4-5", "Say hello")).isEqualTo("Local llama here.");
        assertThat(anthropic.requests()).hasSize(2);
        assertThat(ollama.lastRequest().path()).isEqualTo("/api/chat");
        assertThat(ollama.lastRequest().json().path("model").asString()).isEqualTo("llama3.2");

        openAi.failWith(500);
        assertThat(complete("gpt-4o-mini", "Say hello")).isEqualTo("Local llama here.");
        assertThat(openAi.requests()).hasSize(1);
        assertThat(ollama.requests()).hasSize(3);
    }

    @Test
    void anExhaustedBudgetAnswers429WithRetryAfterAndTheProviderIsNotCalled() throws IOException {
        OpenAIClient meteredClient = sdk(meteredPort);
        try {
            int served = 0;
            RateLimitException denied = null;
            for (int i = 0; i < 20 && denied == null; i++) {
                int before = openAi.requests().size();
                try {
                    meteredClient.chat().completions().create(chat("gpt-4o", "Say hello"));
                    served++;
                    assertThat(openAi.requests()).hasSize(before + 1);
                } catch (RateLimitException e) {
                    denied = e;
                    assertThat(openAi.requests())
                            .as("provider calls after the 429")
                            .hasSize(before);
                }
            }
            assertThat(served).as("requests served within the budget").isPositive();
            assertThat(denied)
                    .as("a 429 once %s tokens are spent", METERED_BUDGET)
                    .isNotNull();
            assertThat(denied.statusCode()).isEqualTo(429);
            assertThat(denied.headers().values("retry-after"))
                    .singleElement()
                    .satisfies(v -> assertThat(Long.parseLong(v)).isBetween(1L, 3600L));
            assertThat(denied.headers().values("x-ratelimit-limit-tokens")).containsExactly("60");
            assertThat(denied.getMessage()).contains("default/tight");

            // The example's route has its own, larger budget: it still serves.
            assertThat(complete("gpt-4o", "Say hello")).isNotEmpty();

            // A reload keeps what was spent: budgets live across configuration snapshots.
            String revision = gateway.servingRevision();
            Path service = dir.resolve("aiservice.yaml");
            Files.writeString(service, Files.readString(service).replace("timeout: 60s", "timeout: 59s"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !gateway.servingRevision().equals(revision));
            int calls = openAi.requests().size();
            assertThatThrownBy(() -> meteredClient.chat().completions().create(chat("gpt-4o", "Say hello")))
                    .isInstanceOf(RateLimitException.class);
            assertThat(openAi.requests()).hasSize(calls);
        } finally {
            meteredClient.close();
        }
    }

    @Test
    void aKeyRotatedInTheSecretIsUsedWithoutARestart() throws Exception {
        Path secrets = dir.resolve("secrets.yaml");
        String original = Files.readString(secrets);
        Files.writeString(secrets, original.replace(FakeOpenAi.API_KEY, "sk-revoked-0123456789"));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> post(port, "/v1/chat/completions", chatBody("gpt-4o", "hi", false))
                                .statusCode()
                        == 401);
        assertThat(openAi.lastRequest().header("authorization")).isEqualTo("Bearer sk-revoked-0123456789");

        Files.writeString(secrets, original);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> post(port, "/v1/chat/completions", chatBody("gpt-4o", "hi", false))
                                .statusCode()
                        == 200);
    }

    @Test
    void modelsListsTheNamesTheProvidersServeExactly() {
        List<String> ids =
                client.models().list().data().stream().map(m -> m.id()).collect(Collectors.toList());
        // the example names models by globs, except the local provider's stand-ins
        assertThat(ids).contains("claude-sonnet-4-5", "gpt-4o-mini");
        assertThat(anthropic.requests()).isEmpty();
        assertThat(openAi.requests()).isEmpty();
        assertThat(ollama.requests()).isEmpty();
    }

    @Test
    void personalDataIsMaskedBeforeItReachesTheProvider() {
        complete("gpt-4o", "Mail alice@example.com, card 4111 1111 1111 1111, from 10.1.2.3");

        String sent = openAi.lastRequest()
                .json()
                .path("messages")
                .get(0)
                .path("content")
                .asString();
        assertThat(sent)
                .doesNotContain("alice@example.com", "4111 1111 1111 1111", "10.1.2.3")
                .contains("Mail [EMAIL]", "[CREDIT_CARD]", "[IP_ADDRESS]");
    }

    @Test
    void embeddingsGoToOpenAiAndOllama() {
        CreateEmbeddingResponse fromOpenAi = client.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("text-embedding-3-small")
                        .input("the quick brown fox")
                        .build());
        assertThat(fromOpenAi.data().get(0).embedding()).hasSize(FakeOpenAi.DEFAULT_DIMENSIONS);
        assertThat(openAi.lastRequest().path()).isEqualTo("/v1/embeddings");

        CreateEmbeddingResponse fromOllama = client.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("nomic-embed-text")
                        .input("the quick brown fox")
                        .build());
        assertThat(fromOllama.data().get(0).embedding()).hasSize(FakeOllama.EMBEDDING_DIMENSIONS);
        assertThat(ollama.lastRequest().path()).isEqualTo("/api/embed");
    }

    @Test
    void apiKeysNeverReachResponsesAdminOutputOrLogs() throws Exception {
        List<String> outputs = new ArrayList<>();
        outputs.add(post(port, "/v1/chat/completions", chatBody("claude-sonnet-4-5", "hi", false))
                .body());
        outputs.add(post(port, "/v1/chat/completions", chatBody("gpt-4o", "hi", true))
                .body());
        // provider errors, as the gateway maps them
        anthropic.failWith(429);
        ollama.failWith(500);
        HttpResponse<String> failed = post(port, "/v1/chat/completions", chatBody("claude-sonnet-4-5", "hi", false));
        assertThat(failed.statusCode()).isGreaterThanOrEqualTo(400);
        outputs.add(failed.body());
        outputs.add(failed.headers().map().toString());
        anthropic.failWith(0);
        openAi.failWith(401);
        outputs.add(post(port, "/v1/chat/completions", chatBody("gpt-4o", "hi", false))
                .body());
        for (String path : List.of(
                "/api/v1/config", "/api/v1/status", "/api/v1/config/version", "/api/v1/backends/health", "/metrics")) {
            HttpResponse<String> response = admin(path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            outputs.add(response.body());
        }
        assertThat(outputs.get(outputs.size() - 5))
                .as("the admin config names the provider clusters")
                .contains("ai/default/chat/claude");
        String logged = logs.toString(StandardCharsets.UTF_8);
        assertThat(logged).as("the captured log").contains("serving");
        outputs.add(logged);

        for (String output : outputs) {
            assertThat(output).doesNotContain(FakeAnthropic.API_KEY).doesNotContain(FakeOpenAi.API_KEY);
        }
    }

    @Test
    void genAiMetricsAreServedOnTheAdminApi() throws Exception {
        anthropic.replyText("Four words of answer.");
        complete("claude-sonnet-4-5", "Say hello");
        stream("claude-sonnet-4-5", "Say hello");

        String metrics = admin("/metrics").body();
        assertThat(metrics)
                .contains("gen_ai_client_token_usage", "gen_ai_server_request_duration", "gen_ai_client_operation")
                .contains("gen_ai_server_time_to_first_token")
                .contains("gen_ai_request_model=\"claude-sonnet-4-5\"", "nantian_ai_provider=\"claude\"");
        assertThat(metrics.lines()
                        .filter(l -> l.startsWith("gen_ai_client_token_usage")
                                && l.contains("gen_ai_token_type=\"output\"")
                                && l.contains("_count"))
                        .collect(Collectors.toList()))
                .as("output token counts")
                .isNotEmpty();
    }

    @Test
    void anAiServiceEditHotReloads() throws Exception {
        HttpResponse<String> before = post(port, "/v1/chat/completions", chatBody("house-model", "hi", false));
        assertThat(before.statusCode()).isBetween(400, 499);
        assertThat(ollama.requests()).isEmpty();

        Path service = dir.resolve("aiservice.yaml");
        String text = Files.readString(service);
        String edited = text.replace("modelMap: {", "modelMap: {house-model: llama3.2, ");
        assertThat(edited).isNotEqualTo(text);
        Files.writeString(service, edited);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> post(port, "/v1/chat/completions", chatBody("house-model", "hi", false))
                                .statusCode()
                        == 200);
        assertThat(ollama.lastRequest().json().path("model").asString()).isEqualTo("llama3.2");
        assertThat(gateway.errors()).isEmpty();
        assertThat(admin("/api/v1/status").body())
                .contains("\"kind\":\"AIService\",\"namespace\":\"default\"," + "\"name\":\"chat\",\"generation\":2");
    }

    @Test
    void anInvalidAiServiceIsReportedWhileTheRestKeepsServing() throws Exception {
        Files.writeString(
                dir.resolve("broken.yaml"),
                String.join(
                        "\n",
                        "apiVersion: gateway.nantian.dev/v1alpha1",
                        "kind: AIService",
                        "metadata: {name: broken, namespace: default}",
                        "spec:",
                        "  providers:",
                        "  - {name: gemini, type: Gemini, endpoint: \"http://127.0.0.1:1\"}",
                        ""));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> admin("/api/v1/status").body().contains("\"name\":\"broken\""));
        JsonNode status = JSON.readTree(admin("/api/v1/status").body());
        JsonNode broken = null;
        for (JsonNode r : status.path("resources")) {
            if (r.path("kind").asString().equals("AIService")
                    && r.path("name").asString().equals("broken")) {
                broken = r;
            }
        }
        assertThat(broken).as("status of AIService broken").isNotNull();
        JsonNode accepted = null;
        for (JsonNode c : broken.path("status").path("conditions")) {
            if (c.path("type").asString().equals("Accepted")) {
                accepted = c;
            }
        }
        assertThat(accepted).as("Accepted condition in %s", broken).isNotNull();
        assertThat(accepted.path("status").asString()).isEqualTo("False");
        assertThat(accepted.path("message").asString()).contains("Gemini");

        assertThat(complete("gpt-4o", "Say hello")).isNotEmpty();
        assertThat(gateway.errors()).isEmpty();
        assertThat(gateway.servingRevision()).isEqualTo(ConfigRevision.of(dir));
    }

    @Test
    void unknownModelsGetAnOpenAiErrorFromTheGateway() {
        assertThatThrownBy(() -> complete("mistral-large", "Say hello"))
                .isInstanceOf(com.openai.errors.OpenAIServiceException.class)
                .satisfies(e -> assertThat(((com.openai.errors.OpenAIServiceException) e).statusCode())
                        .isBetween(400, 499));
        assertThat(anthropic.requests()).isEmpty();
        assertThat(openAi.requests()).isEmpty();
        assertThat(ollama.requests()).isEmpty();
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            a.flush();
        }
    }
}
