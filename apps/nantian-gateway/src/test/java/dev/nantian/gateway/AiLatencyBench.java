package dev.nantian.gateway;

import dev.nantian.testing.ai.FakeAnthropic;
import dev.nantian.testing.ai.FakeOpenAi;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * On-demand measurement (not a test) of the latency the AI path adds: the packaged gateway jar in its own JVM in front
 * of the fake providers, and one JDK {@link HttpClient} (HTTP/1.1, keep-alive) that sends N sequential non-stream
 * chat completions straight to a fake provider and the same number through the gateway, interleaved so that noise
 * hits both alike. Prints p50/p90/p99/max of each and the differences. Run it with {@code scripts/bench/ai-latency.sh}.
 *
 * <p>Scenarios, each against its own listener of one Gateway:
 *
 * <ul>
 *   <li>{@code proxy}: the gateway as a plain reverse proxy (an HTTPRoute to a Service), the floor for the rest;
 *   <li>{@code openai}: AIService with an OpenAI provider, pass-through (the cheapest AI path);
 *   <li>{@code anthropic}: the same AIService, a {@code claude-*} model: OpenAI request converted to the Messages
 *       API and the answer back (the direct call sends the native Anthropic request);
 *   <li>{@code openai+pii+budget}: another AIService with {@code pii.request: mask} and a TokenPolicy.
 * </ul>
 *
 * <p>Arguments: {@code [requests=5000] [warmup=3000] [jar=apps/nantian-gateway/target/nantian-gateway.jar]}. JVM
 * options for the gateway come from {@code NANTIAN_JAVA_OPTS}.
 */
public final class AiLatencyBench {
    private static final String PROMPT = "Write one sentence about the sea, please.";

    private AiLatencyBench() {}

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        Path jar = Path.of(args.length > 2 ? args[2] : "apps/nantian-gateway/target/nantian-gateway.jar");
        if (!Files.isRegularFile(jar)) {
            System.err.println("build the gateway first: " + jar.toAbsolutePath() + " is missing");
            System.exit(2);
        }
        try (FakeOpenAi openAi = new FakeOpenAi();
                FakeAnthropic anthropic = new FakeAnthropic()) {
            int proxyPort = freePort();
            int aiPort = freePort();
            int fullPort = freePort();
            int adminPort = freePort();
            Path dir = Files.createTempDirectory("nantian-ai-bench");
            Files.writeString(dir.resolve("bench.yaml"), config(openAi, anthropic, proxyPort, aiPort, fullPort));
            Path log = dir.resolve("gateway.log");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            String opts = System.getenv("NANTIAN_JAVA_OPTS");
            if (opts != null && !opts.isBlank()) {
                command.addAll(Arrays.asList(opts.trim().split("\\s+")));
            }
            command.addAll(List.of(
                    "-jar",
                    jar.toString(),
                    "--config-dir",
                    dir.toString(),
                    "--admin-addr",
                    "127.0.0.1:" + adminPort,
                    "--access-log",
                    "off")); // the direct side logs nothing either
            Process gateway = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                HttpClient client = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                awaitReady(client, adminPort, gateway, log);
                System.out.printf(
                        Locale.ROOT,
                        "%d sequential requests per side after %d warm-up, interleaved; JDK %s, %d CPUs%n",
                        requests,
                        warmup,
                        Runtime.version(),
                        Runtime.getRuntime().availableProcessors());
                String openAiBody = openAiBody("gpt-4o-mini");
                HttpRequest direct = HttpRequest.newBuilder(openAi.baseUri().resolve("/v1/chat/completions"))
                        .header("content-type", "application/json")
                        .header("authorization", "Bearer " + FakeOpenAi.API_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(openAiBody))
                        .build();
                run(
                        "proxy",
                        client,
                        direct,
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/v1/chat/completions"))
                                .header("content-type", "application/json")
                                .header("authorization", "Bearer " + FakeOpenAi.API_KEY)
                                .POST(HttpRequest.BodyPublishers.ofString(openAiBody))
                                .build(),
                        requests,
                        warmup);
                run("openai", client, direct, viaGateway(aiPort, openAiBody), requests, warmup);
                HttpRequest directAnthropic = HttpRequest.newBuilder(
                                anthropic.baseUri().resolve("/v1/messages"))
                        .header("content-type", "application/json")
                        .header("x-api-key", FakeAnthropic.API_KEY)
                        .header("anthropic-version", "2023-06-01")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":"
                                + "4096,\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}"))
                        .build();
                run(
                        "anthropic",
                        client,
                        directAnthropic,
                        viaGateway(aiPort, openAiBody("claude-sonnet-4-5")),
                        requests,
                        warmup);
                run("openai+pii+budget", client, direct, viaGateway(fullPort, openAiBody), requests, warmup);
            } finally {
                gateway.destroy();
                if (!gateway.waitFor(10, TimeUnit.SECONDS)) {
                    gateway.destroyForcibly();
                }
            }
            if (Files.readString(log).contains("LEAK:")) {
                System.err.println("the gateway reported a buffer leak: " + log);
                System.exit(1);
            }
        }
    }

    private static HttpRequest viaGateway(int port, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .header("authorization", "Bearer client-token")
                .header("x-user-id", "bench")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static String openAiBody(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
    }

    private static void run(
            String name, HttpClient client, HttpRequest direct, HttpRequest gateway, int requests, int warmup)
            throws IOException, InterruptedException {
        for (int i = 0; i < warmup; i++) {
            call(client, direct);
            call(client, gateway);
        }
        long[] d = new long[requests];
        long[] g = new long[requests];
        for (int i = 0; i < requests; i++) {
            // alternate which goes first, so neither side always follows the other
            if ((i & 1) == 0) {
                d[i] = call(client, direct);
                g[i] = call(client, gateway);
            } else {
                g[i] = call(client, gateway);
                d[i] = call(client, direct);
            }
        }
        Arrays.sort(d);
        Arrays.sort(g);
        System.out.printf(Locale.ROOT, "%n%s%n", name);
        System.out.printf(Locale.ROOT, "  %-8s %9s %9s %9s %9s  (ms)%n", "", "p50", "p90", "p99", "max");
        row("direct", d);
        row("gateway", g);
        System.out.printf(
                Locale.ROOT,
                "  %-8s %9.3f %9.3f %9.3f%n",
                "added",
                ms(pct(g, 0.50) - pct(d, 0.50)),
                ms(pct(g, 0.90) - pct(d, 0.90)),
                ms(pct(g, 0.99) - pct(d, 0.99)));
        System.out.printf(
                Locale.ROOT,
                "  %-8s %9.2f %9.2f %9.2f%n",
                "ratio",
                (double) pct(g, 0.50) / pct(d, 0.50),
                (double) pct(g, 0.90) / pct(d, 0.90),
                (double) pct(g, 0.99) / pct(d, 0.99));
    }

    private static void row(String label, long[] sorted) {
        System.out.printf(
                Locale.ROOT,
                "  %-8s %9.3f %9.3f %9.3f %9.3f%n",
                label,
                ms(pct(sorted, 0.50)),
                ms(pct(sorted, 0.90)),
                ms(pct(sorted, 0.99)),
                ms(sorted[sorted.length - 1]));
    }

    /** Nearest-rank percentile of a sorted array. */
    private static long pct(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    private static long call(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
        long start = System.nanoTime();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        long took = System.nanoTime() - start;
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return took;
    }

    private static void awaitReady(HttpClient client, int adminPort, Process gateway, Path log)
            throws IOException, InterruptedException {
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                .timeout(Duration.ofSeconds(2))
                .build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!gateway.isAlive()) {
                throw new IllegalStateException("the gateway exited:\n" + Files.readString(log));
            }
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new IllegalStateException("the gateway did not become ready:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String config(FakeOpenAi openAi, FakeAnthropic anthropic, int proxyPort, int aiPort, int fullPort) {
        return String.join(
                "\n",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: GatewayClass",
                "metadata: {name: nantian}",
                "spec: {controllerName: gateway.networking.k8s.io/nantian-gw}",
                "---",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: Gateway",
                "metadata: {name: bench, namespace: default}",
                "spec:",
                "  gatewayClassName: nantian",
                "  listeners:",
                "  - {name: proxy, protocol: HTTP, port: " + proxyPort + "}",
                "  - {name: ai, protocol: HTTP, port: " + aiPort + "}",
                "  - {name: full, protocol: HTTP, port: " + fullPort + "}",
                "---",
                "apiVersion: v1",
                "kind: Service",
                "metadata: {name: fake-openai, namespace: default}",
                "spec:",
                "  clusterIP: 127.0.0.1",
                "  ports: [{name: http, port: " + openAi.port() + "}]",
                "---",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: HTTPRoute",
                "metadata: {name: proxy, namespace: default}",
                "spec:",
                "  parentRefs: [{name: bench, sectionName: proxy}]",
                "  rules:",
                "  - backendRefs: [{name: fake-openai, port: " + openAi.port() + "}]",
                "---",
                "apiVersion: v1",
                "kind: Secret",
                "metadata: {name: keys, namespace: default}",
                "stringData: {openai: " + FakeOpenAi.API_KEY + ", anthropic: " + FakeAnthropic.API_KEY + "}",
                "---",
                "apiVersion: gateway.nantian.dev/v1alpha1",
                "kind: AIService",
                "metadata: {name: plain, namespace: default}",
                "spec:",
                "  providers:",
                "  - name: claude",
                "    type: Anthropic",
                "    endpoint: " + anthropic.baseUri(),
                "    auth: {secretRef: {name: keys, key: anthropic}}",
                "    models: [\"claude-*\"]",
                "  - name: openai",
                "    type: OpenAI",
                "    endpoint: " + openAi.baseUri(),
                "    auth: {secretRef: {name: keys, key: openai}}",
                "    models: [\"gpt-*\"]",
                "---",
                "apiVersion: gateway.nantian.dev/v1alpha1",
                "kind: AIService",
                "metadata: {name: full, namespace: default}",
                "spec:",
                "  providers:",
                "  - name: openai",
                "    type: OpenAI",
                "    endpoint: " + openAi.baseUri(),
                "    auth: {secretRef: {name: keys, key: openai}}",
                "  pii: {request: mask}",
                "---",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: HTTPRoute",
                "metadata: {name: ai, namespace: default}",
                "spec:",
                "  parentRefs: [{name: bench, sectionName: ai}]",
                "  rules:",
                "  - backendRefs: [{group: gateway.nantian.dev, kind: AIService, name: plain}]",
                "---",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: HTTPRoute",
                "metadata: {name: full, namespace: default}",
                "spec:",
                "  parentRefs: [{name: bench, sectionName: full}]",
                "  rules:",
                "  - backendRefs: [{group: gateway.nantian.dev, kind: AIService, name: full}]",
                "---",
                "apiVersion: gateway.nantian.dev/v1alpha1",
                "kind: TokenPolicy",
                "metadata: {name: budget, namespace: default}",
                "spec:",
                "  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: full}]",
                "  source: {header: x-user-id}",
                "  limits: [{tokens: 1000000000, window: 1h}]",
                "");
    }
}
