package dev.nantian.ai;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.testing.ExchangeResult;
import dev.nantian.core.filter.testing.FakeResponse;
import dev.nantian.core.filter.testing.FilterChainTester;
import dev.nantian.core.filter.testing.UpstreamRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server that runs a filter chain (with the in-memory {@link FilterChainTester} as host) in front of
 * real provider servers: what the chain sends upstream goes over HTTP to the server behind the selected cluster. The
 * harness buffers each exchange, so streams reach the client whole, but in the exact bytes the filters produced. A
 * provider that cannot be reached (refused or dropped connection) is an upstream failure (503), as in the proxy.
 */
final class SdkHarness implements AutoCloseable {
    private static final Set<String> RESTRICTED = Set.of(
            "host",
            "content-length",
            "connection",
            "upgrade",
            "expect",
            "transfer-encoding",
            "keep-alive",
            "te",
            "trailer",
            "date");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, URI> clusters;

    SdkHarness(FilterChain chain, Map<String, URI> clusters) throws IOException {
        this.clusters = Map.copyOf(clusters);
        FilterChainTester tester = FilterChainTester.builder(chain)
                .upstream(this::forward)
                .timeout(Duration.ofSeconds(20))
                .build();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> serve(tester, exchange));
        server.start();
    }

    /** The OpenAI base URL for SDK clients, ending in {@code /v1}. */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private void serve(FilterChainTester tester, HttpExchange exchange) throws IOException {
        try (exchange) {
            HttpHeaders headers = HttpHeaders.of();
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> headers.add(name, v)));
            HttpRequestHead head = HttpRequestHead.of(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    "127.0.0.1:" + server.getAddress().getPort(),
                    headers);
            byte[] body = exchange.getRequestBody().readAllBytes();
            ExchangeResult result = body.length == 0
                    ? tester.exchange(head)
                    : tester.exchange(head, new String(body, StandardCharsets.UTF_8));
            result.headers().forEach((name, value) -> {
                if (!RESTRICTED.contains(name)) {
                    exchange.getResponseHeaders().add(name, value);
                }
            });
            byte[] out = result.body();
            exchange.sendResponseHeaders(result.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
        }
    }

    /** Sends what the filter chain produced to the server behind the selected cluster, as the proxy would. */
    private FakeResponse forward(UpstreamRequest request) {
        URI base = clusters.get(request.cluster());
        if (base == null) {
            throw new IllegalStateException("no server for cluster " + request.cluster());
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(
                        base.resolve(request.head().path()))
                .method(request.head().method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.head().headers().forEach((name, value) -> {
            if (!RESTRICTED.contains(name)) {
                builder.header(name, value);
            }
        });
        try {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            FakeResponse.Builder fake = FakeResponse.builder(response.statusCode());
            response.headers().map().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                    values.forEach(v -> fake.header(name, v));
                }
            });
            // deliver in pieces that cut events in odd places, as TCP may
            String body = response.body();
            for (int i = 0; i < body.length(); i += 29) {
                fake.chunk(body.substring(i, Math.min(body.length(), i + 29)));
            }
            return fake.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the tester reports it as an upstream failure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
