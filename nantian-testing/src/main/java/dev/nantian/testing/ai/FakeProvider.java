package dev.nantian.testing.ai;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;

/**
 * Base of the fake providers: a JDK HTTP server on a free loopback port that records every request and answers
 * with a scripted reply in the provider's exact wire format, streaming included (each event flushed on its own).
 *
 * <p>Failure injection, for fallback and timeout tests; each setting holds until changed and applies to every
 * request that arrives after it:
 *
 * <ul>
 *   <li>{@link #failWith(int)}: answer with that status in the provider's error format;
 *   <li>{@link #delay(Duration)}: wait before answering (the response head comes late);
 *   <li>{@link #dropConnection(boolean)}: close the connection without any response;
 *   <li>{@link #dropStreamAfter(int)}: in a streamed reply, close the connection after that many events, without
 *       the end of the stream.
 * </ul>
 *
 * <p>Thread-safe; one server thread per request. {@link #close()} stops the server and interrupts any delay.
 */
public abstract class FakeProvider implements AutoCloseable {
    /** The mapper the fakes use; immutable. */
    protected static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * A request as the fake received it.
     *
     * @param method the HTTP method
     * @param path the raw path, without query
     * @param headers the headers as the JDK server gives them
     * @param body the body as UTF-8 text
     */
    public record Recorded(String method, String path, Map<String, List<String>> headers, String body) {
        /** The first value of header {@code name} (any case), or {@code null}. */
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        /** The body parsed as JSON. */
        public JsonNode json() {
            return JSON.readTree(body);
        }
    }

    /** Thrown inside a handler to make the JDK server close the connection abruptly. */
    private static final class DropConnection extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DropConnection() {
            super("fake provider drops the connection", null, false, false);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-provider");
        t.setDaemon(true);
        return t;
    });
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** The assistant's answer; subclasses read it per request. */
    protected volatile String replyText = "Hello from the fake provider.";

    /** The status to fail with, or 0. */
    protected volatile int failStatus;

    private volatile Duration delay = Duration.ZERO;
    private volatile boolean dropConnection;
    private volatile int dropStreamAfter = -1;

    /** Starts the server on a free loopback port. */
    protected FakeProvider() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a fake provider on loopback", e);
        }
        server.createContext("/", this::handleRecorded);
        server.setExecutor(executor);
        server.start();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:40123}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The port the fake listens on (loopback). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The text the assistant answers with. */
    public void replyText(String text) {
        this.replyText = requireNonNull(text, "text");
    }

    /** Makes requests fail with {@code status} in the provider's error format (0: succeed again). */
    public void failWith(int status) {
        if (status != 0 && (status < 400 || status > 599)) {
            throw new IllegalArgumentException("failure status must be 4xx or 5xx (or 0): " + status);
        }
        this.failStatus = status;
    }

    /** Waits {@code delay} before answering each request ({@link Duration#ZERO}: answer at once). */
    public void delay(Duration delay) {
        requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        this.delay = delay;
    }

    /** Closes each connection without a response ({@code false}: answer again). */
    public void dropConnection(boolean drop) {
        this.dropConnection = drop;
    }

    /** In streamed replies, closes the connection after {@code events} events ({@code -1}: stream to the end). */
    public void dropStreamAfter(int events) {
        if (events < -1) {
            throw new IllegalArgumentException("events must be >= -1: " + events);
        }
        this.dropStreamAfter = events;
    }

    /** Clears every failure setting: no failure status, delay or dropped connection. */
    public void healthy() {
        failStatus = 0;
        delay = Duration.ZERO;
        dropConnection = false;
        dropStreamAfter = -1;
    }

    /** Every request received so far, in order. */
    public List<Recorded> requests() {
        return requests;
    }

    /** The last request received. */
    public Recorded lastRequest() {
        if (requests.isEmpty()) {
            throw new IllegalStateException("no request received");
        }
        return requests.get(requests.size() - 1);
    }

    private void handleRecorded(HttpExchange exchange) throws IOException {
        // Not try-with-resources: closing the exchange would end a chunked body properly, and a dropped connection
        // must not. Throwing out of the handler makes the JDK server close the connection as it is.
        try {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Recorded recorded = new Recorded(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    Map.copyOf(exchange.getRequestHeaders()),
                    body);
            requests.add(recorded);
            Duration wait = delay;
            if (!wait.isZero()) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait.toNanos()); // simulated provider latency
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DropConnection();
                }
            }
            if (dropConnection) {
                throw new DropConnection();
            }
            handle(exchange, recorded, new Stream(dropStreamAfter));
        } catch (DropConnection e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            exchange.close();
            throw e;
        }
        exchange.close();
    }

    /**
     * Answers one request. Streamed replies write their events through {@code stream}, which applies
     * {@link #dropStreamAfter(int)}.
     */
    protected abstract void handle(HttpExchange exchange, Recorded request, Stream stream) throws IOException;

    /** Sends a whole response. */
    protected static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Splits the reply into word-sized pieces, as providers stream them. */
    protected static List<String> pieces(String text) {
        return List.of(text.split("(?<= )"));
    }

    /**
     * A deterministic embedding of {@code input}: {@code dimensions} values that are exact in 32-bit floats (so the
     * base64 form decodes to the same numbers), different for different inputs.
     */
    protected static float[] embedding(String input, int dimensions) {
        float[] v = new float[dimensions];
        int h = input.hashCode();
        for (int i = 0; i < dimensions; i++) {
            v[i] = ((h >>> (i % 29)) & 7) / 8f - 0.5f;
        }
        return v;
    }

    /** {@code values} as a JSON array. */
    protected static ArrayNode floats(float[] values) {
        ArrayNode array = JSON.createArrayNode();
        for (float f : values) {
            array.add(f);
        }
        return array;
    }

    /** {@code values} as OpenAI's base64 form: little-endian 32-bit floats. */
    protected static String base64(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) {
            bytes.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    /** The input strings of an embeddings request ({@code input}: a string or an array of strings). */
    protected static List<String> inputs(JsonNode input) {
        if (input.isString()) {
            return List.of(input.stringValue());
        }
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (JsonNode n : input.values()) {
            out.add(n.isString() ? n.stringValue() : n.toString());
        }
        return out;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /** The body of a streamed reply: counts events and drops the connection where told to. */
    protected static final class Stream {
        private final int dropAfter;
        private OutputStream out;
        private int events;

        Stream(int dropAfter) {
            this.dropAfter = dropAfter;
        }

        /** Sends the 200 head of a chunked stream of {@code contentType}. */
        public void start(HttpExchange exchange, String contentType) throws IOException {
            exchange.getResponseHeaders().set("content-type", contentType);
            exchange.sendResponseHeaders(200, 0);
            out = exchange.getResponseBody();
        }

        /** Writes and flushes one event (an SSE event or an NDJSON line), or drops the connection instead. */
        public void event(String text) throws IOException {
            if (dropAfter >= 0 && events >= dropAfter) {
                throw new DropConnection(); // the JDK server closes the connection: the chunked body never ends
            }
            events++;
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}
