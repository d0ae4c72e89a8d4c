package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.testing.conformance.ConformanceReport.CaseResult;
import dev.nantian.testing.conformance.ConformanceReport.Outcome;
import dev.nantian.testing.conformance.ConformanceReport.TestResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;

/**
 * Runs one conformance test at a time against a gateway that hot-reloads {@link ConfigWriter}'s directory: writes
 * the test's configuration, starts its echo pods, waits for the gateway to serve that revision, judges the status
 * checks, sends the HTTP cases and the gRPC, TCP, TLS and UDP traffic ({@link OtherTraffic}). Not thread-safe: one
 * runner thread drives it.
 */
public final class Suite {

    /**
     * Timing and naming of a run; the defaults are upstream's.
     *
     * @param gatewayClassName replaces {@code {GATEWAY_CLASS_NAME}}
     * @param controllerName replaces {@code {GATEWAY_CONTROLLER_NAME}}
     * @param maxTimeToConsistency per HTTP case (upstream 30 s)
     * @param requestTimeout per round trip (upstream 10 s)
     * @param retryInterval after a failed round trip (upstream 1 s)
     * @param requiredConsecutive matching round trips a case needs (upstream 3)
     * @param revisionTimeout how long the gateway may take to serve a written configuration
     * @param statusTimeout how long status checks may take to hold once the revision is served
     */
    public record Settings(
            String gatewayClassName,
            String controllerName,
            Duration maxTimeToConsistency,
            Duration requestTimeout,
            Duration retryInterval,
            int requiredConsecutive,
            Duration revisionTimeout,
            Duration statusTimeout) {

        /** Upstream's timing, our names. */
        public static Settings defaults() {
            return new Settings(
                    "nantian",
                    "gateway.networking.k8s.io/nantian-gw",
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(1),
                    3,
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(10));
        }
    }

    private static final Duration POLL = Duration.ofMillis(200);
    private static final int MIRROR_CHECKS = 5;
    private static final int MIRROR_REQUESTS = 500;
    private static final int MIRROR_CONCURRENCY = 10;
    private static final double MIRROR_STD_DEVS = 3.0;
    private static final String BASE_FILE = "base-manifests.yaml";
    private static final String CERTS_FILE = "generated/certificates.yaml";
    private static final String SLICES_FILE = "generated/endpointslices.yaml";
    private static final String CLASS_FILE = "generated/gatewayclass.yaml";

    private final VectorSet vectors;
    private final ConfigWriter config;
    private final GatewayAdmin admin;
    private final EchoPods pods;
    private final ProbeClient client;
    private final SuiteCertificates certificates;
    private final Settings settings;
    private final Clock clock;
    private final Await await;
    private final StatusJudge statusJudge;
    private final CaseJudge caseJudge;
    private final String certificatesYaml;
    private final Manifests baseManifests;
    private final OtherTraffic otherTraffic;

    public Suite(
            VectorSet vectors,
            ConfigWriter config,
            GatewayAdmin admin,
            EchoPods pods,
            ProbeClient client,
            SuiteCertificates certificates,
            Settings settings,
            Clock clock) {
        this.vectors = requireNonNull(vectors, "vectors");
        this.config = requireNonNull(config, "config");
        this.admin = requireNonNull(admin, "admin");
        this.pods = requireNonNull(pods, "pods");
        this.client = requireNonNull(client, "client");
        this.certificates = requireNonNull(certificates, "certificates");
        this.settings = requireNonNull(settings, "settings");
        this.clock = requireNonNull(clock, "clock");
        this.await = new Await(clock);
        this.statusJudge = new StatusJudge(settings.controllerName());
        this.caseJudge = new CaseJudge(this::certificatePem);
        this.certificatesYaml = certificates.toYaml();
        this.baseManifests = Manifests.parse(List.of(substitute(vectors.baseManifests())));
        List<X509Certificate> cas = new ArrayList<>();
        for (SuiteCertificates.Resource r : certificates.resources()) {
            String ca = r.kind().equals("ConfigMap") ? r.data().get("ca.crt") : null;
            if (ca != null) {
                cas.addAll(ClientTls.parseCertificates(ca));
            }
        }
        this.otherTraffic = new OtherTraffic(settings, clock, cas);
    }

    /** Writes the base manifests and certificates only, for the gateway to start on; returns the revision. */
    public String writeInitialConfig() throws IOException {
        config.clear();
        Map<String, String> files = new LinkedHashMap<>();
        files.put(BASE_FILE, Manifests.withoutWorkloads(substitute(vectors.baseManifests())));
        files.put(CERTS_FILE, certificatesYaml);
        files.put(CLASS_FILE, gatewayClassYaml());
        return config.write(files);
    }

    /** Runs {@code test} if the gateway declares all its features. Never throws for a failing gateway. */
    public TestResult run(ConformanceTest test, Collection<String> declaredFeatures) throws InterruptedException {
        for (String feature : test.features()) {
            if (!declaredFeatures.contains(feature)) {
                return skip(test, "feature " + feature);
            }
        }
        for (String feature : test.exemptFeatures()) {
            if (declaredFeatures.contains(feature)) {
                return skip(test, "checks a gateway without " + feature + " (upstream's test returns at once)");
            }
        }
        List<String> notes = new ArrayList<>();
        JsonNode webSocket = test.httpTest() == null ? null : test.httpTest().get("websocket");
        if (test.statusChecks().stream()
                .anyMatch(c -> "observedGeneration should increment".equals(Json.text(c, "subtest")))) {
            notes.add("spec update between checks (not in the vectors; checks ran on the initial objects)");
        }
        if (test.statusChecks().isEmpty()
                && test.httpCases().isEmpty()
                && webSocket == null
                && test.otherTraffic() == null) {
            return skip(test, "nothing the runner can check: " + String.join("; ", notes));
        }

        List<CaseResult> results = new ArrayList<>();
        Manifests manifests;
        Manifests own;
        StatusSnapshot status;
        try {
            List<String> texts = new ArrayList<>();
            List<String> ownTexts = new ArrayList<>();
            Map<String, String> files = new LinkedHashMap<>();
            String base = substitute(vectors.baseManifests());
            files.put(BASE_FILE, Manifests.withoutWorkloads(base));
            texts.add(base);
            for (String file : test.manifestFiles()) {
                String text = substitute(vectors.manifest(test, file));
                files.put(file, Manifests.withoutWorkloads(text));
                texts.add(text);
                ownTexts.add(text);
            }
            own = Manifests.parse(ownTexts);
            texts.add(certificatesYaml);
            manifests = Manifests.parse(texts);
            pods.reconcile(manifests);
            files.put(CERTS_FILE, certificatesYaml);
            files.put(CLASS_FILE, gatewayClassYaml());
            files.put(SLICES_FILE, pods.endpointSlicesYaml(manifests));
            String revision = config.write(files);
            status = awaitRevision(revision);
        } catch (Await.TimeoutException | IOException | RuntimeException e) {
            String reason = "setup: " + e.getMessage();
            test.statusChecks().forEach(c -> results.add(new CaseResult(checkName(c), "status", false, reason)));
            test.httpCases().forEach(c -> results.add(new CaseResult(c.name(), "http", false, reason)));
            if (webSocket != null) {
                results.add(new CaseResult(webSocketName(test), "websocket", false, reason));
            }
            if (test.otherTraffic() != null) {
                results.add(new CaseResult("gRPC/TCP/TLS/UDP traffic", "other", false, reason));
            }
            if (results.isEmpty()) {
                results.add(new CaseResult("setup", "setup", false, reason));
            }
            return new TestResult(test.name(), Outcome.FAIL, reason, results, notes);
        }

        results.addAll(statusChecks(test.statusChecks(), status));
        for (HttpCase c : test.httpCases()) {
            results.addAll(httpCase(test, c, manifests, status));
        }
        if (webSocket != null) {
            results.add(webSocket(test, webSocket, manifests, status));
        }
        if (test.otherTraffic() != null) {
            results.addAll(otherTraffic.run(test.otherTraffic(), manifests, own, status));
        }
        CaseResult failed =
                results.stream().filter(r -> !r.passed()).findFirst().orElse(null);
        if (failed != null) {
            return new TestResult(test.name(), Outcome.FAIL, failed.name() + ": " + failed.detail(), results, notes);
        }
        return new TestResult(test.name(), Outcome.PASS, null, results, notes);
    }

    private static TestResult skip(ConformanceTest test, String reason) {
        return new TestResult(test.name(), Outcome.SKIP, reason, List.of(), List.of());
    }

    /**
     * The GatewayClass the suite's Gateways name. Upstream expects it to exist before the suite starts (installing
     * an implementation creates it); here the runner creates it, as the cluster's administrator would.
     */
    private String gatewayClassYaml() {
        return "apiVersion: gateway.networking.k8s.io/v1\n"
                + "kind: GatewayClass\n"
                + "metadata:\n"
                + "  name: " + settings.gatewayClassName() + "\n"
                + "spec:\n"
                + "  controllerName: " + settings.controllerName() + "\n";
    }

    private String substitute(String yaml) {
        return Manifests.substitute(yaml, settings.gatewayClassName(), settings.controllerName());
    }

    private StatusSnapshot awaitRevision(String revision) throws Await.TimeoutException, InterruptedException {
        StatusSnapshot[] last = new StatusSnapshot[1];
        try {
            return await.until("gateway serving revision " + revision, settings.revisionTimeout(), POLL, () -> {
                StatusSnapshot s = admin.status();
                last[0] = s;
                return s.revision().equals(revision) ? s : null;
            });
        } catch (Await.TimeoutException e) {
            StatusSnapshot s = last[0];
            if (s == null) {
                throw e;
            }
            List<String> errors = s.errors().subList(0, Math.min(3, s.errors().size()));
            throw new Await.TimeoutException(
                    "gateway still serves revision " + s.revision() + ", not " + revision
                            + (errors.isEmpty() ? "" : "; its errors: " + errors),
                    e);
        }
    }

    private List<CaseResult> statusChecks(List<JsonNode> checks, StatusSnapshot first) throws InterruptedException {
        Map<JsonNode, String> pending = new LinkedHashMap<>();
        checks.forEach(c -> pending.put(c, "not judged"));
        StatusSnapshot status = first;
        Instant deadline = clock.instant().plus(settings.statusTimeout());
        while (true) {
            for (Map.Entry<JsonNode, String> e : pending.entrySet()) {
                e.setValue(statusJudge.judge(e.getKey(), status));
            }
            pending.values().removeIf(v -> v == null);
            if (pending.isEmpty() || !clock.instant().isBefore(deadline)) {
                break;
            }
            Await.pause(Duration.ofMillis(500));
            try {
                status = admin.status();
            } catch (IOException e) {
                pending.replaceAll((k, v) -> "status unavailable: " + e.getMessage());
            }
        }
        List<CaseResult> out = new ArrayList<>();
        for (JsonNode check : checks) {
            String failure = pending.get(check);
            out.add(new CaseResult(checkName(check), "status", failure == null, failure));
        }
        return out;
    }

    private static String checkName(JsonNode check) {
        JsonNode resource = check.path("resource");
        JsonNode name = resource.path("name");
        String subtest = Json.text(check, "subtest");
        return Json.text(check, "check", "check") + " "
                + (name.isObject() ? Json.text(name, "Name") : name.asString(""))
                + (subtest == null ? "" : " (" + subtest + ")");
    }

    /** Where a case goes: the Gateway's status address and the listener port upstream's helper picks. */
    private InetSocketAddress target(HttpCase c, Manifests manifests, StatusSnapshot status) {
        return target(c.target(), manifests, status);
    }

    private static InetSocketAddress target(HttpCase.Target target, Manifests manifests, StatusSnapshot status) {
        HttpCase.ObjectRef gw = target.gateway();
        StatusSnapshot.Resource gateway = status.find("Gateway", gw.namespace(), gw.name());
        String address = null;
        if (gateway != null) {
            for (JsonNode a : Json.nodes(gateway.status(), "addresses")) {
                if (Json.text(a, "type") != null && Json.text(a, "value") != null) {
                    address = Json.text(a, "value");
                    break;
                }
            }
        }
        if (address == null) {
            throw new IllegalStateException("Gateway " + gw + " has no address in its status");
        }
        return new InetSocketAddress(address, port(target, manifests));
    }

    static int port(HttpCase.Target target, Manifests manifests) {
        String spec = target.port().trim();
        if (spec.matches("\\d+")) {
            return Integer.parseInt(spec);
        }
        List<Manifests.Listener> listeners = manifests.listeners(
                target.gateway().namespace(), target.gateway().name());
        if (listeners == null || listeners.isEmpty()) {
            throw new IllegalStateException("no Gateway " + target.gateway() + " with listeners in the manifests");
        }
        if (target.listener() != null) {
            for (Manifests.Listener l : listeners) {
                if (l.name().equals(target.listener())) {
                    return l.port();
                }
            }
        }
        // Upstream's address helper falls back to the first listener when the named one does not exist.
        return listeners.get(0).port();
    }

    private List<CaseResult> httpCase(ConformanceTest test, HttpCase c, Manifests manifests, StatusSnapshot status)
            throws InterruptedException {
        InetSocketAddress address;
        try {
            address = target(c, manifests, status);
        } catch (RuntimeException e) {
            return List.of(new CaseResult(c.name(), "http", false, e.getMessage()));
        }
        String caseUuid = UUID.randomUUID().toString();
        String failure;
        switch (c.mode()) {
            case HTTP_EXPECT_FAILURE:
                failure = expectFailureResponses(c, address, caseUuid);
                break;
            case HTTPS_EXPECT_FAILURE:
                failure = expectTransportFailure(c, address, caseUuid);
                break;
            default:
                failure = eventuallyConsistent(c, address, caseUuid, settings.requiredConsecutive());
                if (failure == null && c.mirrorDistribution()) {
                    failure = mirrorDistribution(c, address);
                } else if (failure == null && !c.mirroredTo().isEmpty()) {
                    failure = mirrored(c, caseUuid);
                }
        }
        List<CaseResult> out = new ArrayList<>();
        out.add(new CaseResult(c.name(), "http", failure == null, failure));
        JsonNode weights = test.otherCall("weight.TestWeightedDistribution");
        if (weights != null && failure == null && c.index() == 0) {
            String result = weightedDistribution(c, address, caseUuid, weights);
            out.add(new CaseResult(
                    Json.text(weights, "subtest", "weighted distribution"), "weights", result == null, result));
        }
        return out;
    }

    /** Upstream's MakeRequestAndExpectEventuallyConsistentResponse (and its TLS twin). */
    private String eventuallyConsistent(HttpCase c, InetSocketAddress address, String caseUuid, int required)
            throws InterruptedException {
        Instant deadline = clock.instant().plus(settings.maxTimeToConsistency());
        int consecutive = 0;
        boolean certificateRequested = false;
        String last = "no round trip";
        while (true) {
            String mismatch;
            try {
                Sent sent = sent(c, address, caseUuid, List.of());
                RoundTrip rt = client.send(probe(c, address, sent));
                certificateRequested |= rt.clientCertificateRequested();
                mismatch = caseJudge.judge(c, sent.judge(), rt);
            } catch (ProbeClient.TransportException e) {
                mismatch = "transport error: " + e.getMessage();
            } catch (RuntimeException e) {
                return "cannot send: " + e.getMessage();
            }
            if (mismatch == null) {
                if (++consecutive >= required) {
                    break;
                }
            } else {
                consecutive = 0;
                last = mismatch;
            }
            if (!clock.instant().isBefore(deadline)) {
                return last + " (no " + required + " consecutive matches within "
                        + settings.maxTimeToConsistency().toSeconds() + " s)";
            }
            if (mismatch != null) {
                Await.pause(settings.retryInterval());
            }
        }
        if (c.clientCertificateMustBeRequested() && !certificateRequested) {
            return "the gateway never asked for a client certificate";
        }
        return null;
    }

    /** Upstream's MakeRequestAndExpectFailure: five consecutive statuses other than 200, 408 and 504. */
    private String expectFailureResponses(HttpCase c, InetSocketAddress address, String caseUuid)
            throws InterruptedException {
        Instant deadline = clock.instant().plus(settings.maxTimeToConsistency());
        int consecutive = 0;
        String last = "no round trip";
        while (consecutive < 5) {
            boolean counted = false;
            try {
                RoundTrip rt = client.send(probe(c, address, sent(c, address, caseUuid, List.of())));
                if (rt.status() == 200) {
                    return "status 200, want a failure";
                }
                counted = rt.status() != 408 && rt.status() != 504;
                last = "status " + rt.status();
            } catch (ProbeClient.TransportException e) {
                last = "transport error: " + e.getMessage();
            } catch (RuntimeException e) {
                return "cannot send: " + e.getMessage();
            }
            consecutive = counted ? consecutive + 1 : 0;
            if (consecutive < 5 && !clock.instant().isBefore(deadline)) {
                return "no 5 consecutive failure statuses within "
                        + settings.maxTimeToConsistency().toSeconds() + " s (last: " + last + ")";
            }
            if (!counted) {
                Await.pause(settings.retryInterval());
            }
        }
        return null;
    }

    /** Upstream's MakeTLSRequestAndExpectFailureResponse: one attempt that must end without an HTTP response. */
    private String expectTransportFailure(HttpCase c, InetSocketAddress address, String caseUuid)
            throws InterruptedException {
        ProbeClient.Probe probe;
        try {
            probe = probe(c, address, sent(c, address, caseUuid, List.of()));
        } catch (RuntimeException e) {
            return "cannot send: " + e.getMessage();
        }
        try {
            RoundTrip rt = client.send(probe);
            return "got an HTTP response (status " + rt.status() + "), want a transport error";
        } catch (ProbeClient.TransportException e) {
            if (c.clientCertificateMustBeRequested() && !probe.tls().clientCertificateRequested()) {
                return "the gateway never asked for a client certificate";
            }
            return null;
        }
    }

    /** Upstream's ExpectMirroredRequest: every mirror backend logs the request within the request timeout. */
    private String mirrored(HttpCase c, String caseUuid) throws InterruptedException {
        String path = c.request().path().replace(HttpCase.UUID_PER_CASE, caseUuid);
        String line = "Echoing back request made to " + path + " to client";
        for (HttpCase.MirroredBackend mirror : c.mirroredTo()) {
            try {
                await.until(
                        "mirrored request at " + mirror.service(),
                        settings.requestTimeout(),
                        POLL,
                        () -> pods.logs(mirror.namespace(), mirror.service()).stream()
                                        .anyMatch(l -> l.startsWith(line))
                                ? Boolean.TRUE
                                : null);
            } catch (Await.TimeoutException e) {
                return "no mirrored copy of " + path + " reached " + mirror.service();
            }
        }
        return null;
    }

    /**
     * Upstream's percentage-mirror distribution check (httproute-request-percentage-mirror.go, v1.6): up to
     * {@value #MIRROR_CHECKS} times, tag the case with a fresh request id, send {@value #MIRROR_REQUESTS} requests
     * ({@value #MIRROR_CONCURRENCY} at a time, each eventually consistent with one success), then count the copies
     * of that exact path in each mirror backend's log; the count must lie within {@value #MIRROR_STD_DEVS} binomial
     * standard deviations of {@code requests * percent / 100}. A failed check is retried after 2 s.
     */
    private String mirrorDistribution(HttpCase c, InetSocketAddress address) throws InterruptedException {
        for (HttpCase.MirroredBackend mirror : c.mirroredTo()) {
            if (mirror.percent() == null || mirror.service().isEmpty()) {
                return "mirror " + mirror + " has no percent or name in the vectors";
            }
        }
        HttpCase tagged = c.withRequestIdQuery();
        String last = null;
        ExecutorService executor = Executors.newFixedThreadPool(MIRROR_CONCURRENCY);
        try {
            for (int check = 1; check <= MIRROR_CHECKS; check++) {
                String requestId = UUID.randomUUID().toString();
                List<Future<String>> futures = new ArrayList<>();
                for (int i = 0; i < MIRROR_REQUESTS; i++) {
                    futures.add(executor.submit(() -> eventuallyConsistent(tagged, address, requestId, 1)));
                }
                for (Future<String> f : futures) {
                    String failure;
                    try {
                        failure = f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        failure = String.valueOf(e.getCause());
                    }
                    if (failure != null) {
                        return "a distribution request failed: " + failure;
                    }
                }
                String path = tagged.request().path().replace(HttpCase.UUID_PER_CASE, requestId);
                Map<String, Integer> counts = new LinkedHashMap<>();
                for (HttpCase.MirroredBackend mirror : c.mirroredTo()) {
                    counts.put(mirror.service(), settledMirrorCount(mirror, path));
                }
                last = judgeMirrorShares(counts, c.mirroredTo(), MIRROR_REQUESTS);
                if (last == null) {
                    return null;
                }
                if (check < MIRROR_CHECKS) {
                    Await.pause(Duration.ofSeconds(2));
                }
            }
        } finally {
            executor.shutdownNow();
        }
        return last + " (in all " + MIRROR_CHECKS + " checks)";
    }

    /**
     * The mirrored copies of {@code path} in the backend's log once the count stops growing. Upstream reads the
     * pods' logs once, through the API server, which lags far behind copies still in flight when the last
     * response arrived; reading our in-process log at once would miss those.
     */
    private int settledMirrorCount(HttpCase.MirroredBackend mirror, String path) throws InterruptedException {
        String line = "Echoing back request made to " + path + " to client";
        int[] previous = {-1};
        try {
            return await.until("stable mirror count at " + mirror.service(), settings.requestTimeout(), POLL, () -> {
                int count = (int) pods.logs(mirror.namespace(), mirror.service()).stream()
                        .filter(l -> l.contains(line))
                        .count();
                if (count == previous[0]) {
                    return count;
                }
                previous[0] = count;
                return null;
            });
        } catch (Await.TimeoutException e) {
            return previous[0];
        }
    }

    /** Upstream's acceptance band: {@value #MIRROR_STD_DEVS} binomial standard deviations around the expected share. */
    static String judgeMirrorShares(Map<String, Integer> counts, List<HttpCase.MirroredBackend> mirrors, int total) {
        List<String> errors = new ArrayList<>();
        for (HttpCase.MirroredBackend mirror : mirrors) {
            double p = mirror.percent() / 100.0;
            double expected = total * p;
            double margin = MIRROR_STD_DEVS * Math.sqrt(total * p * (1 - p));
            int actual = counts.getOrDefault(mirror.service(), 0);
            if (actual < expected - margin || actual > expected + margin) {
                errors.add(String.format(
                        java.util.Locale.ROOT,
                        "%s got %d mirrored copies of %d requests, want %.1f to %.1f (%d%%)",
                        mirror.service(),
                        actual,
                        total,
                        expected - margin,
                        expected + margin,
                        mirror.percent()));
            }
        }
        return errors.isEmpty() ? null : String.join("; ", errors);
    }

    /**
     * Upstream's HTTPRouteBackendProtocolWebSocket subtest (httproute-backend-protocol-websocket.go): dial
     * {@code ws://<gateway address>:<port>/ws} with an Origin, send each message of the vectors' {@code exchange}
     * and expect it echoed; {@code AwaitConvergence} with the case timing (a new connection per probe, the
     * required consecutive successes within the time to consistency, 1 s after a failure).
     */
    private CaseResult webSocket(ConformanceTest test, JsonNode spec, Manifests manifests, StatusSnapshot status)
            throws InterruptedException {
        String name = webSocketName(test);
        ProbeClient.WebSocketProbe probe;
        try {
            JsonNode tgt = spec.path("target");
            HttpCase.Target target = new HttpCase.Target(
                    java.util.Objects.requireNonNull(
                            HttpCase.ObjectRef.parse(spec.get("gateway")), "websocket.gateway"),
                    Json.text(tgt, "port", "port of first listener in spec"),
                    Json.text(tgt, "listener"),
                    "http",
                    null,
                    null,
                    null);
            InetSocketAddress address = target(target, manifests, status);
            List<ProbeClient.WebSocketMessage> messages = new ArrayList<>();
            for (JsonNode m : Json.nodes(spec, "exchange")) {
                messages.add(webSocketMessage(m));
            }
            if (messages.isEmpty()) {
                return new CaseResult(name, "websocket", false, "no messages in the vectors' websocket exchange");
            }
            probe = new ProbeClient.WebSocketProbe(
                    address,
                    address.getHostString() + ":" + address.getPort(),
                    "/ws",
                    "ws://gateway/" + test.name() + "/" + name.replace(' ', '_'),
                    messages,
                    settings.requestTimeout());
        } catch (RuntimeException e) {
            return new CaseResult(name, "websocket", false, e.getMessage());
        }
        Instant deadline = clock.instant().plus(settings.maxTimeToConsistency());
        int consecutive = 0;
        String last = "no attempt";
        while (true) {
            String mismatch;
            try {
                mismatch = client.exchange(probe);
            } catch (ProbeClient.TransportException e) {
                mismatch = e.getMessage();
            }
            if (mismatch == null) {
                if (++consecutive >= settings.requiredConsecutive()) {
                    return new CaseResult(name, "websocket", true, null);
                }
            } else {
                consecutive = 0;
                last = mismatch;
            }
            if (!clock.instant().isBefore(deadline)) {
                return new CaseResult(
                        name,
                        "websocket",
                        false,
                        last + " (no " + settings.requiredConsecutive() + " consecutive echoes within "
                                + settings.maxTimeToConsistency().toSeconds() + " s)");
            }
            if (mismatch != null) {
                Await.pause(settings.retryInterval());
            }
        }
    }

    private static String webSocketName(ConformanceTest test) {
        JsonNode call = test.otherCall("http.AwaitConvergence");
        return Json.text(call, "subtest", "websocket exchange");
    }

    static ProbeClient.WebSocketMessage webSocketMessage(JsonNode m) {
        String kind = Json.text(m, "send", "text");
        JsonNode data = m.path("data");
        if (!m.path("expectEcho").asBoolean(true)) {
            throw new IllegalArgumentException("websocket message without expectEcho is not supported");
        }
        switch (kind) {
            case "text":
                return ProbeClient.WebSocketMessage.text(data.asString(""));
            case "binary":
                byte[] bytes = new byte[data.size()];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) data.get(i).asInt();
                }
                return new ProbeClient.WebSocketMessage(true, bytes);
            default:
                throw new IllegalArgumentException("unknown websocket message kind " + kind);
        }
    }

    /** Upstream's weight.TestWeightedDistribution, with the numbers of its {@code otherCalls} entry. */
    private String weightedDistribution(HttpCase c, InetSocketAddress address, String caseUuid, JsonNode spec)
            throws InterruptedException {
        int total = spec.path("totalRequests").asInt(500);
        int concurrency = spec.path("concurrency").asInt(10);
        double tolerance = spec.path("tolerance").asDouble(0.05);
        int maxRuns = spec.path("maxRuns").asInt(10);
        Map<String, Double> weights = new LinkedHashMap<>();
        spec.path("expectedWeights")
                .properties()
                .forEach(e -> weights.put(e.getKey(), e.getValue().asDouble()));
        String last = null;
        ExecutorService executor = Executors.newFixedThreadPool(concurrency);
        try {
            for (int run = 0; run < maxRuns; run++) {
                List<Future<String>> futures = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    futures.add(executor.submit(() -> {
                        List<Map.Entry<String, String>> extra =
                                ThreadLocalRandom.current().nextBoolean()
                                        ? List.of(new AbstractMap.SimpleImmutableEntry<>(
                                                "X-Jitter",
                                                Integer.toString(ThreadLocalRandom.current()
                                                        .nextInt(10_000))))
                                        : List.of();
                        Sent sent = sent(c, address, caseUuid, extra);
                        RoundTrip rt = client.send(probe(c, address, sent));
                        String mismatch = caseJudge.judge(c, sent.judge(), rt);
                        if (mismatch != null) {
                            throw new IllegalStateException(mismatch);
                        }
                        String pod = Json.text(Json.JSON.readTree(rt.body()), "pod", "");
                        String[] parts = pod.split("-");
                        return parts.length < 3
                                ? pod
                                : String.join("-", List.of(parts).subList(0, parts.length - 2));
                    }));
                }
                Map<String, Integer> counts = new LinkedHashMap<>();
                String error = null;
                for (Future<String> f : futures) {
                    try {
                        counts.merge(f.get(), 1, Integer::sum);
                    } catch (java.util.concurrent.ExecutionException e) {
                        error = error == null
                                ? "a request failed: " + e.getCause().getMessage()
                                : error;
                    }
                }
                if (error == null) {
                    error = judgeDistribution(counts, weights, total, tolerance);
                }
                if (error == null) {
                    return null;
                }
                last = error;
            }
        } finally {
            executor.shutdownNow();
        }
        return last + " (in all " + maxRuns + " runs)";
    }

    static String judgeDistribution(
            Map<String, Integer> counts, Map<String, Double> weights, int total, double tolerance) {
        for (String backend : counts.keySet()) {
            if (!weights.containsKey(backend)) {
                return "unexpected backend " + backend + " got traffic";
            }
        }
        for (Map.Entry<String, Double> w : weights.entrySet()) {
            int count = counts.getOrDefault(w.getKey(), 0);
            if (w.getValue() == 0 && count > 0) {
                return w.getKey() + " has weight 0 but got " + count + " requests";
            }
            double share = (double) count / total;
            if (Math.abs(share - w.getValue()) > tolerance) {
                return String.format(
                        java.util.Locale.ROOT,
                        "%s got %.3f of the requests, want %.2f +/- %.2f (counts %s)",
                        w.getKey(),
                        share,
                        w.getValue(),
                        tolerance,
                        counts);
            }
        }
        return null;
    }

    /** A round trip's request with its placeholders resolved. */
    private record Sent(
            String scheme,
            String urlHost,
            String path,
            String expectedPath,
            List<Map.Entry<String, String>> extraHeaders) {
        CaseJudge.Sent judge() {
            return new CaseJudge.Sent(scheme, urlHost, path, expectedPath);
        }
    }

    /** Go's {@code CalculateHost}: the address, with the port unless it is the scheme's default. */
    private static String urlHost(HttpCase c, InetSocketAddress address) {
        int defaultPort = c.target().scheme().equals("https") ? 443 : 80;
        return address.getPort() == defaultPort
                ? address.getHostString()
                : address.getHostString() + ":" + address.getPort();
    }

    private static Sent sent(
            HttpCase c, InetSocketAddress address, String caseUuid, List<Map.Entry<String, String>> extra) {
        String probeUuid = UUID.randomUUID().toString();
        String path = c.request()
                .path()
                .replace(HttpCase.UUID_PER_CASE, caseUuid)
                .replace(HttpCase.UUID_PER_PROBE, probeUuid);
        String expected = c.expectedRequest()
                .path()
                .replace(HttpCase.UUID_PER_CASE, caseUuid)
                .replace(HttpCase.UUID_PER_PROBE, probeUuid);
        return new Sent(c.target().scheme(), urlHost(c, address), path, expected, extra);
    }

    private ProbeClient.Probe probe(HttpCase c, InetSocketAddress address, Sent sent) {
        boolean https = c.target().scheme().equals("https");
        ClientTls tls = null;
        if (https) {
            List<X509Certificate> roots = c.target().trustCaFromSecret() == null
                    ? List.of()
                    : ClientTls.parseCertificates(requireNonNull(
                            certificatePem(c.target().trustCaFromSecret()),
                            "no Secret " + c.target().trustCaFromSecret()));
            List<X509Certificate> chain = null;
            PrivateKey key = null;
            HttpCase.ObjectRef clientSecret = c.target().clientCertFromSecret();
            if (clientSecret != null) {
                SuiteCertificates.Material m = certificates.secret(clientSecret.namespace(), clientSecret.name());
                if (m == null) {
                    throw new IllegalStateException("no generated client certificate Secret " + clientSecret);
                }
                chain = List.of(m.certificate());
                key = m.key();
            }
            tls = new ClientTls(roots, c.target().tlsServerName(), chain, key);
        }
        String authority = c.request().host() != null ? c.request().host() : sent.urlHost();
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        List<String> echoSet = new ArrayList<>();
        c.request().backendSetResponseHeaders().forEach((k, v) -> echoSet.add(k + ":" + v));
        headers.add(new AbstractMap.SimpleImmutableEntry<>("X-Echo-Set-Header", String.join(",", echoSet)));
        c.request().headers().forEach((k, v) -> headers.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        headers.addAll(sent.extraHeaders());
        return new ProbeClient.Probe(
                address,
                tls,
                https ? c.target().tlsServerName() : null,
                c.request().protocol(),
                c.request().method(),
                authority,
                sent.path(),
                headers,
                settings.requestTimeout());
    }

    /** The {@code tls.crt} of a generated Secret, else of a Secret in the vectors' manifests; null when unknown. */
    private String certificatePem(HttpCase.ObjectRef ref) {
        SuiteCertificates.Material m = certificates.secret(ref.namespace(), ref.name());
        if (m != null) {
            return m.certificatePem();
        }
        Map<String, String> secret = baseManifests.secret(ref.namespace(), ref.name());
        return secret == null ? null : secret.get("tls.crt");
    }
}
