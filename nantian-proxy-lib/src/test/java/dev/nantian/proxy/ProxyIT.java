package dev.nantian.proxy;

import static dev.nantian.proxy.Fixtures.cluster;
import static dev.nantian.proxy.Fixtures.forward;
import static dev.nantian.proxy.Fixtures.prefix;
import static dev.nantian.proxy.Fixtures.prefixTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Fraction;
import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpHeader;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.PathModifier;
import dev.nantian.core.model.RetryPolicy;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.Timeouts;
import dev.nantian.core.model.UpstreamProtocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The proxy over real sockets: HTTP/1.1 clients, in-test backends, one snapshot with a route per feature. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyIT {
    private TestBackend a;
    private TestBackend b;
    private TestBackend mirror;
    private TestBackend h2;
    private NantianProxy proxy;
    private int port;
    private HttpClient client;

    @BeforeAll
    void start() throws Exception {
        a = TestBackend.http1("a");
        b = TestBackend.http1("b");
        mirror = TestBackend.http1("mirror");
        h2 = TestBackend.h2c("h2");
        port = Fixtures.freePort();
        int dead = Fixtures.freePort();
        HeaderModifier requestMods = new HeaderModifier(
                List.of(new HttpHeader("x-set", "set-value")),
                List.of(new HttpHeader("x-add", "added")),
                List.of("x-remove"));
        HeaderModifier responseMods =
                new HeaderModifier(List.of(), List.of(new HttpHeader("x-resp", "resp-value")), List.of("x-remove-me"));
        List<HttpRoute> routes = List.of(
                prefixTo("echo", "/echo", "a"),
                prefix(
                                "weighted",
                                "/weighted",
                                new RouteAction.Forward(List.of(
                                        new Backend.ClusterBackend("a", 3, List.of()),
                                        new Backend.ClusterBackend("b", 1, List.of()))))
                        .build(),
                prefix(
                                "invalid",
                                "/invalid",
                                new RouteAction.Forward(List.of(
                                        new Backend.ClusterBackend("a", 1, List.of()),
                                        new Backend.InvalidBackend(1, "no such service"))))
                        .build(),
                prefix("nobackends", "/nobackends", new RouteAction.Forward(List.of()))
                        .build(),
                prefixTo("empty", "/empty", "empty"),
                prefix(
                                "redirect",
                                "/redirect",
                                new RouteAction.Redirect(
                                        Optional.empty(),
                                        Optional.of("example.org"),
                                        Optional.of(new PathModifier.ReplacePrefixMatch("/new")),
                                        Optional.empty(),
                                        302))
                        .build(),
                prefix(
                                "to-https",
                                "/to-https",
                                new RouteAction.Redirect(
                                        Optional.of("https"),
                                        Optional.empty(),
                                        Optional.empty(),
                                        Optional.empty(),
                                        301))
                        .build(),
                prefixTo(
                        "rewrite",
                        "/rewrite",
                        "a",
                        new RouteFilter.UrlRewrite(
                                Optional.of("rewritten.example"),
                                Optional.of(new PathModifier.ReplacePrefixMatch("/rw")))),
                prefix(
                                "headers",
                                "/headers",
                                new RouteAction.Forward(List.of(new Backend.ClusterBackend(
                                        "a",
                                        1,
                                        List.of(new RouteFilter.RequestHeaderModifier(new HeaderModifier(
                                                List.of(new HttpHeader("x-backend-filter", "yes")),
                                                List.of(),
                                                List.of())))))))
                        .addFilter(new RouteFilter.RequestHeaderModifier(requestMods))
                        .addFilter(new RouteFilter.ResponseHeaderModifier(responseMods))
                        .build(),
                prefix(
                                "direct",
                                "/direct",
                                new RouteAction.DirectResponse(
                                        418, List.of(new HttpHeader("x-teapot", "1")), "short and stout"))
                        .build(),
                prefix("delay", "/delay", forward("a"))
                        .timeouts(new Timeouts(Optional.of(Duration.ofMillis(300)), Optional.empty()))
                        .build(),
                prefix("slow", "/slow", forward("a"))
                        .addFilter(new RouteFilter.UrlRewrite(
                                Optional.empty(), Optional.of(new PathModifier.ReplaceFullPath("/delay/1500"))))
                        .timeouts(new Timeouts(Optional.empty(), Optional.of(Duration.ofMillis(200))))
                        .build(),
                prefix("retry", "/retry", forward("a"))
                        .retry(new RetryPolicy(List.of(503), 2, Optional.of(Duration.ofMillis(10))))
                        .build(),
                prefix("retry-connect", "/retry-connect", forward("flaky"))
                        .retry(new RetryPolicy(List.of(), 2, Optional.of(Duration.ofMillis(5))))
                        .build(),
                prefixTo("mirror", "/mirror", "a", new RouteFilter.RequestMirror("mirror", Optional.empty())),
                prefixTo(
                        "mirror-none",
                        "/mirror-none",
                        "a",
                        new RouteFilter.RequestMirror("mirror", Optional.of(new Fraction(0, 100)))),
                prefixTo(
                        "cors",
                        "/cors",
                        "a",
                        new RouteFilter.Cors(
                                List.of("https://www.foo.com", "https://*.bar.com"),
                                true,
                                List.of("GET", "OPTIONS"),
                                List.of("x-header-1", "x-header-2"),
                                List.of("x-header-3"),
                                Duration.ofSeconds(3600))),
                prefixTo("h2c", "/h2c", "h2"),
                prefixTo("ws", "/ws", "a"));
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addCluster(cluster("a", a.port()))
                .addCluster(cluster("b", b.port()))
                .addCluster(cluster("mirror", mirror.port()))
                .addCluster(cluster("h2", UpstreamProtocol.H2C, h2.port()))
                .addCluster(cluster("empty"))
                .addCluster(cluster("flaky", dead, a.port()))
                .addListener(Fixtures.httpListener("http", port, routes))
                .build();
        proxy = NantianProxy.builder()
                .eventLoopThreads(2)
                .preferNativeTransport(!Boolean.getBoolean("nantian.test.nio"))
                .headerReadTimeout(Duration.ofMillis(500))
                .maxRequestBodyBytes(1024)
                .drainTimeout(Duration.ofSeconds(2))
                .initialSnapshot(snapshot)
                .build();
        proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    void stop() {
        proxy.close();
        a.close();
        b.close();
        mirror.close();
        h2.close();
    }

    @BeforeEach
    void resetBackends() {
        for (TestBackend t : List.of(a, b, mirror, h2)) {
            t.requests.clear();
            t.failNext(0, 503);
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Test
    void forwardsWithForwardingHeadersAndKeepsHost() throws Exception {
        HttpResponse<String> r = get("/echo/hello?x=1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("a GET /echo/hello?x=1");
        TestBackend.Seen seen = a.requests.peek();
        assertThat(seen.headers())
                .containsEntry("x-forwarded-for", "127.0.0.1")
                .containsEntry("x-forwarded-proto", "http")
                .containsEntry("x-forwarded-host", "127.0.0.1:" + port)
                .containsEntry("host", "127.0.0.1:" + port);
    }

    @Test
    void postBodyStreamsToBackend() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/echo/post"))
                .POST(HttpRequest.BodyPublishers.ofString("payload-123"))
                .build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(a.requests.peek().body()).isEqualTo("payload-123");
    }

    @Test
    void unknownPathGets404() throws Exception {
        assertThat(get("/nowhere").statusCode()).isEqualTo(404);
    }

    @Test
    void redirectReplacesPrefixAndKeepsListenerPortAndQuery() throws Exception {
        HttpResponse<String> r = get("/redirect/x/y?q=1");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("location")).contains("http://example.org:" + port + "/new/x/y?q=1");
    }

    @Test
    void redirectToHttpsOmitsDefaultPort() throws Exception {
        HttpResponse<String> r = get("/to-https/a");
        assertThat(r.statusCode()).isEqualTo(301);
        assertThat(r.headers().firstValue("location")).contains("https://127.0.0.1/to-https/a");
    }

    @Test
    void urlRewriteChangesHostAndPrefix() throws Exception {
        assertThat(get("/rewrite/x?k=v").statusCode()).isEqualTo(200);
        TestBackend.Seen seen = a.requests.peek();
        assertThat(seen.uri()).isEqualTo("/rw/x?k=v");
        assertThat(seen.headers()).containsEntry("host", "rewritten.example");
    }

    @Test
    void headerModifiersApplyAtRuleAndBackendLevel() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/headers"))
                .header("x-set", "original")
                .header("x-add", "first")
                .header("x-remove", "gone")
                .build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-resp")).contains("resp-value");
        assertThat(r.headers().firstValue("x-remove-me")).isEmpty();
        Map<String, String> h = a.requests.peek().headers();
        assertThat(h)
                .containsEntry("x-set", "set-value")
                .containsEntry("x-add", "first,added")
                .containsEntry("x-backend-filter", "yes")
                .doesNotContainKey("x-remove");
    }

    @Test
    void weightsSplitTrafficInProportion() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            HttpResponse<String> r = get("/weighted");
            counts.merge(r.headers().firstValue("x-backend").orElse("?"), 1, Integer::sum);
        }
        // Weighted round robin is exact over whole cycles of 4.
        assertThat(counts).containsEntry("a", 30).containsEntry("b", 10);
    }

    @Test
    void invalidBackendShareGets500() throws Exception {
        Map<Integer, Integer> codes = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            codes.merge(get("/invalid").statusCode(), 1, Integer::sum);
        }
        assertThat(codes).containsEntry(200, 10).containsEntry(500, 10);
    }

    @Test
    void ruleWithoutBackendsGets500AndEmptyClusterGets503() throws Exception {
        assertThat(get("/nobackends").statusCode()).isEqualTo(500);
        assertThat(get("/empty").statusCode()).isEqualTo(503);
    }

    @Test
    void directResponseIsAnsweredLocally() throws Exception {
        HttpResponse<String> r = get("/direct");
        assertThat(r.statusCode()).isEqualTo(418);
        assertThat(r.body()).isEqualTo("short and stout");
        assertThat(r.headers().firstValue("x-teapot")).contains("1");
    }

    @Test
    void requestTimeoutGives504() throws Exception {
        long start = System.nanoTime();
        assertThat(get("/delay/3000").statusCode()).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void backendRequestTimeoutGives504() throws Exception {
        assertThat(get("/slow").statusCode()).isEqualTo(504);
        assertThat(get("/delay/10").statusCode()).isEqualTo(200);
    }

    @Test
    void retriesConfiguredStatusCodes() throws Exception {
        a.failNext(2, 503);
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/retry"))
                .POST(HttpRequest.BodyPublishers.ofString("replayed"))
                .build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(a.seen()).hasSize(3).allSatisfy(s -> assertThat(s.body()).isEqualTo("replayed"));
    }

    @Test
    void retryGivesUpAfterAttempts() throws Exception {
        a.failNext(5, 503);
        assertThat(get("/retry").statusCode()).isEqualTo(503);
        assertThat(a.seen()).hasSize(3);
    }

    @Test
    void retriesConnectFailures() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertThat(get("/retry-connect").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void mirrorGetsACopyAndFractionZeroNone() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/mirror/m"))
                .POST(HttpRequest.BodyPublishers.ofString("copy me"))
                .build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-backend")).contains("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> !mirror.requests.isEmpty());
        assertThat(mirror.requests.peek().uri()).isEqualTo("/mirror/m");
        assertThat(mirror.requests.peek().body()).isEqualTo("copy me");

        mirror.requests.clear();
        for (int i = 0; i < 5; i++) {
            assertThat(get("/mirror-none").statusCode()).isEqualTo(200);
        }
        assertThat(get("/mirror/sync").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> !mirror.requests.isEmpty());
        assertThat(mirror.seen()).extracting(TestBackend.Seen::uri).containsExactly("/mirror/sync");
    }

    @Test
    void corsPreflightIsAnsweredLocallyAndActualResponsesGetHeaders() throws Exception {
        HttpResponse<String> pre = send(HttpRequest.newBuilder(uri("/cors"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://x.www.bar.com")
                .header("Access-Control-Request-Method", "GET")
                .build());
        assertThat(pre.statusCode()).isEqualTo(200);
        assertThat(pre.headers().firstValue("access-control-allow-origin")).contains("https://x.www.bar.com");
        assertThat(pre.headers().firstValue("access-control-allow-methods")).contains("GET, OPTIONS");
        assertThat(pre.headers().firstValue("access-control-allow-headers")).contains("x-header-1, x-header-2");
        assertThat(pre.headers().firstValue("access-control-max-age")).contains("3600");
        assertThat(pre.headers().firstValue("access-control-allow-credentials")).contains("true");
        assertThat(a.requests).isEmpty();

        HttpResponse<String> actual = send(HttpRequest.newBuilder(uri("/cors"))
                .header("Origin", "https://www.foo.com")
                .build());
        assertThat(actual.headers().firstValue("access-control-allow-origin")).contains("https://www.foo.com");
        assertThat(actual.headers().firstValue("access-control-expose-headers")).contains("x-header-3");

        HttpResponse<String> denied = send(HttpRequest.newBuilder(uri("/cors"))
                .header("Origin", "https://evil.com")
                .build());
        assertThat(denied.statusCode()).isEqualTo(200);
        assertThat(denied.headers().firstValue("access-control-allow-origin")).isEmpty();
    }

    @Test
    void keepAliveReusesUpstreamConnections() throws Exception {
        // One client connection lands on one event loop, whose pool keeps one warm connection.
        for (int i = 0; i < 3; i++) {
            get("/echo/warm");
        }
        int before = a.connections.get();
        for (int i = 0; i < 20; i++) {
            assertThat(get("/echo/reuse").statusCode()).isEqualTo(200);
        }
        assertThat(a.connections.get()).isEqualTo(before);
    }

    @Test
    void http1ClientReachesH2cBackend() throws Exception {
        HttpResponse<String> r = get("/h2c/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("h2 GET /h2c/x");
    }

    @Test
    void webSocketUpgradeIsSplicedThrough() throws Exception {
        List<String> received = new ArrayList<>();
        CompletableFuture<String> first = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        received.add(data.toString());
                        first.complete(data.toString());
                        webSocket.request(1);
                        return null;
                    }
                })
                .get(5, TimeUnit.SECONDS);
        ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("echo:hello");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    }

    @Test
    void malformedRequestGets400AndClose() throws Exception {
        String response = rawExchange("GARBAGE\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 400");
    }

    @Test
    void missingHostGets400() throws Exception {
        assertThat(rawExchange("GET /echo HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400");
    }

    @Test
    void tooLongHeaderGets431() throws Exception {
        String big = "x".repeat(20_000);
        assertThat(rawExchange("GET /echo HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431");
    }

    @Test
    void headersLargerThanOneReadAreAccepted() throws Exception {
        String big = "y".repeat(12_000);
        assertThat(rawExchange("GET /echo/big HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200");
    }

    @Test
    void slowHeadersGet408() throws Exception {
        assertThat(rawExchange("GET /echo HTTP/1.1\r\nHost: a\r\n")).startsWith("HTTP/1.1 408");
    }

    @Test
    void idleKeepAliveConnectionOutlivesTheHeaderReadTimeout() throws Exception {
        // headerReadTimeout is 500 ms here and idleTimeout the default 60 s: between requests only the latter counts.
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("GET /echo/first HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("a GET /echo/first");
            await().during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> isOpen(s));
            out.write("GET /echo/second HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("a GET /echo/second");
        }
    }

    @Test
    void partialHeadAfterAnIdleKeepAliveGets408() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("GET /echo/first HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
            // Idle for longer than the header-read timeout, then a slowloris head that never ends.
            await().during(Duration.ofMillis(800))
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> isOpen(s));
            out.write("GET /echo/slow HTTP/1.1\r\nHost: a\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long start = System.nanoTime();
            assertThat(readToEnd(in)).startsWith("HTTP/1.1 408");
            // Timed from the head's first byte, not from the previous response.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
        assertThat(a.requests).noneMatch(seen -> seen.uri().startsWith("/echo/slow"));
    }

    @Test
    void oversizedBodyGets413() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(5000)))
                .build());
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void expectContinueGets100ThenTheResponse() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("POST /echo/expect HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // The body goes only after the interim answer, as a client that waits for it would do.
            assertThat(readResponse(in)).startsWith("HTTP/1.1 100 Continue");
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("a POST /echo/expect");
            // The connection goes on with the next request.
            out.write("GET /echo/after HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("a GET /echo/after");
        }
        assertThat(a.requests).noneMatch(seen -> seen.headers().containsKey("expect"));
    }

    @Test
    void expectContinueOverTheBodyLimitGets413AndClose() throws Exception {
        String response = rawExchange(
                "POST /echo/too-big HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
        assertThat(a.requests).noneMatch(seen -> seen.uri().startsWith("/echo/too-big"));
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        String req = "GET /delay/200 HTTP/1.1\r\nHost: a\r\n\r\nGET /echo/second HTTP/1.1\r\nHost: a\r\n"
                + "Connection: close\r\n\r\n";
        String response = rawExchange(req);
        int first = response.indexOf("a GET /delay/200");
        int second = response.indexOf("a GET /echo/second");
        assertThat(first).isNotNegative();
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void hopByHopHeadersAreStripped() throws Exception {
        String response = rawExchange("GET /echo/hop HTTP/1.1\r\nHost: a\r\nConnection: close, x-private\r\n"
                + "X-Private: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers, deflate\r\nX-Kept: 1\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200");
        Map<String, String> h = a.requests.peek().headers();
        assertThat(h).containsEntry("x-kept", "1").containsEntry("te", "trailers");
        assertThat(h).doesNotContainKeys("x-private", "keep-alive");
        assertThat(h.get("connection")).isNotEqualTo("close, x-private");
    }

    /** True while the peer has neither closed the connection nor sent anything. */
    private static boolean isOpen(Socket s) throws IOException {
        int timeout = s.getSoTimeout();
        s.setSoTimeout(20);
        try {
            if (s.getInputStream().read() >= 0) {
                fail("unexpected bytes from the proxy");
            }
            return false;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        } catch (java.net.SocketException e) {
            return false;
        } finally {
            s.setSoTimeout(timeout);
        }
    }

    /** Reads one response with a Content-Length body, leaving the connection open. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("closed after " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            in.transferTo(buf);
        } catch (java.net.SocketException e) {
            if (buf.size() == 0) {
                throw e;
            }
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    /** Writes raw bytes and reads until the proxy closes the connection, which it must do in every case here. */
    private String rawExchange(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            try {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    buf.write(chunk, 0, n);
                }
            } catch (java.net.SocketException e) {
                // A reset after the proxy closed with unread request bytes; what arrived before it counts.
                if (buf.size() == 0) {
                    throw e;
                }
            }
            return buf.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
