package dev.nantian.testing.conformance.internal;

import static dev.nantian.testing.conformance.internal.Json.nodes;
import static dev.nantian.testing.conformance.internal.Json.stringMap;
import static dev.nantian.testing.conformance.internal.Json.strings;
import static dev.nantian.testing.conformance.internal.Json.text;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One HTTP case of {@code http.json}, parsed once with the defaults of {@code comparisonSemantics.defaults} applied.
 *
 * @param index position in the test, from 0
 * @param name the case's subtest or test case name, for reports
 * @param mode how the case is sent and judged
 * @param mirrorDistribution whether upstream also checks a mirroring percentage (statistics)
 * @param request what the client sends
 * @param expectedRequest what the echo backend must have seen (never {@code null}: defaults to the request)
 * @param backend which backend must have answered ({@code service} empty when any may)
 * @param response what the response must look like
 * @param redirect the expected Location parts, or {@code null} when any redirect passes
 * @param target where the request goes
 * @param clientCertificateMustBeRequested whether the server must ask for a client certificate
 * @param mirroredTo backends that must log a mirrored copy of the request (or, with {@code mirrorDistribution},
 *     their share of copies)
 */
public record HttpCase(
        int index,
        String name,
        Mode mode,
        boolean mirrorDistribution,
        Request request,
        ExpectedRequest expectedRequest,
        Backend backend,
        ExpectedResponse response,
        Redirect redirect,
        Target target,
        boolean clientCertificateMustBeRequested,
        List<MirroredBackend> mirroredTo) {

    /** Placeholder in paths that stands for a UUID chosen once per case. */
    public static final String UUID_PER_CASE = "<fresh-uuid-per-case>";

    /** Placeholder in paths that stands for a UUID chosen for every round trip. */
    public static final String UUID_PER_PROBE = "<fresh-uuid-per-probe>";

    public HttpCase {
        requireNonNull(name, "name");
        requireNonNull(mode, "mode");
        requireNonNull(request, "request");
        requireNonNull(expectedRequest, "expectedRequest");
        requireNonNull(backend, "backend");
        requireNonNull(response, "response");
        requireNonNull(target, "target");
        mirroredTo = List.copyOf(mirroredTo);
    }

    /** How a case is sent and judged ({@code sentBy[].mode}). */
    public enum Mode {
        /** Eventually consistent plain HTTP. */
        HTTP,
        /** Eventually consistent HTTPS. */
        HTTPS,
        /** Five consecutive responses other than 200, 408 and 504. */
        HTTP_EXPECT_FAILURE,
        /** One attempt that must fail at transport level. */
        HTTPS_EXPECT_FAILURE
    }

    /** The client protocol. */
    public enum Protocol {
        /** HTTP/1.1, over TLS when the scheme is https. */
        HTTP_1_1,
        /** HTTP/2 over TLS, negotiated with ALPN. */
        H2,
        /** Cleartext HTTP/2 with prior knowledge. */
        H2C_PRIOR_KNOWLEDGE
    }

    /** A namespaced object reference. */
    public record ObjectRef(String namespace, String name) {
        public ObjectRef {
            requireNonNull(name, "name");
            namespace = namespace == null ? "" : namespace;
        }

        @Override
        public String toString() {
            return namespace.isEmpty() ? name : namespace + "/" + name;
        }

        static ObjectRef parse(JsonNode node) {
            if (node == null || node.isNull() || node.isMissingNode()) {
                return null;
            }
            // Vectors spell these both as {namespace,name} and as Go's {Namespace,Name}.
            String name = text(node, "name", text(node, "Name"));
            return name == null ? null : new ObjectRef(text(node, "namespace", text(node, "Namespace")), name);
        }
    }

    /**
     * The request as sent.
     *
     * @param method HTTP method
     * @param host the Host header / :authority, or {@code null} for the gateway address
     * @param path path plus query, possibly with UUID placeholders
     * @param headers extra request headers in vector order
     * @param backendSetResponseHeaders the items of the {@code X-Echo-Set-Header} request header
     * @param clientCertificate Secret whose certificate the echo backend must see as the gateway's client certificate
     */
    public record Request(
            String method,
            String host,
            String path,
            Protocol protocol,
            Map<String, String> headers,
            Map<String, String> backendSetResponseHeaders,
            String sni,
            ObjectRef clientCertificate) {
        public Request {
            requireNonNull(method, "method");
            requireNonNull(path, "path");
            requireNonNull(protocol, "protocol");
            headers = unmodifiable(headers);
            backendSetResponseHeaders = unmodifiable(backendSetResponseHeaders);
        }
    }

    /**
     * What the echo backend must report.
     *
     * @param path the exact echoed path ({@code ""}: the response must not come from the echo backend)
     * @param host compared only when not {@code null}
     * @param sni compared with {@code tls.serverName} when not {@code null}
     * @param clientCertificate Secret whose certificate must be among {@code tls.peerCertificates}, or {@code null}
     */
    public record ExpectedRequest(
            String path,
            String method,
            String host,
            Map<String, String> headers,
            List<String> absentHeaders,
            String sni,
            ObjectRef clientCertificate) {
        public ExpectedRequest {
            requireNonNull(path, "path");
            requireNonNull(method, "method");
            headers = unmodifiable(headers);
            absentHeaders = List.copyOf(absentHeaders);
        }
    }

    /** The backend that must answer; {@code service} is a pod name prefix, empty when any pod may answer. */
    public record Backend(String namespace, String service) {
        public Backend {
            namespace = namespace == null ? "" : namespace;
            service = service == null ? "" : service;
        }
    }

    /**
     * A backend that receives mirrored copies.
     *
     * @param percent the share of requests it must receive (upstream's {@code MirroredBackend.Percent}), or
     *     {@code null} when every request is mirrored
     */
    public record MirroredBackend(String namespace, String service, Integer percent) {
        public MirroredBackend {
            namespace = namespace == null ? "" : namespace;
            service = service == null ? "" : service;
            if (percent != null && (percent < 0 || percent > 100)) {
                throw new IllegalArgumentException("mirror percent " + percent + " outside 0..100");
            }
        }
    }

    /** The query parameter upstream's {@code AddRequestIDQueryParam} sets to tell mirrored copies apart. */
    public static final String REQUEST_ID_PARAM = "gateway-api-conformance-request-id";

    /**
     * This case with upstream's {@code AddRequestIDQueryParam} applied: {@link #REQUEST_ID_PARAM} set to
     * {@link #UUID_PER_CASE} in the request and expected paths, so every case UUID marks its own round trips.
     */
    public HttpCase withRequestIdQuery() {
        Request r = request;
        ExpectedRequest e = expectedRequest;
        return new HttpCase(
                index,
                name,
                mode,
                mirrorDistribution,
                new Request(
                        r.method(),
                        r.host(),
                        withRequestId(r.path()),
                        r.protocol(),
                        r.headers(),
                        r.backendSetResponseHeaders(),
                        r.sni(),
                        r.clientCertificate()),
                new ExpectedRequest(
                        withRequestId(e.path()),
                        e.method(),
                        e.host(),
                        e.headers(),
                        e.absentHeaders(),
                        e.sni(),
                        e.clientCertificate()),
                backend,
                response,
                redirect,
                target,
                clientCertificateMustBeRequested,
                mirroredTo);
    }

    private static String withRequestId(String path) {
        if (path.contains(REQUEST_ID_PARAM + "=")) {
            throw new IllegalStateException("path " + path + " already carries " + REQUEST_ID_PARAM);
        }
        return path + (path.contains("?") ? "&" : "?") + REQUEST_ID_PARAM + "=" + UUID_PER_CASE;
    }

    /**
     * Response expectations.
     *
     * @param statusCodes acceptable status codes
     * @param headers exact response header values (names case-insensitive)
     * @param validHeaderValues acceptable values per response header
     * @param absentHeaders response headers that must be missing
     * @param ignoreWhitespace strip spaces from response header values before comparing
     * @param protocol the required response proto (e.g. {@code HTTP/2.0}), or {@code null}
     */
    public record ExpectedResponse(
            Set<Integer> statusCodes,
            Map<String, String> headers,
            Map<String, List<String>> validHeaderValues,
            List<String> absentHeaders,
            boolean ignoreWhitespace,
            String protocol) {
        public ExpectedResponse {
            statusCodes = Set.copyOf(statusCodes);
            headers = unmodifiable(headers);
            validHeaderValues = unmodifiable(validHeaderValues);
            absentHeaders = List.copyOf(absentHeaders);
        }
    }

    /** Expected Location parts; {@code null} fields take the defaults of {@code comparisonSemantics.compare}. */
    public record Redirect(String scheme, String host, String port, String path) {}

    /**
     * Where the case is sent.
     *
     * @param gateway the Gateway whose status address is used
     * @param port upstream's description of the port ("port of first listener in spec", "port of listener X", or
     *     a number)
     * @param listener the listener upstream asked for, or {@code null}
     * @param scheme {@code http} or {@code https}
     * @param trustCaFromSecret Secret whose {@code tls.crt} the client trusts
     * @param clientCertFromSecret Secret whose certificate and key the client presents
     * @param tlsServerName the SNI the client sends
     */
    public record Target(
            ObjectRef gateway,
            String port,
            String listener,
            String scheme,
            ObjectRef trustCaFromSecret,
            ObjectRef clientCertFromSecret,
            String tlsServerName) {
        public Target {
            requireNonNull(gateway, "gateway");
            requireNonNull(port, "port");
            requireNonNull(scheme, "scheme");
        }
    }

    /** Parses case {@code index} of a test in {@code http.json}. */
    static HttpCase parse(int index, JsonNode node) {
        JsonNode req = node.path("request");
        Protocol protocol = protocol(text(req, "protocol"));
        String method = text(req, "method", "GET");
        Map<String, String> headers = stringMap(req, "headers");
        ObjectRef clientCert = ObjectRef.parse(req.path("clientCert").get("$secret"));
        Request request = new Request(
                method,
                text(req, "host"),
                text(req, "path", "/"),
                protocol,
                headers,
                stringMap(node, "backendSetResponseHeaders"),
                text(req, "sni"),
                clientCert);

        JsonNode exp = node.get("expectedRequest");
        ExpectedRequest expected;
        if (exp == null || exp.isNull()) {
            expected = new ExpectedRequest(
                    request.path(), method, request.host(), headers, List.of(), request.sni(), clientCert);
        } else {
            expected = new ExpectedRequest(
                    text(exp, "path", ""),
                    text(exp, "method", "GET"),
                    text(exp, "host"),
                    stringMap(exp, "headers"),
                    strings(exp, "absentHeaders"),
                    text(exp, "sni"),
                    ObjectRef.parse(exp.path("clientCert").get("$secret")));
        }

        JsonNode resp = node.path("response");
        JsonNode effective = node.path("effective");
        Set<Integer> codes = new LinkedHashSet<>();
        JsonNode codeNode = effective.has("statusCodes") ? effective.get("statusCodes") : resp.get("statusCodes");
        if (codeNode != null && codeNode.isArray()) {
            codeNode.forEach(c -> codes.add(c.asInt()));
        }
        if (codes.isEmpty()) {
            codes.add(200);
        }
        Map<String, List<String>> valid = new LinkedHashMap<>();
        JsonNode validNode = resp.get("validHeaderValues");
        if (validNode != null && validNode.isObject()) {
            validNode.properties().forEach(e -> {
                List<String> values = new ArrayList<>();
                e.getValue().forEach(v -> values.add(v.asString()));
                valid.put(e.getKey(), List.copyOf(values));
            });
        }
        ExpectedResponse response = new ExpectedResponse(
                codes,
                stringMap(resp, "headers"),
                valid,
                strings(resp, "absentHeaders"),
                resp.path("ignoreWhitespace").asBoolean(false),
                text(resp, "protocol"));

        JsonNode red = node.get("redirect");
        Redirect redirect = red == null || red.isNull()
                ? null
                : new Redirect(
                        text(red, "scheme"),
                        text(red, "hostname", text(red, "host")),
                        text(red, "port"),
                        text(red, "path"));

        JsonNode tgt = node.path("target");
        Target target = new Target(
                requireNonNull(ObjectRef.parse(tgt.get("gateway")), "target.gateway"),
                text(tgt, "port", "port of first listener in spec"),
                text(tgt, "listener"),
                text(tgt, "scheme", "http"),
                ObjectRef.parse(tgt.get("trustCAFromSecret")),
                ObjectRef.parse(tgt.get("clientCertFromSecret")),
                text(tgt, "tlsServerName"));

        Mode mode = Mode.HTTP;
        boolean distribution = false;
        List<JsonNode> sentBy = nodes(node, "sentBy");
        for (int i = sentBy.size() - 1; i >= 0; i--) {
            String m = text(sentBy.get(i), "mode", "http");
            if (m.equals("mirror-distribution")) {
                distribution = true;
            } else {
                mode = mode(m);
            }
        }
        if (sentBy.isEmpty() && target.scheme().equals("https")) {
            mode = Mode.HTTPS;
        }

        List<MirroredBackend> mirrors = new ArrayList<>();
        for (JsonNode m : nodes(node, "mirroredTo")) {
            JsonNode percent = m.get("percent");
            mirrors.add(new MirroredBackend(
                    text(m, "namespace"),
                    text(m, "service"),
                    percent == null || percent.isNull() ? null : percent.asInt()));
        }
        String name = text(node, "testCaseName", text(node, "subtest", method + " " + request.path()));
        return new HttpCase(
                index,
                name,
                mode,
                distribution,
                request,
                expected,
                new Backend(text(node.path("backend"), "namespace"), text(node.path("backend"), "service")),
                response,
                redirect,
                target,
                effective.path("clientCertificateMustBeRequested").asBoolean(false),
                mirrors);
    }

    private static Protocol protocol(String protocol) {
        if (protocol == null || protocol.equals("HTTP") || protocol.equals("HTTP/1.1")) {
            return Protocol.HTTP_1_1;
        }
        if (protocol.equals("H2")) {
            return Protocol.H2;
        }
        if (protocol.equals("H2C_PRIOR_KNOWLEDGE")) {
            return Protocol.H2C_PRIOR_KNOWLEDGE;
        }
        throw new IllegalArgumentException("unknown request protocol " + protocol);
    }

    private static Mode mode(String mode) {
        switch (mode) {
            case "http":
                return Mode.HTTP;
            case "https":
                return Mode.HTTPS;
            case "http-expect-failure":
                return Mode.HTTP_EXPECT_FAILURE;
            case "https-expect-failure":
                return Mode.HTTPS_EXPECT_FAILURE;
            default:
                throw new IllegalArgumentException("unknown case mode " + mode);
        }
    }

    private static <K, V> Map<K, V> unmodifiable(Map<K, V> map) {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
