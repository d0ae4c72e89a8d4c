package dev.nantian.core.admin;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP endpoint: JSON handlers by exact path, plus {@code /healthz} (always 200 while running) and
 * {@code /readyz} (200 once the readiness check passes, 503 before). With a bearer token set, every other path
 * needs {@code Authorization: Bearer <token>}; health and readiness stay open for probes.
 *
 * <pre>{@code
 * try (AdminServer admin = AdminServer.builder(new InetSocketAddress("127.0.0.1", 8082))
 *         .route("/api/v1/config/version", req -> AdminResponse.json(Map.of("version", current())))
 *         .readiness(() -> firstConfigApplied)
 *         .build()) {
 *     admin.start().toCompletableFuture().join();
 *     ...
 * }
 * }</pre>
 *
 * <p>Handlers run on the server's own small thread pool, never on data-plane event loops.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final InetSocketAddress bindAddress;
    private final Map<String, AdminHandler> routes;
    private final BooleanSupplier readiness;
    private final String bearerToken;
    private final Path bearerTokenFile;
    private final SSLContext sslContext;
    private final int threads;
    private final AtomicBoolean closed = new AtomicBoolean();
    private HttpServer server;
    private ExecutorService executor;

    private AdminServer(Builder b) {
        this.bindAddress = b.bindAddress;
        this.routes = Map.copyOf(b.routes);
        this.readiness = b.readiness;
        this.bearerToken = b.bearerToken;
        this.bearerTokenFile = b.bearerTokenFile;
        this.sslContext = b.sslContext;
        this.threads = b.threads;
    }

    /** Starts a builder for a server bound to {@code bindAddress} (port 0 picks a free port). */
    public static Builder builder(InetSocketAddress bindAddress) {
        return new Builder(bindAddress);
    }

    /**
     * Binds and starts serving.
     *
     * @return completes with the bound address, or exceptionally if binding failed
     */
    public synchronized CompletionStage<InetSocketAddress> start() {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("admin server is closed"));
        }
        if (server != null) {
            return CompletableFuture.completedFuture(server.getAddress());
        }
        try {
            HttpServer s;
            if (sslContext != null) {
                HttpsServer https = HttpsServer.create(bindAddress, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(sslContext));
                s = https;
            } else {
                s = HttpServer.create(bindAddress, 64);
            }
            AtomicInteger n = new AtomicInteger();
            executor = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "nantian-admin-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            s.setExecutor(executor);
            s.createContext("/", this::serve);
            s.start();
            server = s;
            log.info("admin API listening on {}", s.getAddress());
            return CompletableFuture.completedFuture(s.getAddress());
        } catch (IOException | RuntimeException e) {
            if (executor != null) {
                executor.shutdownNow();
            }
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The bound address; only valid after {@link #start()} succeeded. */
    public synchronized InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("admin server is not started");
        }
        return server.getAddress();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange;
                InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
            String path = exchange.getRequestURI().getRawPath();
            AdminResponse response;
            if (path.equals("/healthz")) {
                response = AdminResponse.text("ok\n");
            } else if (path.equals("/readyz")) {
                response = readiness.getAsBoolean()
                        ? AdminResponse.text("ready\n")
                        : new AdminResponse(503, "text/plain; charset=utf-8", "not ready\n");
            } else if (!authorized(exchange)) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                response = AdminResponse.error(401, "missing or wrong bearer token");
            } else {
                AdminHandler handler = routes.get(path);
                if (handler == null) {
                    response = AdminResponse.error(404, "no such admin path: " + path);
                } else if (!exchange.getRequestMethod().equals("GET")
                        && !exchange.getRequestMethod().equals("HEAD")) {
                    exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                    response = AdminResponse.error(405, "admin API is read-only");
                } else {
                    response = invoke(handler, exchange, path);
                }
            }
            send(exchange, response);
        }
    }

    private static AdminResponse invoke(AdminHandler handler, HttpExchange exchange, String path) {
        try {
            return handler.handle(new AdminRequest(
                    exchange.getRequestMethod(),
                    path,
                    query(exchange.getRequestURI().getRawQuery())));
        } catch (RuntimeException e) {
            log.warn("admin handler for {} failed", path, e);
            return AdminResponse.error(500, "internal error");
        }
    }

    private static void send(HttpExchange exchange, AdminResponse response) throws IOException {
        byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(response.status(), head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private boolean authorized(HttpExchange exchange) {
        String expected = currentToken();
        if (expected == null) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        // Constant-time comparison: the token must not leak through response timing.
        return MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.UTF_8));
    }

    /** The token file is read per request so that a rotated token takes effect without a restart. */
    private String currentToken() {
        if (bearerTokenFile != null) {
            try {
                return Files.readString(bearerTokenFile, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read admin bearer token file " + bearerTokenFile, e);
            }
        }
        return bearerToken;
    }

    private static Map<String, String> query(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new HashMap<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    /** Stops serving at once and releases the port. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /** Builds {@link AdminServer}s. */
    public static final class Builder {
        private final InetSocketAddress bindAddress;
        private final Map<String, AdminHandler> routes = new LinkedHashMap<>();
        private BooleanSupplier readiness = () -> true;
        private String bearerToken;
        private Path bearerTokenFile;
        private SSLContext sslContext;
        private int threads = 2;

        private Builder(InetSocketAddress bindAddress) {
            this.bindAddress = requireNonNull(bindAddress, "bindAddress");
        }

        /** Serves {@code path} (exact, without query) with {@code handler}. */
        public Builder route(String path, AdminHandler handler) {
            requireNonNull(path, "path");
            requireNonNull(handler, "handler");
            if (path.equals("/healthz") || path.equals("/readyz")) {
                throw new IllegalArgumentException(path + " is built in");
            }
            if (routes.putIfAbsent(path, handler) != null) {
                throw new IllegalArgumentException("duplicate admin path " + path);
            }
            return this;
        }

        /** What {@code /readyz} reports; ready by default. */
        public Builder readiness(BooleanSupplier readiness) {
            this.readiness = requireNonNull(readiness, "readiness");
            return this;
        }

        /** Requires this bearer token on every path but health and readiness. */
        public Builder bearerToken(String token) {
            this.bearerToken = requireNonNull(token, "token");
            this.bearerTokenFile = null;
            return this;
        }

        /** Like {@link #bearerToken(String)}, read from a file on every request so it can rotate. */
        public Builder bearerTokenFile(Path file) {
            this.bearerTokenFile = requireNonNull(file, "file");
            this.bearerToken = null;
            return this;
        }

        /** Serves HTTPS with this context. */
        public Builder tls(SSLContext sslContext) {
            this.sslContext = requireNonNull(sslContext, "sslContext");
            return this;
        }

        /** Handler threads, 2 by default. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1");
            }
            this.threads = threads;
            return this;
        }

        public AdminServer build() {
            return new AdminServer(this);
        }
    }
}
