package dev.nantian.jmh;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.k8s.translate.AddressAllocator;
import dev.nantian.k8s.translate.GatewayTranslator;
import dev.nantian.k8s.translate.ResourceSet;
import dev.nantian.k8s.translate.TranslationResult;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRefBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilterBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatchBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRuleBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link GatewayTranslator#translate} of a mid-sized cluster: 5,000 objects, as an informer cache would hand them
 * over, with 1,000 HTTPRoutes. Issue 3 asks for at most 1 s per full translation.
 *
 * <p>The cluster: one GatewayClass; 10 Gateways with 4 listeners each (HTTP on 80, HTTPS on 443 for a wildcard and
 * for {@code api.}, a host-less HTTP listener on 8080), whose certificates live in a {@code certs} namespace behind a
 * ReferenceGrant; 50 tenant namespaces, each with 20 HTTPRoutes (2 to 5 rules, header, query, method and regex
 * matches, header modifiers, rewrites, mirrors, timeouts, retries, canary weights, redirects on plain HTTP), 24
 * Services with 1 to 3 ports, 40 EndpointSlices of 3 to 8 endpoints (some not ready) and a ReferenceGrant for the
 * neighbouring tenant; the rest are Opaque Secrets the translator indexes but never uses. About one backendRef in 12
 * crosses namespaces and one in 100 names a missing Service, so both the grant checks and the error statuses run.
 *
 * <p>{@code AverageTime} is the steady state of a controller that retranslates on every change;
 * {@code SingleShotTime} is one cold-ish call per iteration, closer to a change after a quiet spell.
 *
 * <pre>{@code
 * java -jar jmh/target/benchmarks.jar Translate -f 1 -wi 3 -w 2s -i 5 -r 2s
 * }</pre>
 */
@BenchmarkMode({Mode.AverageTime, Mode.SingleShotTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class TranslateBenchmark {
    private static final int TOTAL_OBJECTS = 5_000;
    private static final int GATEWAYS = 10;
    private static final int TENANTS = 50;
    private static final int ROUTES_PER_TENANT = 20;
    private static final int SERVICES_PER_TENANT = 24;
    /** Services below this index get two EndpointSlices, the others one: 40 slices per tenant. */
    private static final int SERVICES_WITH_TWO_SLICES = 16;

    private static final String CLASS = "nantian";
    private static final String INFRA = "gateway-system";
    private static final String CERTS = "certs";
    private static final String ACCESS_LABEL = "gateway.example.com/access";
    private static final String TIER_LABEL = "example.com/tier";
    private static final String[] TIERS = {"frontend", "backend", "platform"};
    private static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");

    private GatewayTranslator translator;
    private ResourceSet input;

    @Setup(Level.Trial)
    public void setUp() {
        Input generated = generate(new SplittableRandom(7));
        input = generated.resources;
        translator = GatewayTranslator.builder()
                .addressAllocator(AddressAllocator.loopbackPool())
                .clock(Clock.fixed(EPOCH.plusSeconds(86_400), ZoneOffset.UTC))
                .build();
        check(translator.translate(input), generated.brokenRoutes);
    }

    @Benchmark
    public TranslationResult translate() {
        return translator.translate(input);
    }

    /**
     * Fails the trial unless the input really is 5,000 objects that translate cleanly: every route accepted, only
     * the routes built with a broken backend unresolved, every listener served. A benchmark of the error path would
     * measure the wrong thing.
     */
    private static void check(TranslationResult result, int brokenRoutes) {
        if (!result.isSuccess()) {
            throw new IllegalStateException("translation failed: " + result.errors());
        }
        ConfigSnapshot snapshot = result.snapshot().orElseThrow();
        int listeners = snapshot.listeners().size();
        int unresolved = 0;
        for (HTTPRouteStatus status : result.httpRouteStatuses().values()) {
            boolean resolved = true;
            for (RouteParentStatus parent : status.getParents()) {
                if (!"True".equals(condition(parent, "Accepted"))) {
                    throw new IllegalStateException("a route was not accepted: " + parent);
                }
                resolved &= "True".equals(condition(parent, "ResolvedRefs"));
            }
            unresolved += resolved ? 0 : 1;
        }
        if (result.httpRouteStatuses().size() != TENANTS * ROUTES_PER_TENANT
                || unresolved != brokenRoutes
                || listeners != GATEWAYS * 4) {
            throw new IllegalStateException("unexpected translation: "
                    + result.httpRouteStatuses().size()
                    + " route statuses, " + unresolved + " unresolved (expected " + brokenRoutes + "), " + listeners
                    + " listeners");
        }
    }

    private static String condition(RouteParentStatus parent, String type) {
        for (Condition c : parent.getConditions()) {
            if (c.getType().equals(type)) {
                return c.getStatus();
            }
        }
        return null;
    }

    // ---- the generated cluster ----

    private static final class Input {
        final ResourceSet resources;
        final int brokenRoutes;

        Input(ResourceSet resources, int brokenRoutes) {
            this.resources = resources;
            this.brokenRoutes = brokenRoutes;
        }
    }

    private static Input generate(SplittableRandom random) {
        List<HasMetadata> objects = new ArrayList<>(TOTAL_OBJECTS);
        objects.add(new GatewayClassBuilder()
                .withMetadata(meta(null, CLASS, 0))
                .withNewSpec()
                .withControllerName(GatewayTranslator.DEFAULT_CONTROLLER_NAME)
                .endSpec()
                .build());
        objects.add(namespace(INFRA, Map.of()));
        objects.add(namespace(CERTS, Map.of()));
        for (int g = 0; g < GATEWAYS; g++) {
            objects.add(gateway(g));
            SelfSignedCertificate cert = SelfSignedCertificate.generate(domain(g), List.of("*." + domain(g)));
            objects.add(tlsSecret("wildcard-g" + g, cert));
            objects.add(tlsSecret("api-g" + g, cert));
        }
        objects.add(new ReferenceGrantBuilder()
                .withMetadata(meta(CERTS, "gateways-read-certificates", 1))
                .withNewSpec()
                .addNewFrom()
                .withGroup("gateway.networking.k8s.io")
                .withKind("Gateway")
                .withNamespace(INFRA)
                .endFrom()
                .addNewTo()
                .withGroup("")
                .withKind("Secret")
                .endTo()
                .endSpec()
                .build());

        int brokenRoutes = 0;
        for (int t = 0; t < TENANTS; t++) {
            String ns = tenant(t);
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put(ACCESS_LABEL, "public");
            labels.put(TIER_LABEL, TIERS[t % TIERS.length]);
            objects.add(namespace(ns, labels));
            // routes of the previous tenant may send traffic to this one's Services
            objects.add(new ReferenceGrantBuilder()
                    .withMetadata(meta(ns, "allow-" + tenant((t + TENANTS - 1) % TENANTS), t))
                    .withNewSpec()
                    .addNewFrom()
                    .withGroup("gateway.networking.k8s.io")
                    .withKind("HTTPRoute")
                    .withNamespace(tenant((t + TENANTS - 1) % TENANTS))
                    .endFrom()
                    .addNewTo()
                    .withGroup("")
                    .withKind("Service")
                    .endTo()
                    .endSpec()
                    .build());
            for (int s = 0; s < SERVICES_PER_TENANT; s++) {
                objects.add(service(t, s));
                int slices = s < SERVICES_WITH_TWO_SLICES ? 2 : 1;
                for (int i = 0; i < slices; i++) {
                    objects.add(endpointSlice(t, s, i, random));
                }
            }
            for (int r = 0; r < ROUTES_PER_TENANT; r++) {
                boolean[] broken = new boolean[1];
                objects.add(route(t, r, random, broken));
                brokenRoutes += broken[0] ? 1 : 0;
            }
        }

        // Opaque Secrets (application config, registry credentials) fill up to the total: indexed, never read
        for (int i = 0; objects.size() < TOTAL_OBJECTS; i++) {
            String ns = tenant(i % TENANTS);
            Map<String, String> data = new LinkedHashMap<>();
            data.put("username", b64("svc-user-" + i));
            data.put("password", b64(Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong())));
            data.put("config.yaml", b64("endpoint: https://db-" + i + "." + ns + ".svc:5432\npool: 20\n"));
            objects.add(new SecretBuilder()
                    .withMetadata(meta(ns, "app-config-" + i, i))
                    .withType("Opaque")
                    .withData(data)
                    .build());
        }
        ResourceSet resources = ResourceSet.builder().addAll(objects).build();
        if (resources.size() != TOTAL_OBJECTS || resources.httpRoutes().size() != TENANTS * ROUTES_PER_TENANT) {
            throw new IllegalStateException("generated " + resources);
        }
        return new Input(resources, brokenRoutes);
    }

    private static String tenant(int t) {
        return String.format("team-%02d", t);
    }

    private static String domain(int g) {
        return "g" + g + ".example.com";
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Metadata as the API server fills it in: uid, generation, resourceVersion, a creation time. */
    private static ObjectMeta meta(String namespace, String name, int age) {
        return new ObjectMetaBuilder()
                .withNamespace(namespace)
                .withName(name)
                .withUid(UUID.nameUUIDFromBytes((namespace + "/" + name).getBytes(StandardCharsets.UTF_8))
                        .toString())
                .withGeneration(1L + age % 3)
                .withResourceVersion(Integer.toString(100_000 + age))
                .withCreationTimestamp(EPOCH.plusSeconds(age * 60L).toString())
                .build();
    }

    private static HasMetadata namespace(String name, Map<String, String> labels) {
        ObjectMeta meta = meta(null, name, 0);
        meta.setLabels(new LinkedHashMap<>(labels));
        meta.getLabels().put("kubernetes.io/metadata.name", name);
        return new NamespaceBuilder().withMetadata(meta).build();
    }

    private static HasMetadata tlsSecret(String name, SelfSignedCertificate cert) {
        return new SecretBuilder()
                .withMetadata(meta(CERTS, name, 0))
                .withType("kubernetes.io/tls")
                .addToData("tls.crt", b64(cert.certificatePem()))
                .addToData("tls.key", b64(cert.privateKeyPem()))
                .build();
    }

    private static HasMetadata gateway(int g) {
        Listener http = new ListenerBuilder()
                .withName("http")
                .withPort(80)
                .withProtocol("HTTP")
                .withHostname("*." + domain(g))
                .withNewAllowedRoutes()
                .withNewNamespaces()
                .withFrom("All")
                .endNamespaces()
                .endAllowedRoutes()
                .build();
        Listener https = new ListenerBuilder()
                .withName("https")
                .withPort(443)
                .withProtocol("HTTPS")
                .withHostname("*." + domain(g))
                .withNewTls()
                .withMode("Terminate")
                .addNewCertificateRef()
                .withKind("Secret")
                .withName("wildcard-g" + g)
                .withNamespace(CERTS)
                .endCertificateRef()
                .endTls()
                .withNewAllowedRoutes()
                .withNewNamespaces()
                .withFrom("Selector")
                .withNewSelector()
                .addToMatchLabels(ACCESS_LABEL, "public")
                .endSelector()
                .endNamespaces()
                .endAllowedRoutes()
                .build();
        Listener api = new ListenerBuilder()
                .withName("https-api")
                .withPort(443)
                .withProtocol("HTTPS")
                .withHostname("api." + domain(g))
                .withNewTls()
                .withMode("Terminate")
                .addNewCertificateRef()
                .withName("api-g" + g)
                .withNamespace(CERTS)
                .endCertificateRef()
                .endTls()
                .withNewAllowedRoutes()
                .addNewKind()
                .withKind("HTTPRoute")
                .endKind()
                .withNewNamespaces()
                .withFrom("Selector")
                .withNewSelector()
                .addToMatchExpressions(new LabelSelectorRequirementBuilder()
                        .withKey(TIER_LABEL)
                        .withOperator("In")
                        .withValues("backend", "platform")
                        .build())
                .endSelector()
                .endNamespaces()
                .endAllowedRoutes()
                .build();
        Listener internal = new ListenerBuilder()
                .withName("http-internal")
                .withPort(8080)
                .withProtocol("HTTP")
                .withNewAllowedRoutes()
                .withNewNamespaces()
                .withFrom("All")
                .endNamespaces()
                .endAllowedRoutes()
                .build();
        return new GatewayBuilder()
                .withMetadata(meta(INFRA, "gw-" + g, g))
                .withNewSpec()
                .withGatewayClassName(CLASS)
                .withListeners(http, https, api, internal)
                .endSpec()
                .build();
    }

    /** Service {@code s}: port http 80 always, grpc 9090 (h2c) on every third, metrics 9102 on every fourth. */
    private static HasMetadata service(int t, int s) {
        ServiceBuilder b = new ServiceBuilder()
                .withMetadata(meta(tenant(t), "svc-" + s, s))
                .withNewSpec()
                .withType("ClusterIP")
                .withClusterIP("10.96." + t + "." + (s + 10))
                .addToSelector("app", "svc-" + s)
                .addToPorts(new ServicePortBuilder()
                        .withName("http")
                        .withPort(80)
                        .withNewTargetPort("http")
                        .withProtocol("TCP")
                        .build())
                .endSpec();
        if (s % 3 == 0) {
            b.editSpec()
                    .addToPorts(new ServicePortBuilder()
                            .withName("grpc")
                            .withPort(9090)
                            .withNewTargetPort(9090)
                            .withAppProtocol("kubernetes.io/h2c")
                            .withProtocol("TCP")
                            .build())
                    .endSpec();
        }
        if (s % 4 == 0) {
            b.editSpec()
                    .addToPorts(new ServicePortBuilder()
                            .withName("metrics")
                            .withPort(9102)
                            .withNewTargetPort(9102)
                            .withProtocol("TCP")
                            .build())
                    .endSpec();
        }
        return b.build();
    }

    private static HasMetadata endpointSlice(int t, int s, int i, SplittableRandom random) {
        String service = "svc-" + s;
        ObjectMeta meta = meta(tenant(t), service + "-" + Integer.toString(0x10000 + random.nextInt(0xeffff), 36), s);
        meta.setLabels(new LinkedHashMap<>(Map.of(
                "kubernetes.io/service-name",
                service,
                "endpointslice.kubernetes.io/managed-by",
                "endpointslice-ctrl")));
        EndpointSliceBuilder b = new EndpointSliceBuilder()
                .withMetadata(meta)
                .withAddressType("IPv4")
                .addToPorts(new EndpointPortBuilder()
                        .withName("http")
                        .withPort(8080)
                        .withProtocol("TCP")
                        .build());
        if (s % 3 == 0) {
            b.addToPorts(new EndpointPortBuilder()
                    .withName("grpc")
                    .withPort(9090)
                    .withProtocol("TCP")
                    .build());
        }
        if (s % 4 == 0) {
            b.addToPorts(new EndpointPortBuilder()
                    .withName("metrics")
                    .withPort(9102)
                    .withProtocol("TCP")
                    .build());
        }
        int endpoints = 3 + random.nextInt(6);
        for (int e = 0; e < endpoints; e++) {
            String pod = service + "-" + Long.toString(random.nextLong() & 0xffffffffL, 36);
            b.addToEndpoints(new EndpointBuilder()
                    .withAddresses("10.244." + random.nextInt(256) + "." + random.nextInt(256))
                    .withNewConditions()
                    .withReady(random.nextInt(10) != 0)
                    .withServing(true)
                    .withTerminating(false)
                    .endConditions()
                    .withNodeName("node-" + random.nextInt(40))
                    .withZone("zone-" + (char) ('a' + random.nextInt(3)))
                    .withNewTargetRef()
                    .withKind("Pod")
                    .withName(pod)
                    .withNamespace(tenant(t))
                    .endTargetRef()
                    .build());
        }
        return b.build();
    }

    /**
     * Route {@code r} of tenant {@code t} on Gateway {@code t % 10}. Every tenth route redirects plain HTTP to HTTPS
     * for its host; routes of backend and platform tenants add {@code api.} paths through the {@code https-api}
     * listener; every seventh has no sectionName and attaches to every listener that allows it.
     */
    private static HasMetadata route(int t, int r, SplittableRandom random, boolean[] broken) {
        String ns = tenant(t);
        int g = t % GATEWAYS;
        String host = "t" + t + "-app" + r + "." + domain(g);
        List<String> hostnames = new ArrayList<>();
        List<HTTPRouteRule> rules = new ArrayList<>();
        String section;
        if (r % 10 == 0) {
            section = "http";
            hostnames.add(host);
            hostnames.add("t" + t + "-app" + (r + 1) + "." + domain(g));
            rules.add(new HTTPRouteRuleBuilder()
                    .addToFilters(new HTTPRouteFilterBuilder()
                            .withType("RequestRedirect")
                            .withNewRequestRedirect()
                            .withScheme("https")
                            .withStatusCode(301)
                            .endRequestRedirect()
                            .build())
                    .build());
        } else {
            boolean apiTier = t % TIERS.length != 0;
            if (apiTier && r % 5 == 1) {
                section = "https-api";
                hostnames.add("api." + domain(g));
            } else {
                section = r % 7 == 3 ? null : "https";
                hostnames.add(host);
                if (random.nextInt(4) == 0) {
                    hostnames.add("t" + t + "-app" + r + "-canary." + domain(g));
                }
            }
            int n = 2 + random.nextInt(4);
            for (int k = 0; k < n; k++) {
                rules.add(rule(t, r, k, random, broken));
            }
        }
        ParentReferenceBuilder parent = new ParentReferenceBuilder()
                .withGroup("gateway.networking.k8s.io")
                .withKind("Gateway")
                .withNamespace(INFRA)
                .withName("gw-" + g);
        if (section != null) {
            parent.withSectionName(section);
        }
        List<ParentReference> parents = List.of(parent.build());
        return new HTTPRouteBuilder()
                .withMetadata(meta(ns, "app-" + r, t * ROUTES_PER_TENANT + r))
                .withNewSpec()
                .withParentRefs(parents)
                .withHostnames(hostnames)
                .withRules(rules)
                .endSpec()
                .build();
    }

    private static HTTPRouteRule rule(int t, int r, int k, SplittableRandom random, boolean[] broken) {
        String prefix = "/t" + t + "/r" + r + "/v" + k;
        List<HTTPRouteMatch> matches = new ArrayList<>();
        int m = 1 + (random.nextInt(3) == 0 ? 1 : 0);
        for (int i = 0; i < m; i++) {
            HTTPRouteMatchBuilder match = new HTTPRouteMatchBuilder();
            int kind = random.nextInt(20);
            if (kind == 0) {
                match.withNewPath()
                        .withType("RegularExpression")
                        .withValue(prefix + "/items/[0-9]+")
                        .endPath();
            } else if (kind < 5) {
                match.withNewPath()
                        .withType("Exact")
                        .withValue(prefix + "/health")
                        .endPath();
            } else {
                match.withNewPath()
                        .withType("PathPrefix")
                        .withValue(i == 0 ? prefix : prefix + "/beta")
                        .endPath();
            }
            if (random.nextInt(5) == 0) {
                match.addNewHeader()
                        .withType("Exact")
                        .withName("x-tenant")
                        .withValue("t" + t)
                        .endHeader();
            }
            if (random.nextInt(10) == 0) {
                match.addNewQueryParam()
                        .withType("Exact")
                        .withName("version")
                        .withValue("v" + k)
                        .endQueryParam();
            }
            if (random.nextInt(7) == 0) {
                match.withMethod(random.nextBoolean() ? "GET" : "POST");
            }
            matches.add(match.build());
        }
        HTTPRouteRuleBuilder rule = new HTTPRouteRuleBuilder().withMatches(matches);
        List<HTTPRouteFilter> filters = new ArrayList<>();
        if (random.nextInt(5) == 0) {
            filters.add(new HTTPRouteFilterBuilder()
                    .withType("RequestHeaderModifier")
                    .withNewRequestHeaderModifier()
                    .addNewSet()
                    .withName("x-route")
                    .withValue("app-" + r)
                    .endSet()
                    .addNewAdd()
                    .withName("x-tenant-id")
                    .withValue("t" + t)
                    .endAdd()
                    .withRemove("x-debug")
                    .endRequestHeaderModifier()
                    .build());
        }
        if (random.nextInt(10) == 0) {
            filters.add(new HTTPRouteFilterBuilder()
                    .withType("URLRewrite")
                    .withNewUrlRewrite()
                    .withNewPath()
                    .withType("ReplacePrefixMatch")
                    .withReplacePrefixMatch("/")
                    .endPath()
                    .endUrlRewrite()
                    .build());
        }
        if (random.nextInt(20) == 0) {
            filters.add(new HTTPRouteFilterBuilder()
                    .withType("ResponseHeaderModifier")
                    .withNewResponseHeaderModifier()
                    .addNewSet()
                    .withName("cache-control")
                    .withValue("no-store")
                    .endSet()
                    .endResponseHeaderModifier()
                    .build());
        }
        if (random.nextInt(30) == 0) {
            filters.add(new HTTPRouteFilterBuilder()
                    .withType("RequestMirror")
                    .withNewRequestMirror()
                    .withNewBackendRef()
                    .withName("svc-" + (SERVICES_PER_TENANT - 1))
                    .withPort(80)
                    .endBackendRef()
                    .withPercent(10)
                    .endRequestMirror()
                    .build());
        }
        rule.withFilters(filters);
        if (random.nextInt(3) == 0) {
            rule.withNewTimeouts().withRequest("10s").withBackendRequest("5s").endTimeouts();
        }
        if (random.nextInt(10) == 0) {
            rule.withNewRetry()
                    .withCodes(502, 503)
                    .withAttempts(2)
                    .withBackoff("100ms")
                    .endRetry();
        }
        List<HTTPBackendRef> backends = new ArrayList<>();
        int s = random.nextInt(SERVICES_PER_TENANT);
        backends.add(backend(t, s, random, broken, random.nextInt(10) < 3 ? 90 : 1));
        if (backends.get(0).getWeight() == 90) {
            backends.add(backend(t, (s + 1) % SERVICES_PER_TENANT, random, broken, 10)); // canary
        }
        return rule.withBackendRefs(backends).build();
    }

    private static HTTPBackendRef backend(int t, int s, SplittableRandom random, boolean[] broken, int weight) {
        HTTPBackendRefBuilder b = new HTTPBackendRefBuilder().withWeight(weight);
        int roll = random.nextInt(100);
        if (roll == 0) {
            broken[0] = true;
            return b.withName("svc-retired-" + s).withPort(80).build(); // BackendNotFound
        }
        if (roll < 9) {
            // the previous tenant's grant in the next namespace lets this one in
            return b.withName("svc-" + s)
                    .withNamespace(tenant((t + 1) % TENANTS))
                    .withPort(80)
                    .build();
        }
        int port = s % 3 == 0 && random.nextBoolean() ? 9090 : 80;
        return b.withName("svc-" + s).withPort(port).build();
    }
}
