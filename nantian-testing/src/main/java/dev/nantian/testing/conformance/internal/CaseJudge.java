package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Judges one round trip against a case exactly as {@code comparisonSemantics.compare} of {@code http.json} says
 * (upstream's {@code http.CompareRoundTrip}). Pure and thread-safe: the same inputs give the same verdict.
 */
public final class CaseJudge {

    private static final Set<Integer> REDIRECTS = Set.of(300, 301, 302, 303, 304, 305, 307, 308);

    private final Function<HttpCase.ObjectRef, String> certificatePem;

    /**
     * @param certificatePem resolves a Secret reference to its {@code tls.crt} PEM (null when unknown), for the
     *     {@code clientCert} expectations
     */
    public CaseJudge(Function<HttpCase.ObjectRef, String> certificatePem) {
        this.certificatePem = requireNonNull(certificatePem, "certificatePem");
    }

    /**
     * What one round trip was sent as; paths carry the case's UUID placeholders already replaced.
     *
     * @param scheme {@code http} or {@code https}
     * @param urlHost the request URL's {@code host[:port]} (the gateway address; not the Host header), against
     *     which a relative Location resolves, as Go's {@code Response.Location} does
     * @param path the path and query sent
     * @param expectedPath the path the echo backend must report
     */
    public record Sent(String scheme, String urlHost, String path, String expectedPath) {}

    /** Returns null when {@code roundTrip} matches {@code c}, else what differs first. */
    public String judge(HttpCase c, Sent sent, RoundTrip roundTrip) {
        HttpCase.ExpectedResponse want = c.response();
        int status = roundTrip.status();
        if (!want.statusCodes().contains(status)) {
            return "status " + status + ", want one of " + want.statusCodes();
        }
        if ((status == 408 || status == 504)
                && (want.statusCodes().contains(408) || want.statusCodes().contains(504))) {
            return null;
        }
        if (want.protocol() != null && !want.protocol().equals(roundTrip.proto())) {
            return "protocol " + roundTrip.proto() + ", want " + want.protocol();
        }
        if (status == 200 || status == 204) {
            return judgeEcho(c, sent, roundTrip);
        }
        if (REDIRECTS.contains(status) && c.redirect() != null) {
            return judgeRedirect(c, sent, roundTrip);
        }
        return null;
    }

    private String judgeEcho(HttpCase c, Sent sent, RoundTrip roundTrip) {
        HttpCase.ExpectedRequest want = c.expectedRequest();
        Echo echo = Echo.parse(roundTrip, c.request().method());
        if (!echo.path.equals(sent.expectedPath())) {
            return "echoed path " + quote(echo.path) + ", want " + quote(sent.expectedPath());
        }
        if (!echo.method.equals(want.method())) {
            return "echoed method " + echo.method + ", want " + want.method();
        }
        if (want.host() != null && !echo.host.equals(want.host())) {
            return "echoed host " + quote(echo.host) + ", want " + quote(want.host());
        }
        for (Map.Entry<String, String> header : want.headers().entrySet()) {
            List<String> actual = echo.header(header.getKey());
            if (actual == null) {
                return "request header " + header.getKey() + " missing at the backend, want "
                        + quote(header.getValue());
            }
            String joined = String.join(",", actual);
            if (!joined.equals(header.getValue())) {
                return "request header " + header.getKey() + " is " + quote(joined) + " at the backend, want "
                        + quote(header.getValue());
            }
        }
        for (String absent : want.absentHeaders()) {
            if (echo.header(absent) != null) {
                return "request header " + absent + " reached the backend, want it absent";
            }
        }
        if (want.sni() != null && !want.sni().equals(echo.tlsServerName)) {
            return "backend saw SNI " + quote(echo.tlsServerName) + ", want " + quote(want.sni());
        }
        if (want.clientCertificate() != null) {
            String pem = certificatePem.apply(want.clientCertificate());
            if (pem == null) {
                return "unknown client certificate Secret " + want.clientCertificate();
            }
            if (echo.peerCertificates.stream().noneMatch(p -> normalizePem(p).equals(normalizePem(pem)))) {
                return "backend did not see the client certificate of Secret " + want.clientCertificate();
            }
        }
        String headers = judgeResponseHeaders(c.response(), roundTrip);
        if (headers != null) {
            return headers;
        }
        if (!echo.namespace.equals(c.backend().namespace())) {
            return "echoed namespace " + quote(echo.namespace) + ", want "
                    + quote(c.backend().namespace());
        }
        if (!echo.pod.startsWith(c.backend().service())) {
            return "echoed pod " + quote(echo.pod) + ", want prefix "
                    + quote(c.backend().service());
        }
        return null;
    }

    private static String judgeResponseHeaders(HttpCase.ExpectedResponse want, RoundTrip roundTrip) {
        boolean strip = want.ignoreWhitespace();
        for (Map.Entry<String, String> header : want.headers().entrySet()) {
            List<String> actual = roundTrip.header(header.getKey());
            if (actual.isEmpty()) {
                return "response header " + header.getKey() + " missing, want " + quote(header.getValue());
            }
            String joined = clean(String.join(",", actual), strip);
            if (!joined.equals(clean(header.getValue(), strip))) {
                return "response header " + header.getKey() + " is " + quote(joined) + ", want "
                        + quote(header.getValue());
            }
        }
        for (Map.Entry<String, List<String>> header : want.validHeaderValues().entrySet()) {
            List<String> actual = roundTrip.header(header.getKey());
            if (actual.isEmpty()) {
                return "response header " + header.getKey() + " missing, want one of " + header.getValue();
            }
            String joined = clean(String.join(",", actual), strip);
            if (header.getValue().stream().noneMatch(v -> clean(v, strip).equals(joined))) {
                return "response header " + header.getKey() + " is " + quote(joined) + ", want one of "
                        + header.getValue();
            }
        }
        for (String absent : want.absentHeaders()) {
            if (!roundTrip.header(absent).isEmpty()) {
                return "response header " + absent + " present (" + roundTrip.header(absent) + "), want it absent";
            }
        }
        return null;
    }

    private static String judgeRedirect(HttpCase c, Sent sent, RoundTrip roundTrip) {
        HttpCase.Redirect want = c.redirect();
        String location = roundTrip.firstHeader("location");
        if (location == null) {
            return "redirect without Location";
        }
        URI uri;
        try {
            uri = new URI(sent.scheme() + "://" + sent.urlHost() + "/").resolve(new URI(location));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return "unparsable Location " + quote(location);
        }
        String host = uri.getHost() == null ? "" : uri.getHost();
        if (want.host() != null && !host.equals(want.host())) {
            return "Location host " + quote(host) + ", want " + quote(want.host());
        }
        String wantScheme = want.scheme() != null ? want.scheme() : sent.scheme();
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        if (!scheme.equals(wantScheme)) {
            return "Location scheme " + quote(scheme) + ", want " + quote(wantScheme);
        }
        String wantPath = want.path() != null ? want.path() : pathOnly(sent.path());
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!path.equals(wantPath)) {
            return "Location path " + quote(path) + ", want " + quote(wantPath);
        }
        String port = uri.getPort() < 0 ? "" : Integer.toString(uri.getPort());
        if (want.port() == null || want.port().isEmpty()) {
            String defaultPort = scheme.equals("https") ? "443" : scheme.equals("http") ? "80" : "";
            if (!port.isEmpty() && !port.equals(defaultPort)) {
                return "Location port " + port + ", want none or " + defaultPort;
            }
        } else if (!port.equals(want.port())) {
            return "Location port " + quote(port) + ", want " + quote(want.port());
        }
        return null;
    }

    private static String pathOnly(String path) {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    private static String clean(String value, boolean stripSpaces) {
        return stripSpaces ? value.replace(" ", "") : value;
    }

    private static String normalizePem(String pem) {
        return pem.replaceAll("\\s", "");
    }

    private static String quote(String s) {
        return s == null ? "<none>" : "\"" + s + "\"";
    }

    /** The fields of an echo body that the suite reads; empty (and the request's method) unless JSON. */
    private static final class Echo {
        String path = "";
        String host = "";
        String method;
        String namespace = "";
        String pod = "";
        String tlsServerName;
        JsonNode headers;
        List<String> peerCertificates = new ArrayList<>();

        static Echo parse(RoundTrip roundTrip, String requestMethod) {
            Echo echo = new Echo();
            echo.method = requestMethod;
            if (!"application/json".equals(roundTrip.firstHeader("content-type"))) {
                return echo;
            }
            JsonNode body;
            try {
                body = Json.JSON.readTree(roundTrip.body());
            } catch (JacksonException e) {
                // Upstream fails the round trip on an unparsable JSON body; an empty echo never matches a path.
                echo.path = "<unparsable JSON body>";
                return echo;
            }
            echo.path = Json.text(body, "path", "");
            echo.host = Json.text(body, "host", "");
            echo.method = Json.text(body, "method", "");
            echo.namespace = Json.text(body, "namespace", "");
            echo.pod = Json.text(body, "pod", "");
            echo.headers = body.get("headers");
            JsonNode tls = body.get("tls");
            if (tls != null && tls.isObject()) {
                echo.tlsServerName = Json.text(tls, "serverName", "");
                echo.peerCertificates = Json.strings(tls, "peerCertificates");
            }
            return echo;
        }

        /** The values of a request header as echoed (names case-insensitive), or null when absent. */
        List<String> header(String name) {
            if (headers == null || !headers.isObject()) {
                return null;
            }
            for (Map.Entry<String, JsonNode> e : headers.properties()) {
                if (e.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                    List<String> values = new ArrayList<>();
                    if (e.getValue().isArray()) {
                        e.getValue().forEach(v -> values.add(v.asString()));
                    } else {
                        values.add(e.getValue().asString());
                    }
                    return values;
                }
            }
            return null;
        }
    }
}
