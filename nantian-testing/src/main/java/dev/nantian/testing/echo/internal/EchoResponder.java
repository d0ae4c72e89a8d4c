package dev.nantian.testing.echo.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The protocol-independent behaviour of upstream's echo-basic server: its {@code ServeMux} routes ({@code /health},
 * {@code /status/}, {@code /retry/}, {@code /ws}, everything else echoed), the strict h2c port, delays and
 * {@code X-Echo-Set-Header}. It only computes an {@link Outcome}; the connection handlers do the I/O.
 *
 * <p>Thread-safe: one instance serves every connection of an echo server, on any event loop.
 */
public final class EchoResponder {

    private static final Pattern STATUS = Pattern.compile("^/status/([0-9]{3})$");
    private static final String JSON = "application/json";
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final int RETRY_IDS_REMEMBERED = 100_000;
    private static final List<Map.Entry<String, String>> CLOSE = List.of(Map.entry("Connection", "close"));

    private final EchoJson.Identity identity;
    private final Consumer<String> requestLog;
    private final RetryTracker retries = new RetryTracker(RETRY_IDS_REMEMBERED);
    // Written once by EchoServer after the HTTP port is bound and before any connection is accepted.
    private volatile String httpPort;

    /**
     * @param identity the pod's identity fields
     * @param httpPort the value of the {@code httpPort} field until {@link #httpPort(String)} replaces it
     * @param requestLog receives upstream's stdout line for every echoed request; must not block
     */
    public EchoResponder(EchoJson.Identity identity, String httpPort, Consumer<String> requestLog) {
        this.identity = requireNonNull(identity, "identity");
        this.httpPort = requireNonNull(httpPort, "httpPort");
        this.requestLog = requireNonNull(requestLog, "requestLog");
    }

    /** Sets the {@code httpPort} field reported for requests on every port (upstream's {@code HTTP_PORT}). */
    public void httpPort(String port) {
        this.httpPort = requireNonNull(port, "port");
    }

    /** Decides how to answer {@code request}. Runs on the connection's event loop; never blocks. */
    public Outcome respond(EchoRequest request) {
        if (request.port() == PortKind.H2C) {
            // Upstream's h2c listener has no mux: HTTP/2 (or an h2c upgrade request) is echoed whatever the path.
            if (!request.proto().equals("HTTP/2.0")
                    && !request.headerValues("Upgrade").stream()
                            .findFirst()
                            .orElse("")
                            .equals("h2c")) {
                return reply(400, headers("Content-Type", TEXT), "Expected h2c request");
            }
            return echo(request);
        }
        return route(request);
    }

    private Outcome route(EchoRequest request) {
        String rawQuery = GoHttp.rawQuery(request.requestUri());
        // Upstream wraps its mux in preserveSlashes ("//" -> "/"); ServeMux then redirects any other unclean path.
        String path = GoHttp.rawPath(request.requestUri()).replace("//", "/");
        String clean = GoHttp.cleanPath(path);
        if (!clean.equals(path)) {
            return redirect(clean + (rawQuery.isEmpty() ? "" : "?" + rawQuery), request);
        }
        if (path.equals("/health")) {
            return reply(200, headers("Content-Type", TEXT), "OK");
        }
        if (path.equals("/ws")) {
            return webSocket(request);
        }
        if (path.equals("/status") || path.equals("/retry")) {
            // ServeMux sends "/tree" to "/tree/" when only the subtree pattern is registered.
            return redirect(path + "/" + (rawQuery.isEmpty() ? "" : "?" + rawQuery), request);
        }
        if (path.startsWith("/status/")) {
            return status(request);
        }
        if (path.startsWith("/retry/")) {
            return retry(request, rawQuery);
        }
        return echo(request);
    }

    private Outcome echo(EchoRequest request) {
        requestLog.accept("Echoing back request made to " + GoHttp.wireToUtf8(request.requestUri()) + " to client ("
                + request.remoteAddress() + ")");
        Optional<String> delayText = GoHttp.queryValue(GoHttp.rawQuery(request.requestUri()), "delay");
        Duration delay = Duration.ZERO;
        if (delayText.isPresent() && !delayText.get().isEmpty()) {
            try {
                delay = GoDuration.parse(delayText.get());
            } catch (IllegalArgumentException e) {
                return reply(500, jsonHeaders(), EchoJson.message(e.getMessage()));
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        setEchoHeaders(request, headers);
        // Set after the echoed headers, as upstream does, so they win over an X-Echo-Set-Header of the same name.
        headers.put("Content-Type", JSON);
        headers.put("X-Content-Type-Options", "nosniff");
        Outcome reply = reply(200, new ArrayList<>(headers.entrySet()), EchoJson.echo(request, identity, httpPort));
        return delay.isNegative() || delay.isZero() ? reply : new Outcome.Delayed(delay, reply);
    }

    /**
     * Upstream's {@code writeEchoResponseHeaders}: each comma-separated {@code Name:Value} item of every
     * {@code X-Echo-Set-Header} value becomes a response header with the name's case kept; a repeated name appends
     * {@code ","} and the value. Names Go's writer would drop (not a token) are skipped.
     */
    private static void setEchoHeaders(EchoRequest request, Map<String, String> headers) {
        for (String list : request.headerValues("X-Echo-Set-Header")) {
            for (String item : list.split(",", -1)) {
                String trimmed = item.strip();
                int colon = trimmed.indexOf(':');
                String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
                String value = colon < 0 ? "" : trimmed.substring(colon + 1);
                if (!GoHttp.isValidHeaderName(name) || isFraming(name)) {
                    continue;
                }
                headers.merge(name, sanitize(value.strip()), (old, added) -> old + "," + added);
            }
        }
    }

    /** Headers that would corrupt our own message framing if a client could set them. */
    private static boolean isFraming(String name) {
        return name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding");
    }

    /** Go's header writer turns CR and LF into spaces; other controls would be rejected by Netty's validation. */
    private static String sanitize(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            sb.append((c < 0x20 && c != '\t') || c == 0x7f ? ' ' : c);
        }
        return sb.toString();
    }

    private Outcome status(EchoRequest request) {
        Matcher matcher = STATUS.matcher(request.requestUri());
        int code = matcher.matches() ? Integer.parseInt(matcher.group(1)) : 400;
        if (code < 100 || code == 101) {
            // Go's WriteHeader panics below 100 and the server drops the connection; 101 cannot be sent as a
            // plain reply either.
            return new Outcome.Reset();
        }
        if (code < 200) {
            // Go sends the informational response, then the implicit 200 when the handler returns.
            return new Outcome.Reply(new EchoResponse(200, code, List.of(), new byte[0]));
        }
        return reply(code, List.of(), "");
    }

    /**
     * Upstream's {@code /retry/} handler: {@code uuid} and {@code succeedAfter} are required; the first
     * {@code succeedAfter} attempts per uuid fail (a connection reset, or status {@code responseCode} when given,
     * after {@code delayRetry} when given), later attempts are echoed.
     */
    private Outcome retry(EchoRequest request, String rawQuery) {
        Optional<String> uuid = GoHttp.queryValue(rawQuery, "uuid").filter(s -> !s.isEmpty());
        Optional<String> succeedAfterText =
                GoHttp.queryValue(rawQuery, "succeedAfter").filter(s -> !s.isEmpty());
        if (uuid.isEmpty() || succeedAfterText.isEmpty()) {
            return reply(400, headers("Content-Type", TEXT), "uuid and succeedAfter query parameters are required");
        }
        int succeedAfter;
        Optional<Integer> responseCode;
        Duration delayRetry;
        try {
            succeedAfter = Integer.parseInt(succeedAfterText.get());
            responseCode = GoHttp.queryValue(rawQuery, "responseCode")
                    .filter(s -> !s.isEmpty())
                    .map(Integer::parseInt);
            delayRetry = GoHttp.queryValue(rawQuery, "delayRetry")
                    .filter(s -> !s.isEmpty())
                    .map(GoDuration::parse)
                    .orElse(Duration.ZERO);
        } catch (IllegalArgumentException e) {
            return reply(400, headers("Content-Type", TEXT), "invalid retry parameters: " + e.getMessage());
        }
        if (responseCode.isPresent() && (responseCode.get() < 100 || responseCode.get() > 999)) {
            return reply(400, headers("Content-Type", TEXT), "invalid responseCode");
        }
        if (retries.recordAttempt(uuid.get()) > succeedAfter) {
            return echo(request);
        }
        Outcome failure = responseCode.isPresent() ? reply(responseCode.get(), List.of(), "") : new Outcome.Reset();
        return delayRetry.isNegative() || delayRetry.isZero() ? failure : new Outcome.Delayed(delayRetry, failure);
    }

    /**
     * Mirrors golang.org/x/net/websocket's handshake checks. Upstream has hijacked the connection by then and closes
     * it after a refusal; {@code Connection: close} makes our HTTP/1 handler do the same.
     */
    private Outcome webSocket(EchoRequest request) {
        if (!request.proto().startsWith("HTTP/1.")) {
            // x/net/websocket needs to hijack the connection, which HTTP/2 cannot do.
            return new Outcome.Reset();
        }
        if (!request.method().equals("GET")) {
            return reply(405, CLOSE, "");
        }
        boolean upgrade = request.headerValues("Upgrade").stream().anyMatch(v -> v.equalsIgnoreCase("websocket"));
        boolean connection = request.headerValues("Connection").stream()
                .flatMap(v -> List.of(v.split(",")).stream())
                .anyMatch(v -> v.strip().equalsIgnoreCase("upgrade"));
        List<String> key = request.headerValues("Sec-Websocket-Key");
        if (!upgrade || !connection || key.isEmpty()) {
            return reply(400, CLOSE, "not websocket protocol");
        }
        if (!request.headerValues("Sec-Websocket-Version").equals(List.of("13"))) {
            return reply(
                    400,
                    List.of(Map.entry("Sec-WebSocket-Version", "13"), CLOSE.get(0)),
                    "missing or bad WebSocket Version");
        }
        List<String> origin = request.headerValues("Origin");
        if (origin.isEmpty() || origin.get(0).isEmpty()) {
            // websocket.Handler's default checkOrigin rejects a missing origin ("null origin").
            return reply(403, CLOSE, "");
        }
        return new Outcome.WebSocketUpgrade();
    }

    private Outcome redirect(String location, EchoRequest request) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        headers.add(Map.entry("Location", location));
        String body = "";
        if (request.method().equals("GET") || request.isHead()) {
            headers.add(Map.entry("Content-Type", "text/html; charset=utf-8"));
        }
        if (request.method().equals("GET")) {
            body = "<a href=\"" + GoHttp.htmlEscape(location) + "\">Moved Permanently</a>.\n\n";
        }
        return reply(301, headers, body);
    }

    private static Outcome reply(int status, List<Map.Entry<String, String>> headers, String body) {
        return new Outcome.Reply(EchoResponse.of(status, headers, body));
    }

    private static List<Map.Entry<String, String>> headers(String name, String value) {
        return List.of(Map.entry(name, value));
    }

    private static List<Map.Entry<String, String>> jsonHeaders() {
        return List.of(Map.entry("Content-Type", JSON), Map.entry("X-Content-Type-Options", "nosniff"));
    }
}
