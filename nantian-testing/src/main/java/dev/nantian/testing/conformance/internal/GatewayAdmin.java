package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The runner's view of the gateway's Admin API: {@code GET /api/v1/status} and {@code GET /api/v1/features}. Plain
 * HTTP/1.1 with the JDK client (no Host games needed here). Thread-safe.
 */
public final class GatewayAdmin implements AutoCloseable {

    private final HttpClient client;
    private final URI base;
    private final Duration timeout;

    /** @param adminAddress {@code host:port} of the Admin API */
    public GatewayAdmin(String adminAddress, Duration timeout) {
        requireNonNull(adminAddress, "adminAddress");
        this.base = URI.create("http://" + adminAddress);
        this.timeout = requireNonNull(timeout, "timeout");
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    /**
     * The current status document.
     *
     * @throws IOException when the Admin API is unreachable or answers with something else
     */
    public StatusSnapshot status() throws IOException, InterruptedException {
        try {
            return StatusSnapshot.parse(get("/api/v1/status"));
        } catch (IllegalArgumentException e) {
            throw new IOException("GET /api/v1/status: " + e.getMessage(), e);
        }
    }

    /**
     * The features the gateway declares.
     *
     * @throws IOException when the Admin API is unreachable or answers with something else
     */
    public List<String> features() throws IOException, InterruptedException {
        JsonNode doc = get("/api/v1/features");
        if (!doc.path("features").isArray()) {
            throw new IOException("GET /api/v1/features: no \"features\" array in " + doc);
        }
        return Json.strings(doc, "features");
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = client.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .timeout(timeout)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + ": status " + response.statusCode());
        }
        try {
            return Json.JSON.readTree(response.body());
        } catch (JacksonException e) {
            throw new IOException("GET " + path + ": not JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public void close() {
        // HttpClient is AutoCloseable only from Java 21; its threads are daemons and die with it otherwise.
        if (client instanceof AutoCloseable) {
            try {
                ((AutoCloseable) client).close();
            } catch (Exception e) {
                // Closing an idle client cannot fail in a way the runner could act on.
            }
        }
    }
}
