package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.testing.conformance.ConformanceReport.CaseResult;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Sends a test's {@code other-traffic.json} traffic the way upstream's helpers do: {@code grpcCases}
 * ({@code grpc.MakeRequestAndExpectEventuallyConsistentResponse}), {@code tcpCases}
 * ({@code tcp.MakeTCPRequestAndExpectEventuallyValidResponse}, plain or TLS), {@code udpCases}
 * ({@code udp.ExpectEchoResponseFromBackend}) and the {@code otherCalls} (weighted distributions, TCP samples, UDP
 * echoes, TLS connection rejection). Values the vectors leave {@code $unresolved} are derived from the manifests
 * the same way upstream's test code derives them; see {@link #resolveHostname}. Not thread-safe: one runner thread.
 */
final class OtherTraffic {

    private static final int WEIGHT_REQUESTS = 500;
    private static final int WEIGHT_CONCURRENCY = 10;
    private static final double WEIGHT_TOLERANCE = 0.05;
    private static final int WEIGHT_RUNS = 10;
    private static final int TCP_SAMPLES = 100;
    private static final Duration TCP_SAMPLE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration UDP_SAMPLE_TIMEOUT = Duration.ofSeconds(2);
    private static final String UDP_PROBE = "gateway-api-conformance-udp-echo";
    private static final String UDP_WEIGHT_PROBE = "gateway-api-conformance-udp-weight\n";
    private static final Pattern HOSTNAMES = Pattern.compile("hostnames(\\w*)\\[(\\d+)]");
    private static final String CA_EXPRESSION = "[]byte(caString)";

    private final Suite.Settings settings;
    private final Clock clock;
    private final List<X509Certificate> suiteCas;

    /**
     * @param suiteCas the CA certificates of every generated CA ConfigMap: what upstream's {@code caString} (read
     *     from one of them, by a name the vectors do not carry) may stand for
     */
    OtherTraffic(Suite.Settings settings, Clock clock, List<X509Certificate> suiteCas) {
        this.settings = requireNonNull(settings, "settings");
        this.clock = requireNonNull(clock, "clock");
        this.suiteCas = List.copyOf(suiteCas);
    }

    /**
     * Runs every case and call of {@code test} (its {@code other-traffic.json} object).
     *
     * @param manifests everything written for the test (base, test manifests, certificates)
     * @param own the test's own manifests only
     * @param status the gateway's status for the test's revision
     */
    List<CaseResult> run(JsonNode test, Manifests manifests, Manifests own, StatusSnapshot status)
            throws InterruptedException {
        Context ctx = new Context(test, manifests, own, status);
        List<CaseResult> out = new ArrayList<>();
        List<JsonNode> grpcCases = Json.nodes(test, "grpcCases");
        for (int i = 0; i < grpcCases.size(); i++) {
            out.addAll(grpcCase(ctx, i, grpcCases.get(i)));
        }
        List<JsonNode> tcpCases = Json.nodes(test, "tcpCases");
        for (int i = 0; i < tcpCases.size(); i++) {
            out.addAll(tcpCase(ctx, i, tcpCases.get(i)));
        }
        List<JsonNode> udpCases = Json.nodes(test, "udpCases");
        for (int i = 0; i < udpCases.size(); i++) {
            out.add(udpCase(ctx, i, udpCases.get(i)));
        }
        out.addAll(otherCalls(ctx, out));
        return out;
    }

    /** What a test's calls share: its vectors, manifests and status. */
    private record Context(JsonNode test, Manifests manifests, Manifests own, StatusSnapshot status) {}

    // ---- gRPC -------------------------------------------------------------------------------------------------

    private List<CaseResult> grpcCase(Context ctx, int index, JsonNode c) throws InterruptedException {
        JsonNode request = c.path("request");
        Map<String, String> metadata = Json.stringMap(request, "metadata");
        String expectedCode = Json.text(c.path("response"), "grpcCode", "OK");
        JsonNode backend = c.path("backend");
        String namespace = Json.text(backend, "namespace", "");
        String service = Json.text(backend, "service", "");
        String name = "grpc " + index + " " + fullMethod(request)
                + (metadata.isEmpty() ? "" : " with " + new TreeMap<>(metadata))
                + (service.isEmpty() ? " should receive " + expectedCode : " should go to " + service);
        List<CaseResult> out = new ArrayList<>();
        InetSocketAddress address;
        Status.Code want;
        try {
            want = GrpcProbe.code(expectedCode);
            address = address(ctx, sentByGateway(c), "HTTP");
        } catch (RuntimeException e) {
            out.add(new CaseResult(name, "grpc", false, e.getMessage()));
            return out;
        }
        String failure;
        // Upstream: a fresh DefaultClient per case, its connection reused by every try.
        try (GrpcProbe probe = new GrpcProbe(address)) {
            failure = eventually(settings.requiredConsecutive(), () -> {
                GrpcProbe.Result r = probe.call(fullMethod(request), metadata, settings.requestTimeout());
                return compareGrpc(r, want, fullMethod(request), namespace, service);
            });
        }
        out.add(new CaseResult(name, "grpc", failure == null, failure));
        JsonNode weights = weightCall(ctx.test(), Json.text(c, "subtest"));
        if (failure == null && weights != null && index == firstIndexOfSubtest(ctx.test(), "grpcCases", c)) {
            String result;
            try (GrpcProbe probe = new GrpcProbe(address)) {
                result = distribution(weightsOf(weights), () -> {
                    Map<String, String> md = new LinkedHashMap<>(metadata);
                    // Upstream's AddEntropy: a random value in x-jitter two times in three (its random delay is
                    // left out: it only spreads the requests in time and would stretch a run to ~20 s).
                    if (ThreadLocalRandom.current().nextInt(3) != 0) {
                        md.put(
                                "x-jitter",
                                Integer.toString(ThreadLocalRandom.current().nextInt(10_000)));
                    }
                    GrpcProbe.Result r = probe.call(fullMethod(request), md, settings.requestTimeout());
                    if (r.code() != Status.Code.OK) {
                        throw new IllegalStateException("RPC ended with " + r.code() + ": " + r.description());
                    }
                    return r.response().getAssertions().getContext().getPod();
                });
            }
            out.add(new CaseResult(
                    Json.text(weights, "subtest", "weighted distribution"), "weights", result == null, result));
        }
        return out;
    }

    /** The method's {@code /service/method} path: the vectors' {@code fullMethod}, else built from its parts. */
    private static String fullMethod(JsonNode request) {
        String full = Json.text(request, "fullMethod");
        return full != null ? full : "/" + Json.text(request, "service", "") + "/" + Json.text(request, "method", "");
    }

    /** Upstream's {@code compareResponse}. */
    static String compareGrpc(
            GrpcProbe.Result r, Status.Code want, String fullMethod, String namespace, String backend) {
        if (r.code() != want) {
            return "expected status code to be " + want + ", but got " + r.code()
                    + (r.description() == null ? "" : " (" + r.description() + ")");
        }
        if (r.code() != Status.Code.OK) {
            return null;
        }
        var assertions = r.response().getAssertions();
        if (!fullMethod.equals(assertions.getFullyQualifiedMethod())) {
            return "expected path to be " + fullMethod + ", got " + assertions.getFullyQualifiedMethod();
        }
        if (!namespace.isEmpty() && !namespace.equals(assertions.getContext().getNamespace())) {
            return "expected namespace to be " + namespace + ", got "
                    + assertions.getContext().getNamespace();
        }
        if (!assertions.getContext().getPod().startsWith(backend)) {
            return "expected pod name to start with " + backend + ", got "
                    + assertions.getContext().getPod();
        }
        return null;
    }

    // ---- TCP and TLS ------------------------------------------------------------------------------------------

    /** One case per listener and backend when the vectors leave them {@code $unresolved} (a loop upstream). */
    private List<CaseResult> tcpCase(Context ctx, int index, JsonNode c) throws InterruptedException {
        JsonNode sent = first(c, "sentBy");
        JsonNode gatewayAddress = sent.path("gatewayAddress");
        JsonNode expected = c.path("expected");
        String subtest = Json.text(c, "subtest", "tcp " + index);
        List<CaseResult> out = new ArrayList<>();
        List<String[]> targets = new ArrayList<>(); // {listener or null, backend}
        try {
            JsonNode listeners = gatewayAddress.path("listeners");
            boolean listenerUnresolved =
                    listeners.size() > 0 && listeners.get(0).isObject();
            JsonNode backendNode = expected.path("backend");
            if (listenerUnresolved || backendNode.isObject()) {
                if (!(listenerUnresolved && backendNode.isObject())) {
                    throw new IllegalArgumentException(
                            "only a listener and backend that are both $unresolved can be derived");
                }
                targets.addAll(routeTargets(ctx, gatewayRef(gatewayAddress), "TCPRoute", "TCP"));
                if (targets.isEmpty()) {
                    throw new IllegalArgumentException("no TCPRoute attaches to " + gatewayRef(gatewayAddress));
                }
            } else {
                targets.add(new String[] {
                    listeners.size() > 0 ? listeners.get(0).asString() : null, backendNode.asString("")
                });
            }
        } catch (RuntimeException e) {
            out.add(new CaseResult(subtest, "tcp", false, e.getMessage()));
            return out;
        }
        for (String[] target : targets) {
            String name = targets.size() == 1 ? subtest : subtest + " via listener " + target[0] + " to " + target[1];
            String failure;
            try {
                HttpCase.ObjectRef gw = gatewayRef(gatewayAddress);
                InetSocketAddress address = address(ctx, gw, target[0], null);
                L4Client.Tls tls = null;
                if (sent.path("useTLS").asBoolean(false)) {
                    String serverName = resolveHostname(ctx, sent.get("tlsServerName"), gatewayAddress);
                    tls = new L4Client.Tls(serverName, roots(sent.get("tlsServerCA")));
                }
                L4Client.TcpExpectation want = new L4Client.TcpExpectation(
                        expected.path("backendIsTLS").asBoolean(false),
                        target[1],
                        Json.text(expected, "namespace", ""),
                        resolveHostname(ctx, expected.get("hostname"), gatewayAddress));
                L4Client.Tls finalTls = tls;
                failure = eventually(1, () -> L4Client.tcpRound(address, finalTls, want, settings.requestTimeout()));
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
            out.add(new CaseResult(name, "tcp", failure == null, failure));
        }
        return out;
    }

    // ---- UDP --------------------------------------------------------------------------------------------------

    private CaseResult udpCase(Context ctx, int index, JsonNode c) throws InterruptedException {
        JsonNode expected = c.path("expected");
        String name = Json.text(c, "subtest", "udp " + index);
        String failure;
        try {
            JsonNode gatewayAddress = first(c, "sentBy").path("gatewayAddress");
            InetSocketAddress address = address(ctx, gatewayAddress, "UDP");
            failure = udpEcho(address, Json.text(expected, "service", ""), Json.text(expected, "namespace", ""));
        } catch (RuntimeException e) {
            failure = e.getMessage();
        }
        return new CaseResult(name, "udp", failure == null, failure);
    }

    /** Upstream's {@code ExpectEchoResponseFromBackend}: poll until an echo names the service and namespace. */
    private String udpEcho(InetSocketAddress address, String service, String namespace) throws InterruptedException {
        return eventually(1, () -> {
            String answer;
            try {
                answer = L4Client.udpExchange(address, UDP_PROBE, settings.requestTimeout());
            } catch (java.io.IOException e) {
                return "no UDP echo from " + address + ": " + L4Client.describe(e);
            }
            if (service.isEmpty() && namespace.isEmpty()) {
                return null;
            }
            JsonNode echo;
            try {
                echo = Json.JSON.readTree(answer);
            } catch (RuntimeException e) {
                return "cannot decode UDP echo " + answer + ": " + e.getMessage();
            }
            if (!service.isEmpty() && !service.equals(Json.text(echo, "service", ""))) {
                return "UDP echo service=" + Json.text(echo, "service", "") + ", want " + service + " (pod "
                        + Json.text(echo, "pod", "") + ")";
            }
            if (!namespace.isEmpty() && !namespace.equals(Json.text(echo, "namespace", ""))) {
                return "UDP echo namespace=" + Json.text(echo, "namespace", "") + ", want " + namespace;
            }
            return null;
        });
    }

    // ---- otherCalls -------------------------------------------------------------------------------------------

    private List<CaseResult> otherCalls(Context ctx, List<CaseResult> earlier) throws InterruptedException {
        List<CaseResult> out = new ArrayList<>();
        boolean hasGrpc = !Json.nodes(ctx.test(), "grpcCases").isEmpty();
        for (JsonNode call : Json.nodes(ctx.test(), "otherCalls")) {
            String kind = Json.text(call, "call", "");
            String subtest = Json.text(call, "subtest", kind);
            if (earlierFailed(earlier, subtest)) {
                // Upstream's subtest stops at its first failed assertion.
                out.add(new CaseResult(subtest + " (" + kind + ")", "other", false, "an earlier check failed"));
                continue;
            }
            String failure;
            try {
                switch (kind) {
                    case "weight.TestWeightedDistribution":
                        if (hasGrpc) {
                            continue; // run with its gRPC case
                        }
                        failure = l4Distribution(ctx, call);
                        break;
                    case "tcp.EchoSendOnce":
                        if (weightCall(ctx.test(), Json.text(call, "subtest")) != null) {
                            continue; // the sender of the distribution below
                        }
                        failure = tcpSamples(ctx, call);
                        break;
                    case "udp.ExpectEchoResponse":
                        failure = udpEcho(address(ctx, call.path("gatewayAddress"), "UDP"), "", "");
                        break;
                    case "tls.MakeTLSConnectionAndExpectEventuallyConnectionRejection":
                        failure = tlsRejection(ctx, call);
                        break;
                    default:
                        failure = "the runner does not implement " + kind;
                }
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
            out.add(new CaseResult(subtest + " (" + kind + ")", "other", failure == null, failure));
        }
        return out;
    }

    private static boolean earlierFailed(List<CaseResult> earlier, String subtest) {
        return earlier.stream().anyMatch(r -> !r.passed() && r.name().startsWith(subtest));
    }

    /** TCP or UDP weighted distribution, sent to the Gateway its subtest talks to. */
    private String l4Distribution(Context ctx, JsonNode call) throws InterruptedException {
        String subtest = Json.text(call, "subtest");
        JsonNode sender = null;
        for (JsonNode other : Json.nodes(ctx.test(), "otherCalls")) {
            String kind = Json.text(other, "call", "");
            if (java.util.Objects.equals(subtest, Json.text(other, "subtest"))
                    && (kind.equals("tcp.EchoSendOnce") || kind.equals("udp.ExpectEchoResponse"))) {
                sender = other;
            }
        }
        boolean udp = sender != null
                ? Json.text(sender, "call", "").startsWith("udp.")
                : Json.text(ctx.test(), "name", "").startsWith("UDP");
        InetSocketAddress address =
                address(ctx, sender == null ? null : sender.get("gatewayAddress"), udp ? "UDP" : "TCP");
        return distribution(weightsOf(call), () -> {
            if (udp) {
                String answer = L4Client.udpExchange(address, UDP_WEIGHT_PROBE, UDP_SAMPLE_TIMEOUT);
                String pod = Json.text(Json.JSON.readTree(answer), "pod", "");
                if (pod.isEmpty()) {
                    throw new IllegalStateException("UDP echo response missing pod name: " + answer);
                }
                return pod;
            }
            return L4Client.tcpEchoOnce(address, TCP_SAMPLE_TIMEOUT);
        });
    }

    /** TCPRouteMultipleRoutesAttachment: {@value #TCP_SAMPLES} single connections must all reach the backend. */
    private String tcpSamples(Context ctx, JsonNode call) {
        String subtest = Json.text(call, "subtest");
        JsonNode tcpCase = null;
        for (JsonNode c : Json.nodes(ctx.test(), "tcpCases")) {
            if (java.util.Objects.equals(subtest, Json.text(c, "subtest"))) {
                tcpCase = c;
            }
        }
        if (tcpCase == null) {
            return "no tcpCase of subtest " + subtest + " names the backend to expect";
        }
        String backend = Json.text(tcpCase.path("expected"), "backend", "");
        InetSocketAddress address = address(ctx, first(tcpCase, "sentBy").path("gatewayAddress"), "TCP");
        for (int i = 1; i <= TCP_SAMPLES; i++) {
            String pod;
            try {
                pod = L4Client.tcpEchoOnce(address, TCP_SAMPLE_TIMEOUT);
            } catch (java.io.IOException e) {
                return "TCP echo request " + i + "/" + TCP_SAMPLES + " failed: " + L4Client.describe(e);
            }
            if (!pod.startsWith(backend + "-")) {
                return "request " + i + "/" + TCP_SAMPLES + " reached " + pod + ", want a pod of " + backend;
            }
        }
        return null;
    }

    private String tlsRejection(Context ctx, JsonNode call) throws InterruptedException {
        JsonNode gatewayAddress = call.path("gatewayAddress");
        InetSocketAddress address = address(ctx, gatewayAddress, "TLS");
        String serverName = resolveHostname(ctx, call.get("serverName"), gatewayAddress);
        return eventually(1, () -> L4Client.tlsRejected(address, serverName, settings.requestTimeout()));
    }

    // ---- shared machinery -------------------------------------------------------------------------------------

    /**
     * Upstream's convergence loop: tries until {@code required} consecutive successes, within the time to
     * consistency, {@code retryInterval} after each failure.
     *
     * @return null on success, else the last failure
     */
    private String eventually(int required, Supplier<String> attempt) throws InterruptedException {
        Instant deadline = clock.instant().plus(settings.maxTimeToConsistency());
        int consecutive = 0;
        String last = "no attempt";
        while (true) {
            String mismatch;
            try {
                mismatch = attempt.get();
            } catch (RuntimeException e) {
                mismatch = L4Client.describe(e);
            }
            if (mismatch == null) {
                if (++consecutive >= required) {
                    return null;
                }
            } else {
                consecutive = 0;
                last = mismatch;
            }
            if (!clock.instant().isBefore(deadline)) {
                return last + " (no " + required + " consecutive successes within "
                        + settings.maxTimeToConsistency().toSeconds() + " s)";
            }
            if (mismatch != null) {
                Await.pause(settings.retryInterval());
            }
        }
    }

    /**
     * Upstream's {@code weight.TestWeightedDistribution}: {@value #WEIGHT_REQUESTS} requests,
     * {@value #WEIGHT_CONCURRENCY} at a time, each answered by a pod whose Deployment (the pod name without its two
     * hash parts) must carry a weight; shares within {@value #WEIGHT_TOLERANCE}; up to {@value #WEIGHT_RUNS} runs.
     * A run stops at its first failed request (upstream's errgroup fails the run then too).
     */
    private String distribution(Map<String, Double> weights, Callable<String> sendOnce) throws InterruptedException {
        String last = null;
        ExecutorService executor = Executors.newFixedThreadPool(WEIGHT_CONCURRENCY);
        try {
            for (int run = 0; run < WEIGHT_RUNS; run++) {
                List<Future<String>> futures = new ArrayList<>();
                for (int i = 0; i < WEIGHT_REQUESTS; i++) {
                    futures.add(executor.submit(sendOnce));
                }
                Map<String, Integer> counts = new LinkedHashMap<>();
                String error = null;
                for (Future<String> f : futures) {
                    if (error != null) {
                        f.cancel(true);
                        continue;
                    }
                    try {
                        counts.merge(deployment(f.get()), 1, Integer::sum);
                    } catch (ExecutionException e) {
                        error = "a request failed: " + L4Client.describe(e.getCause());
                    }
                }
                if (error == null) {
                    error = Suite.judgeDistribution(counts, weights, WEIGHT_REQUESTS, WEIGHT_TOLERANCE);
                }
                if (error == null) {
                    return null;
                }
                last = error;
            }
        } finally {
            executor.shutdownNow();
        }
        return last + " (in all " + WEIGHT_RUNS + " runs)";
    }

    /** Upstream's {@code extractBackendName}: the pod name without its ReplicaSet and pod hashes. */
    static String deployment(String pod) {
        String[] parts = pod.split("-");
        return parts.length < 3 ? pod : String.join("-", List.of(parts).subList(0, parts.length - 2));
    }

    private static Map<String, Double> weightsOf(JsonNode call) {
        Map<String, Double> weights = new LinkedHashMap<>();
        call.path("expectedWeights")
                .properties()
                .forEach(e -> weights.put(e.getKey(), e.getValue().asDouble()));
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("weight call without expectedWeights");
        }
        return weights;
    }

    private static JsonNode weightCall(JsonNode test, String subtest) {
        for (JsonNode call : Json.nodes(test, "otherCalls")) {
            if ("weight.TestWeightedDistribution".equals(Json.text(call, "call"))
                    && (subtest == null || subtest.equals(Json.text(call, "subtest")))) {
                return call;
            }
        }
        return null;
    }

    private static int firstIndexOfSubtest(JsonNode test, String field, JsonNode c) {
        List<JsonNode> cases = Json.nodes(test, field);
        String subtest = Json.text(c, "subtest");
        for (int i = 0; i < cases.size(); i++) {
            if (java.util.Objects.equals(subtest, Json.text(cases.get(i), "subtest"))) {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode first(JsonNode c, String field) {
        List<JsonNode> nodes = Json.nodes(c, field);
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("case has no " + field);
        }
        return nodes.get(0);
    }

    private static JsonNode sentByGateway(JsonNode c) {
        return first(c, "sentBy").path("gatewayAddress");
    }

    private static HttpCase.ObjectRef gatewayRef(JsonNode gatewayAddress) {
        HttpCase.ObjectRef gw = HttpCase.ObjectRef.parse(gatewayAddress.get("gateway"));
        if (gw == null) {
            throw new IllegalArgumentException("gatewayAddress names no Gateway");
        }
        return gw;
    }

    /**
     * The address of the listener named in {@code gatewayAddress}, else of its first listener, as upstream's
     * helpers pick it. Without a {@code gatewayAddress} (the vectors leave some calls' target out): the first
     * listener of {@code protocol} on the one Gateway the test defines.
     */
    private InetSocketAddress address(Context ctx, JsonNode gatewayAddress, String protocol) {
        if (gatewayAddress == null || gatewayAddress.isMissingNode() || gatewayAddress.isNull()) {
            return address(ctx, soleGateway(ctx), null, protocol);
        }
        JsonNode listeners = gatewayAddress.path("listeners");
        String listener = listeners.size() > 0 && listeners.get(0).isString()
                ? listeners.get(0).asString()
                : null;
        return address(ctx, gatewayRef(gatewayAddress), listener, null);
    }

    /**
     * The Gateway's status address and the port of {@code listener}; when that is null or does not exist (upstream's
     * helper then falls back to the first listener), the first listener of {@code protocol} when one is given, else
     * the first listener.
     */
    private static InetSocketAddress address(Context ctx, HttpCase.ObjectRef gw, String listener, String protocol) {
        StatusSnapshot.Resource gateway = ctx.status().find("Gateway", gw.namespace(), gw.name());
        String host = null;
        if (gateway != null) {
            for (JsonNode a : Json.nodes(gateway.status(), "addresses")) {
                if (Json.text(a, "type") != null && Json.text(a, "value") != null) {
                    host = Json.text(a, "value");
                    break;
                }
            }
        }
        if (host == null) {
            throw new IllegalStateException("Gateway " + gw + " has no address in its status");
        }
        List<GatewayListener> listeners = gatewayListeners(ctx.manifests(), gw);
        if (listeners.isEmpty()) {
            throw new IllegalStateException("no Gateway " + gw + " with listeners in the manifests");
        }
        GatewayListener chosen = null;
        for (GatewayListener l : listeners) {
            if (l.name().equals(listener)) {
                chosen = l;
            }
        }
        if (chosen == null && protocol != null) {
            chosen = listeners.stream()
                    .filter(l -> l.protocol().equalsIgnoreCase(protocol))
                    .findFirst()
                    .orElse(null);
        }
        return new InetSocketAddress(host, (chosen == null ? listeners.get(0) : chosen).port());
    }

    /** The one Gateway the test itself defines, for calls whose address the vectors leave out. */
    private static HttpCase.ObjectRef soleGateway(Context ctx) {
        List<HttpCase.ObjectRef> gateways = new ArrayList<>();
        for (JsonNode doc : ctx.own().documents()) {
            if ("Gateway".equals(Json.text(doc, "kind"))) {
                gateways.add(new HttpCase.ObjectRef(
                        Json.text(doc.path("metadata"), "namespace", "default"),
                        Json.text(doc.path("metadata"), "name", "")));
            }
        }
        if (gateways.size() != 1) {
            throw new IllegalArgumentException(
                    "the vectors name no Gateway for this call and the test defines " + gateways.size());
        }
        return gateways.get(0);
    }

    /** A Gateway listener with what routing to it depends on. */
    record GatewayListener(String name, int port, String protocol, String hostname, String tlsMode) {}

    static List<GatewayListener> gatewayListeners(Manifests manifests, HttpCase.ObjectRef gw) {
        List<GatewayListener> out = new ArrayList<>();
        for (JsonNode doc : manifests.documents()) {
            JsonNode meta = doc.path("metadata");
            if ("Gateway".equals(Json.text(doc, "kind"))
                    && gw.name().equals(Json.text(meta, "name"))
                    && gw.namespace().equals(Json.text(meta, "namespace", "default"))) {
                for (JsonNode l : Json.nodes(doc.path("spec"), "listeners")) {
                    out.add(new GatewayListener(
                            Json.text(l, "name", ""),
                            l.path("port").asInt(0),
                            Json.text(l, "protocol", ""),
                            Json.text(l, "hostname"),
                            Json.text(l.path("tls"), "mode", "Terminate")));
                }
            }
        }
        return out;
    }

    /**
     * Every (listener, first backend) pair of the routes of {@code kind} whose parentRef names the Gateway: by
     * sectionName, else by port, else every listener of {@code protocol}. Upstream loops over exactly these.
     */
    private static List<String[]> routeTargets(Context ctx, HttpCase.ObjectRef gw, String kind, String protocol) {
        List<GatewayListener> listeners = gatewayListeners(ctx.manifests(), gw);
        List<String[]> out = new ArrayList<>();
        for (JsonNode route : ctx.manifests().documents()) {
            if (!kind.equals(Json.text(route, "kind"))) {
                continue;
            }
            String routeNs = Json.text(route.path("metadata"), "namespace", "default");
            String backend = null;
            for (JsonNode rule : Json.nodes(route.path("spec"), "rules")) {
                for (JsonNode ref : Json.nodes(rule, "backendRefs")) {
                    backend = backend == null ? Json.text(ref, "name") : backend;
                }
            }
            if (backend == null) {
                continue;
            }
            for (JsonNode parent : Json.nodes(route.path("spec"), "parentRefs")) {
                if (!gw.name().equals(Json.text(parent, "name"))
                        || !gw.namespace().equals(Json.text(parent, "namespace", routeNs))) {
                    continue;
                }
                String section = Json.text(parent, "sectionName");
                int port = parent.path("port").asInt(0);
                for (GatewayListener l : listeners) {
                    boolean match = section != null
                            ? l.name().equals(section) && (port == 0 || l.port() == port)
                            : port != 0 ? l.port() == port : l.protocol().equalsIgnoreCase(protocol);
                    if (match) {
                        out.add(new String[] {l.name(), backend});
                    }
                }
            }
        }
        return out;
    }

    /**
     * A literal host name, or one the vectors leave {@code $unresolved}: {@code hostnames[i]} is hostname i of the
     * first route the address helper waited for ({@code GatewayAndTLSRoutesMustBeAccepted} returns those);
     * {@code hostnamesPassthrough[i]} / {@code hostnamesTerminate[i]} that of the route attached to the Gateway's
     * listener of that TLS mode.
     */
    String resolveHostname(Context ctx, JsonNode value, JsonNode gatewayAddress) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "";
        }
        if (!value.isObject()) {
            return value.asString("");
        }
        String expression = Json.text(value, "$unresolved", "");
        Matcher m = HOSTNAMES.matcher(expression);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot resolve " + expression + " from the manifests");
        }
        String mode = m.group(1);
        int index = Integer.parseInt(m.group(2));
        HttpCase.ObjectRef gw = gatewayRef(gatewayAddress);
        JsonNode route = null;
        if (mode.isEmpty()) {
            HttpCase.ObjectRef ref = HttpCase.ObjectRef.parse(first(gatewayAddress, "routesMustBeAccepted"));
            route = find(ctx.manifests(), "TLSRoute", ref);
        } else {
            List<GatewayListener> listeners = gatewayListeners(ctx.manifests(), gw);
            for (JsonNode doc : ctx.manifests().documents()) {
                if (!"TLSRoute".equals(Json.text(doc, "kind"))) {
                    continue;
                }
                for (JsonNode parent : Json.nodes(doc.path("spec"), "parentRefs")) {
                    if (!gw.name().equals(Json.text(parent, "name"))) {
                        continue;
                    }
                    String section = Json.text(parent, "sectionName");
                    for (GatewayListener l : listeners) {
                        if (l.tlsMode().equalsIgnoreCase(mode)
                                && (section == null || section.equals(l.name()))
                                && Json.strings(doc.path("spec"), "hostnames").stream()
                                        .anyMatch(h -> intersects(l.hostname(), h))) {
                            route = route == null ? doc : route;
                        }
                    }
                }
            }
        }
        if (route == null) {
            throw new IllegalArgumentException("cannot resolve " + expression + ": no such TLSRoute");
        }
        List<String> hostnames = Json.strings(route.path("spec"), "hostnames");
        if (index >= hostnames.size()) {
            throw new IllegalArgumentException(
                    "cannot resolve " + expression + ": the route has " + hostnames.size() + " hostnames");
        }
        return hostnames.get(index);
    }

    private List<X509Certificate> roots(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return List.of();
        }
        if (value.isObject() && CA_EXPRESSION.equals(Json.text(value, "$unresolved"))) {
            return suiteCas;
        }
        throw new IllegalArgumentException("cannot resolve the trusted CA " + value);
    }

    private static JsonNode find(Manifests manifests, String kind, HttpCase.ObjectRef ref) {
        for (JsonNode doc : manifests.documents()) {
            JsonNode meta = doc.path("metadata");
            if (kind.equals(Json.text(doc, "kind"))
                    && ref.name().equals(Json.text(meta, "name"))
                    && (ref.namespace().isEmpty() || ref.namespace().equals(Json.text(meta, "namespace", "default")))) {
                return doc;
            }
        }
        return null;
    }

    /** Whether a listener host name (null: any) and a route host name can match the same name. */
    static boolean intersects(String listener, String route) {
        if (listener == null || listener.isEmpty()) {
            return true;
        }
        String l = listener.toLowerCase(Locale.ROOT);
        String r = route.toLowerCase(Locale.ROOT);
        if (l.equals(r)) {
            return true;
        }
        if (l.startsWith("*.") && r.endsWith(l.substring(1))) {
            return true;
        }
        return r.startsWith("*.") && l.endsWith(r.substring(1));
    }
}
