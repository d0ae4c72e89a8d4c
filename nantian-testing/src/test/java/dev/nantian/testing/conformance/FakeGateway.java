package dev.nantian.testing.conformance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process-free stand-in for the gateway's Admin API, just enough to drive the runner: it reports the
 * {@link ConfigRevision} of the config directory only after {@code lag} status polls have seen it (or never, when
 * frozen), and a Gateway whose address is the first echo pod's (so a "route" is the pod itself).
 */
final class FakeGateway implements AutoCloseable {

    private static final Pattern ADDRESS = Pattern.compile("addresses: \\[\"([0-9.]+)\"\\]");

    private final HttpServer server;
    private final Path configDir;
    private final List<String> features;
    private final int lag;
    private final AtomicInteger stalePolls = new AtomicInteger();
    private String served = "";
    private String seen = "";
    private int seenPolls;

    FakeGateway(Path configDir, List<String> features, int lag) throws IOException {
        this.configDir = configDir;
        this.features = List.copyOf(features);
        this.lag = lag;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/v1/features", ex -> reply(ex, featuresJson()));
        server.createContext("/api/v1/status", ex -> reply(ex, statusJson()));
        server.start();
    }

    String adminAddress() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Status polls that got an older revision than the directory's. */
    int stalePolls() {
        return stalePolls.get();
    }

    private String featuresJson() {
        return "{\"features\":[\"" + String.join("\",\"", features) + "\"]}";
    }

    private synchronized String statusJson() throws IOException {
        String current = Files.isDirectory(configDir) ? ConfigRevision.of(configDir) : "";
        if (!current.equals(served)) {
            if (!current.equals(seen)) {
                seen = current;
                seenPolls = 0;
            }
            if (lag >= 0 && ++seenPolls > lag) {
                served = current;
            } else {
                stalePolls.incrementAndGet();
            }
        }
        String address = "";
        Path slices = configDir.resolve("generated/endpointslices.yaml");
        if (Files.isRegularFile(slices)) {
            Matcher m = ADDRESS.matcher(Files.readString(slices));
            if (m.find()) {
                address = m.group(1);
            }
        }
        String condition =
                "{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\",\"observedGeneration\":1}";
        return "{\"revision\":\"" + served + "\",\"errors\":[],\"resources\":["
                + "{\"apiVersion\":\"gateway.networking.k8s.io/v1\",\"kind\":\"Gateway\","
                + "\"namespace\":\"gateway-conformance-infra\",\"name\":\"same-namespace\",\"generation\":1,"
                + "\"status\":{\"addresses\":[{\"type\":\"IPAddress\",\"value\":\"" + address + "\"}],"
                + "\"conditions\":[" + condition + "]}}]}";
    }

    private static void reply(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
