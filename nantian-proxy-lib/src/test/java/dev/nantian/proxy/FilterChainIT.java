package dev.nantian.proxy;

import static dev.nantian.proxy.Fixtures.cluster;
import static dev.nantian.proxy.Fixtures.forward;
import static dev.nantian.proxy.Fixtures.prefix;
import static dev.nantian.proxy.TestFilters.GROUP;
import static dev.nantian.proxy.TestFilters.config;
import static dev.nantian.proxy.TestFilters.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.model.Backend;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpHeader;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.PathModifier;
import dev.nantian.core.model.RetryPolicy;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.Timeouts;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Extension filters on the proxy over real sockets: HTTP/1.1 and h2c clients, in-test HTTP/1.1, h2c and streaming
 * backends, and the small filters of {@link TestFilters}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FilterChainIT {
    private final TestFilters filters = new TestFilters();
    private TestBackend a;
    private TestBackend b;
    private TestBackend h2;
    private HttpServer stream;
    private ExecutorService streamThreads;
    private final AtomicInteger streamAborted = new AtomicInteger();
    private NantianProxy proxy;
    private int port;
    private int dead;
    private Path accessLog;
    private HttpClient client;
    private EventLoopGroup clientGroup;

    @BeforeAll
    void start() throws Exception {
        a = TestBackend.http1("a");
        b = TestBackend.http1("b");
        h2 = TestBackend.h2c("h2");
        startStreamingBackend();
        int[] ports = Fixtures.freePorts(2);
        port = ports[0];
        dead = ports[1];
        accessLog = Files.createTempDirectory("filter-chain-it").resolve("access.log");
        proxy = NantianProxy.builder()
                .eventLoopThreads(2)
                .preferNativeTransport(!Boolean.getBoolean("nantian.test.nio"))
                .drainTimeout(Duration.ofSeconds(2))
                .filterRegistry(filters.registry())
                .accessLog(AccessLogSettings.builder()
                        .path(accessLog)
                        .format("%STATUS% %ROUTE% tag=%FIELD(test.tag)% none=%FIELD(none)%")
                        .sampleRate(1.0)
                        .build())
                .initialSnapshot(snapshot("v1"))
                .build();
        proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    /** {@code /sse?n=N&delay=MS}: N server-sent events, flushed one by one, MS apart; counts clients that left. */
    private void startStreamingBackend() throws IOException {
        streamThreads = Executors.newCachedThreadPool();
        stream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stream.setExecutor(streamThreads);
        stream.createContext("/", exchange -> {
            Map<String, String> q = new java.util.HashMap<>();
            String query = exchange.getRequestURI().getQuery();
            if (query != null) {
                for (String kv : query.split("&")) {
                    String[] p = kv.split("=", 2);
                    q.put(p[0], p.length > 1 ? p[1] : "");
                }
            }
            int n = Integer.parseInt(q.getOrDefault("n", "3"));
            long delay = Long.parseLong(q.getOrDefault("delay", "10"));
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0); // chunked
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < n; i++) {
                    out.write(("data: event " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(delay);
                }
            } catch (IOException e) {
                streamAborted.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stream.start();
    }

    private ConfigSnapshot snapshot(String version) {
        HeaderModifier builtin = new HeaderModifier(List.of(new HttpHeader("x-builtin", "1")), List.of(), List.of());
        List<HttpRoute> routes = new ArrayList<>();
        routes.add(route("hdr", "/hdr", "a", ref("AddHeader", "hdr"), new RouteFilter.RequestHeaderModifier(builtin)));
        routes.add(route("h2up", "/h2up", "h2", ref("AddHeader", "hdr")));
        routes.add(route("replace", "/replace", "a", ref("ReplaceBody", "replace")));
        routes.add(route("deny", "/deny", "a", ref("AddHeader", "hdr"), ref("Deny", "deny")));
        routes.add(route("select", "/select", "a", ref("Select", "to-b")));
        routes.add(prefix(
                        "extbackend",
                        "/extbackend",
                        new RouteAction.Forward(
                                List.of(new Backend.ExtensionBackend(GROUP, "Select", "test", "to-b", 1, List.of()))))
                .build());
        routes.add(route("upper", "/upper", "a", ref("Upper", "upper")));
        routes.add(route("sse", "/sse", "stream", ref("Upper", "upper")));
        routes.add(route("await", "/await", "a", ref("Await", "await")));
        routes.add(route("callout", "/callout", "a", ref("Callout", "callout-b")));
        routes.add(route("fallback", "/fallback", "a", ref("Fallback", "to-b")));
        routes.add(route("fallback-dead", "/fallback-dead", "dead", ref("Fallback", "to-b")));
        routes.add(route("dead", "/dead", "dead", ref("AddHeader", "hdr")));
        routes.add(route("slow", "/slow", "stream", ref("Tag", "slow"), ref("Upper", "upper")));
        routes.add(route("tag", "/tag", "a", ref("Tag", "t1")));
        routes.add(route("plain", "/plain", "a"));
        routes.add(route("ws", "/ws", "a", ref("AddHeader", "hdr"), ref("Tag", "ws")));
        routes.add(route("upgrade-deny", "/upgrade-deny", "a", ref("AddHeader", "hdr"), ref("Deny", "forbid")));
        routes.add(route("upgrade-dead", "/upgrade-dead", "dead", ref("AddHeader", "hdr")));
        routes.add(prefix("upgrade-refused", "/upgrade-refused", forward("a"))
                .filters(List.of(
                        ref("AddHeader", "hdr"),
                        new RouteFilter.UrlRewrite(
                                Optional.empty(), Optional.of(new PathModifier.ReplaceFullPath("/status/404")))))
                .build());
        routes.add(prefix("timeout", "/timeout", forward("a"))
                .filters(List.of(
                        ref("AddHeader", "hdr"),
                        new RouteFilter.UrlRewrite(
                                Optional.empty(), Optional.of(new PathModifier.ReplaceFullPath("/delay/1500")))))
                .timeouts(new Timeouts(Optional.of(Duration.ofMillis(300)), Optional.empty()))
                .build());
        routes.add(prefix("retry", "/retry", forward("a"))
                .filters(List.of(ref("AddHeader", "hdr")))
                .retry(new RetryPolicy(List.of(503), 2, Optional.of(Duration.ofMillis(10))))
                .build());
        routes.add(route(
                "mirror",
                "/mirror",
                "a",
                ref("ReplaceBody", "replace"),
                new RouteFilter.RequestMirror("b", Optional.empty())));
        return ConfigSnapshot.builder(version)
                .addCluster(cluster("a", a.port()))
                .addCluster(cluster("b", b.port()))
                .addCluster(cluster("h2", UpstreamProtocol.H2C, h2.port()))
                .addCluster(cluster("stream", stream.getAddress().getPort()))
                .addCluster(cluster("dead", dead))
                .addExtension(config(
                        "AddHeader",
                        "hdr",
                        Map.of("request", Map.of("x-ext", "on"), "response", Map.of("x-ext-resp", "yes"))))
                .addExtension(config("ReplaceBody", "replace", Map.of()))
                .addExtension(config("Deny", "deny", Map.of()))
                .addExtension(config("Deny", "forbid", Map.of("status", 403)))
                .addExtension(config("Select", "to-b", Map.of("cluster", "b")))
                .addExtension(config("Upper", "upper", Map.of()))
                .addExtension(config("Await", "await", Map.of()))
                .addExtension(config("Callout", "callout-b", Map.of("cluster", "b")))
                .addExtension(config("Fallback", "to-b", Map.of("to", "b")))
                .addExtension(config("Tag", "slow", Map.of("value", "slow")))
                .addExtension(config("Tag", "t1", Map.of("value", "t1")))
                .addExtension(config("Tag", "ws", Map.of("value", "ws")))
                .addListener(Fixtures.httpListener("http", port, routes))
                .build();
    }

    private static HttpRoute route(String name, String path, String cluster, RouteFilter... routeFilters) {
        return prefix(name, path, forward(cluster))
                .filters(List.of(routeFilters))
                .build();
    }

    @AfterAll
    void stop() {
        proxy.close();
        a.close();
        b.close();
        h2.close();
        stream.stop(0);
        streamThreads.shutdownNow();
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void headerFilterRewritesRequestAndResponseOnHttp11() throws Exception {
        HttpResponse<String> r = get("/hdr/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("a GET /hdr/x").contains("x-ext: on").contains("x-builtin: 1");
        assertThat(r.headers().firstValue("x-ext-resp")).hasValue("yes");
        assertThat(r.headers().firstValue("x-backend")).hasValue("a");
    }

    @Test
    void headerFilterRunsForH2cClientsAndH2cBackends() throws Exception {
        try (H2Client h2client = H2Client.connect(clientGroup, "127.0.0.1", port)) {
            H2Client.Response down = h2client.send(h2Get("/hdr/h2"));
            assertThat(down.status()).isEqualTo(200);
            assertThat(down.body()).startsWith("a GET /hdr/h2").contains("x-ext: on");
            H2Client.Response both = h2client.send(h2Get("/h2up/x"));
            assertThat(both.status()).isEqualTo(200);
            assertThat(both.body()).startsWith("h2 GET /h2up/x").contains("x-ext: on");
        }
        HttpResponse<String> up = get("/h2up/h1");
        assertThat(up.body()).startsWith("h2 GET /h2up/h1").contains("x-ext: on");
        assertThat(up.headers().firstValue("x-ext-resp")).hasValue("yes");
    }

    @Test
    void h2cRequestBodyGoesThroughTheChain() throws Exception {
        try (H2Client h2client = H2Client.connect(clientGroup, "127.0.0.1", port)) {
            FullHttpRequest req = new DefaultFullHttpRequest(
                    HttpVersion.HTTP_1_1,
                    HttpMethod.POST,
                    "/replace/h2",
                    Unpooled.copiedBuffer("h2 body", StandardCharsets.UTF_8));
            req.headers().set("host", "127.0.0.1:" + port);
            req.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
            H2Client.Response r = h2client.send(req);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).startsWith("a POST /replace/h2").endsWith("\n\nreplaced:H2 BODY");
        }
    }

    private FullHttpRequest h2Get(String path) {
        FullHttpRequest req =
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
        req.headers().set("host", "127.0.0.1:" + port);
        req.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
        return req;
    }

    @Test
    void bufferingFilterReplacesTheRequestBody() throws Exception {
        HttpResponse<String> r = post("/replace", "hello body");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("content-length: 19").endsWith("\n\nreplaced:HELLO BODY");
    }

    @Test
    void localReplySkipsTheUpstream() throws Exception {
        int before = a.requests.size();
        HttpResponse<String> r = post("/deny", "never sent");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.body()).isEqualTo("slow down");
        // Filters before the replying one see the reply on its way out.
        assertThat(r.headers().firstValue("x-ext-resp")).hasValue("yes");
        assertThat(get("/plain/after").statusCode()).isEqualTo(200);
        assertThat(a.requests.size()).isEqualTo(before + 1);
        assertThat(a.requests).noneMatch(s -> s.uri().startsWith("/deny"));
    }

    @Test
    void filterSelectsAnotherCluster() throws Exception {
        HttpResponse<String> r = get("/select/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("b GET /select/x");
    }

    @Test
    void extensionBackendPicksTheClusterPerRequest() throws Exception {
        HttpResponse<String> r = get("/extbackend/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("b GET /extbackend/x");
    }

    @Test
    void responseBodyIsTransformed() throws Exception {
        HttpResponse<String> r = get("/upper/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("A GET /UPPER/X");
        assertThat(r.headers().firstValue("x-upper")).hasValue("1");
        assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
    }

    @Test
    void streamedResponseIsTransformedChunkByChunk() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /sse?n=3&delay=300 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            // The first event arrives on its own, long before the stream ends: nothing is buffered.
            readUntil(in, seen, "DATA: EVENT 0");
            assertThat(seen.toString()).doesNotContain("DATA: EVENT 2");
            readUntil(in, seen, "0\r\n\r\n");
            assertThat(seen.toString())
                    .contains("HTTP/1.1 200")
                    .contains("transfer-encoding: chunked")
                    .contains("DATA: EVENT 1")
                    .contains("DATA: EVENT 2");
        }
    }

    private static void readUntil(InputStream in, StringBuilder seen, String marker) throws IOException {
        byte[] buf = new byte[4096];
        while (!seen.toString().contains(marker)) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("closed before " + marker + ": " + seen);
            }
            seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void asyncFilterResumesOnTheEventLoop() throws Exception {
        HttpResponse<String> r = post("/await", "body after await");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("x-awaited: yes").endsWith("body after await");
    }

    @Test
    void calloutReachesAnotherClusterThroughThePools() throws Exception {
        int before = b.requests.size();
        HttpResponse<String> r = get("/callout/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .startsWith("a GET /callout/x")
                .contains("x-callout-status: 200")
                .contains("x-callout-line: b GET /callout");
        assertThat(b.requests.size()).isEqualTo(before + 1);
    }

    @Test
    void filterRetriesAfterCancelOnASecondCluster() throws Exception {
        int retriesBefore = filters.retries.get();
        int closedBefore = a.closed.get();
        a.failNext(1, 503);
        HttpResponse<String> r = post("/fallback/x", "payload");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .startsWith("b POST /fallback/x")
                .contains("x-fallback: status")
                .endsWith("payload");
        assertThat(filters.retries.get()).isEqualTo(retriesBefore + 1);
        assertThat(a.requests).anyMatch(s -> s.uri().equals("/fallback/x"));
        // The abandoned HTTP/1.1 attempt's connection is closed, not pooled half-read.
        await().atMost(Duration.ofSeconds(10)).until(() -> a.closed.get() > closedBefore);
        // Whatever the abandoned attempt left behind does not reach the next request to a.
        HttpResponse<String> next = get("/plain/after-fallback");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.body()).startsWith("a GET /plain/after-fallback");
    }

    @Test
    void filterFallsBackAfterAnUpstreamConnectFailure() throws Exception {
        HttpResponse<String> r = post("/fallback-dead/x", "payload");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("b POST /fallback-dead/x").contains("x-fallback: failure");
    }

    @Test
    void upstreamConnectFailureReachesTheFiltersAs503() throws Exception {
        HttpResponse<String> r = get("/dead/x");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-ext-resp")).hasValue("yes");
    }

    @Test
    void requestTimeoutAnswers504ThroughTheFilters() throws Exception {
        HttpResponse<String> r = get("/timeout/x");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.headers().firstValue("x-ext-resp")).hasValue("yes");
    }

    @Test
    void routeRetriesStillApplyBehindAChain() throws Exception {
        a.failNext(1, 503);
        HttpResponse<String> r = post("/retry/x", "again");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("a POST /retry/x").contains("x-ext: on").endsWith("again");
    }

    @Test
    void mirrorsGetTheRequestTheChainSent() throws Exception {
        HttpResponse<String> r = post("/mirror/x", "copy me");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).endsWith("replaced:COPY ME");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.requests.stream()
                .anyMatch(s -> s.uri().equals("/mirror/x") && s.body().equals("replaced:COPY ME")));
    }

    @Test
    void clientDisconnectMidStreamCompletesTheExchange() throws Exception {
        int abortedBefore = streamAborted.get();
        long completedBefore = completedSlow();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write("GET /slow?n=400&delay=25 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            StringBuilder seen = new StringBuilder();
            readUntil(s.getInputStream(), seen, "DATA: EVENT 1");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> completedSlow() > completedBefore);
        ExchangeStats stats = filters.completed.stream()
                .filter(st -> "slow".equals(st.logFields().get("test.tag")))
                .reduce((x, y) -> y)
                .orElseThrow();
        assertThat(stats.succeeded()).isFalse();
        // The proxy closed the upstream connection: the backend's next write fails.
        await().atMost(Duration.ofSeconds(10)).until(() -> streamAborted.get() > abortedBefore);
    }

    private long completedSlow() {
        return filters.completed.stream()
                .filter(st -> "slow".equals(st.logFields().get("test.tag")))
                .count();
    }

    @Test
    void accessLogPrintsLogFields() throws Exception {
        assertThat(get("/tag/x").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(accessLog)
                        && Files.readAllLines(accessLog).stream().anyMatch(l -> l.contains("tag=t1")));
        assertThat(Files.readAllLines(accessLog)).anyMatch(l -> l.matches("200 \\S+/tag\\S* tag=t1 none=-"));
    }

    @Test
    void webSocketUpgradeRunsTheFiltersAndIsSplicedAfterThe101() throws Exception {
        int upgradesBefore = a.upgrades.size();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(upgradeRequest("/ws").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = readHead(in).toLowerCase(Locale.ROOT);
            assertThat(head)
                    .startsWith("http/1.1 101")
                    .contains("upgrade: websocket")
                    .contains("connection: upgrade")
                    .contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=")
                    .contains("x-ext-resp: yes"); // the response-head filters saw the 101
            sendText(out, "hello");
            assertThat(readText(in)).isEqualTo("echo:hello");
            sendText(out, "again");
            assertThat(readText(in)).isEqualTo("echo:again");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.upgrades.size() > upgradesBefore);
        assertThat(a.upgrades.stream()
                        .skip(upgradesBefore)
                        .findFirst()
                        .orElseThrow()
                        .headers())
                .containsEntry("x-ext", "on")
                .containsEntry("upgrade", "websocket");
        await().atMost(Duration.ofSeconds(10)).until(() -> filters.completed.stream()
                .anyMatch(st -> "ws".equals(st.logFields().get("test.tag"))));
        ExchangeStats stats = filters.completed.stream()
                .filter(st -> "ws".equals(st.logFields().get("test.tag")))
                .findFirst()
                .orElseThrow();
        assertThat(stats.status()).isEqualTo(101);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(accessLog)
                        && Files.readAllLines(accessLog).stream()
                                .anyMatch(l -> l.matches("101 \\S+/ws\\S* tag=ws none=-")));
    }

    @Test
    void filterThatRejectsTheUpgradeAnswersLocallyWithoutAnUpstreamConnection() throws Exception {
        int connectionsBefore = a.connections.get();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(upgradeRequest("/upgrade-deny").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String head = readHead(s.getInputStream()).toLowerCase(Locale.ROOT);
            assertThat(head).startsWith("http/1.1 403").doesNotContain("upgrade:");
        }
        assertThat(a.connections.get()).isEqualTo(connectionsBefore);
        assertThat(a.requests).noneMatch(r -> r.uri().startsWith("/upgrade-deny"));
    }

    @Test
    void backendThatRefusesTheUpgradeIsAnsweredThroughTheFiltersAndItsConnectionClosed() throws Exception {
        int closedBefore = a.closed.get();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(upgradeRequest("/upgrade-refused").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = readHead(in).toLowerCase(Locale.ROOT);
            assertThat(head).startsWith("http/1.1 404").contains("x-ext-resp: yes");
            // The client's connection stays HTTP: a next request on it is served as usual.
            out.write("GET /plain/after-refused HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder seen = new StringBuilder();
            readUntil(in, seen, "a GET /plain/after-refused");
        }
        assertThat(a.requests)
                .anyMatch(r -> r.uri().equals("/status/404")
                        && "websocket".equals(r.headers().get("upgrade"))
                        && "on".equals(r.headers().get("x-ext")));
        // An upgrade attempt's connection is never pooled.
        await().atMost(Duration.ofSeconds(10)).until(() -> a.closed.get() > closedBefore);
    }

    @Test
    void upgradeToAnUnreachableBackendGets503ThroughTheFilters() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(upgradeRequest("/upgrade-dead").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String head = readHead(s.getInputStream()).toLowerCase(Locale.ROOT);
            assertThat(head)
                    .startsWith("http/1.1 503")
                    .contains("x-ext-resp: yes")
                    .doesNotContain("upgrade:");
        }
    }

    private static String upgradeRequest(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    /** Reads a response head byte by byte, so that nothing behind it (a WebSocket frame, a body) is consumed. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 4 || sb.lastIndexOf("\r\n\r\n") != sb.length() - 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed in the response head: " + sb);
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Sends a short masked text frame, as a client must. */
    private static void sendText(OutputStream out, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        out.write(0x81);
        out.write(0x80 | payload.length);
        out.write(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        out.flush();
    }

    /** Reads a short unmasked text frame from the server. */
    private static String readText(InputStream in) throws IOException {
        byte[] header = in.readNBytes(2);
        assertThat(header).hasSize(2);
        assertThat(header[0] & 0xff).isEqualTo(0x81);
        return new String(in.readNBytes(header[1] & 0x7f), StandardCharsets.UTF_8);
    }

    @Test
    void invalidExtensionConfigIsRejectedAndTheLastGoodConfigKeepsServing() throws Exception {
        ConfigSnapshot bad = ConfigSnapshot.builder("bad")
                .addCluster(cluster("a", a.port()))
                .addExtension(config("Nope", "n", Map.of()))
                .addExtension(config("AddHeader", "broken", Map.of("invalid", true)))
                .addListener(Fixtures.httpListener(
                        "http",
                        port,
                        List.of(
                                route("unknown", "/", "a", ref("Nope", "n")),
                                route("missing", "/m", "a", ref("AddHeader", "absent")),
                                route("broken", "/b", "a", ref("AddHeader", "broken")))))
                .build();
        Throwable t =
                catchThrowable(() -> proxy.update(bad).toCompletableFuture().join());
        assertThat(t).isInstanceOf(CompletionException.class);
        assertThat(t.getCause()).isInstanceOf(ConfigValidationException.class);
        List<String> errors = ((ConfigValidationException) t.getCause()).errors();
        assertThat(errors)
                .anySatisfy(e -> assertThat(e).contains("test.nantian.dev/Nope is not registered"))
                .anySatisfy(e -> assertThat(e).contains("no AddHeader test/absent in the snapshot"))
                .anySatisfy(e -> assertThat(e).contains("spec.invalid is not allowed"));
        assertThat(proxy.configVersion()).isEqualTo("v1");
        assertThat(get("/hdr/still").body()).contains("x-ext: on");

        try (NantianProxy other = NantianProxy.builder()
                .eventLoopThreads(1)
                .filterRegistry(filters.registry())
                .initialSnapshot(bad)
                .build()) {
            Throwable startFailure =
                    catchThrowable(() -> other.start().toCompletableFuture().join());
            assertThat(startFailure.getCause()).isInstanceOf(ConfigValidationException.class);
            assertThat(((ConfigValidationException) startFailure.getCause()).errors())
                    .hasSize(errors.size());
        }
    }
}
