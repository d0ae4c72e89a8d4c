package dev.nantian.ai.fakes;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Base of the fake providers: a JDK HTTP server on a free loopback port that records every request and answers
 * with a scripted reply in the provider's exact wire format, streaming included (each event flushed on its own).
 */
public abstract class FakeProvider implements AutoCloseable {
    protected static final JsonMapper JSON = JsonMapper.builder().build();

    /** A request as the fake received it. */
    public record Recorded(String method, String path, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        public JsonNode json() {
            return JSON.readTree(body);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    protected volatile String replyText = "Hello from the fake provider.";
    protected volatile int failStatus;

    protected FakeProvider() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/", this::handleRecorded);
        server.setExecutor(executor);
        server.start();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:40123}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The text the assistant answers with. */
    public void replyText(String text) {
        this.replyText = text;
    }

    /** Makes the next requests fail with {@code status} in the provider's error format (0: succeed). */
    public void failWith(int status) {
        this.failStatus = status;
    }

    public List<Recorded> requests() {
        return requests;
    }

    private void handleRecorded(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Recorded recorded = new Recorded(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    Map.copyOf(exchange.getRequestHeaders()),
                    body);
            requests.add(recorded);
            handle(exchange, recorded);
        }
    }

    protected abstract void handle(HttpExchange exchange, Recorded request) throws IOException;

    protected static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Starts a chunked response and returns its stream; write and flush each event. */
    protected static OutputStream startStream(HttpExchange exchange, String contentType) throws IOException {
        exchange.getResponseHeaders().set("content-type", contentType);
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    protected static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Splits the reply into word-sized pieces, as providers stream them. */
    protected static List<String> pieces(String text) {
        return List.of(text.split("(?<= )"));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
