package dev.nantian.k8s.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.TcpRoute;
import dev.nantian.core.model.TlsRoute;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.k8s.crd.ExtensionStatus;
import dev.nantian.k8s.source.LoadResult;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSetStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyAncestorStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayTranslatorTest {
    private static TestCertificates.Pem pem;
    private ResourceSet input;

    @BeforeAll
    static void makeCertificate(@TempDir Path dir) throws Exception {
        pem = TestCertificates.generate(dir);
    }

    @BeforeEach
    void load() throws Exception {
        LoadResult loaded = YamlDirectoryLoader.builder()
                .build()
                .load(Path.of(getClass().getResource("/fixtures/translator").toURI()));
        assertThat(loaded.errors()).isEmpty();
        input = loaded.resources();
    }

    private static GatewayTranslator translator(Instant now) {
        return GatewayTranslator.builder()
                .clock(Clock.fixed(now, ZoneOffset.UTC))
                .build();
    }

    private static Condition condition(List<Condition> conditions, String type) {
        return Conditions.find(conditions, type);
    }

    @Test
    void routesLandInVirtualHostsOfTheIntersectedHostnames() {
        ConfigSnapshot snapshot =
                translator(Instant.EPOCH).translate(input).snapshot().orElseThrow();

        Listener listener = snapshot.listeners().get(0);
        assertThat(listener.name()).isEqualTo("infra/gw/http");
        assertThat(listener.address()).isEqualTo("0.0.0.0");
        assertThat(listener.hostname()).contains("*.example.com");
        List<VirtualHost> vhosts = ((ListenerRoutes.Http) listener.routes()).virtualHosts();
        assertThat(vhosts).extracting(VirtualHost::domains).containsExactly(List.of("foo.example.com"));
        assertThat(vhosts.get(0).routes()).hasSize(3);
    }

    @Test
    void failedBackendsKeepTheirShareOfWeightAndTheRuleKeepsTimeoutsAndRetry() {
        ConfigSnapshot snapshot =
                translator(Instant.EPOCH).translate(input).snapshot().orElseThrow();
        HttpRoute api = routes(snapshot).get(0);

        RouteAction.Forward forward = (RouteAction.Forward) api.action();
        assertThat(forward.backends()).hasSize(2);
        assertThat(forward.backends().get(0)).isEqualTo(new Backend.ClusterBackend("apps/web:80", 3, List.of()));
        assertThat(forward.backends().get(1)).isInstanceOfSatisfying(Backend.InvalidBackend.class, b -> {
            assertThat(b.weight()).isEqualTo(1);
            assertThat(b.reason()).contains("apps/missing");
        });
        assertThat(api.timeouts().request()).contains(Duration.ofSeconds(10));
        assertThat(api.timeouts().backendRequest()).isEmpty();
        assertThat(api.retry()).hasValueSatisfying(r -> {
            assertThat(r.codes()).containsExactly(503);
            assertThat(r.attempts()).isEqualTo(2);
            assertThat(r.backoff()).contains(Duration.ofMillis(100));
        });
        assertThat(routes(snapshot).get(2).action())
                .isEqualTo(new RouteAction.Redirect(
                        Optional.of("https"), Optional.empty(), Optional.empty(), Optional.empty(), 301));
    }

    @Test
    void servicesBecomeClustersFromSlicesClusterIpOrExternalName() {
        ConfigSnapshot snapshot =
                translator(Instant.EPOCH).translate(input).snapshot().orElseThrow();

        Cluster web = snapshot.cluster("apps/web:80").orElseThrow();
        assertThat(web.endpoints()).containsExactly(new Endpoint("127.0.0.11", 3000, 1, Optional.empty(), "web-1"));
        assertThat(web.protocol()).isEqualTo(UpstreamProtocol.HTTP_1_1);
        Cluster h2 = snapshot.cluster("apps/h2:9000").orElseThrow();
        assertThat(h2.protocol()).isEqualTo(UpstreamProtocol.H2C);
        assertThat(h2.endpoints()).containsExactly(Endpoint.of("10.96.0.20", 9000));
        assertThat(snapshot.cluster("apps/external:443").orElseThrow().endpoints())
                .containsExactly(Endpoint.of("api.example.net", 443));
    }

    @Test
    void statusReportsAttachmentAndUnresolvedBackends() {
        TranslationResult result = translator(Instant.EPOCH).translate(input);

        assertThat(result.gatewayClassStatus("nantian").orElseThrow().getConditions())
                .extracting(Condition::getType)
                .containsExactly("Accepted", "SupportedVersion");
        ListenerStatus listener =
                result.gatewayStatus("infra", "gw").orElseThrow().getListeners().get(0);
        assertThat(listener.getAttachedRoutes()).isEqualTo(1);
        assertThat(condition(listener.getConditions(), "Programmed").getStatus())
                .isEqualTo("True");
        RouteParentStatus parent =
                result.httpRouteStatus("apps", "web").orElseThrow().getParents().get(0);
        assertThat(parent.getParentRef().getGroup()).isEqualTo("gateway.networking.k8s.io");
        assertThat(parent.getParentRef().getKind()).isEqualTo("Gateway");
        assertThat(parent.getParentRef().getSectionName()).isEqualTo("http");
        assertThat(condition(parent.getConditions(), "Accepted").getStatus()).isEqualTo("True");
        Condition refs = condition(parent.getConditions(), "ResolvedRefs");
        assertThat(refs.getStatus()).isEqualTo("False");
        assertThat(refs.getReason()).isEqualTo("BackendNotFound");
    }

    @Test
    void keepsOtherControllersParentsAndTransitionTimesWithoutTouchingTheInput() {
        Instant t0 = Instant.parse("2025-03-01T10:00:00Z");
        HTTPRoute original = input.httpRoutes().get(0);
        HTTPRouteStatus first =
                translator(t0).translate(input).httpRouteStatus("apps", "web").orElseThrow();
        List<RouteParentStatus> parents = new ArrayList<>(first.getParents());
        parents.add(new RouteParentStatusBuilder()
                .withControllerName("example.com/other")
                .withNewParentRef()
                .withName("their-gateway")
                .endParentRef()
                .withConditions(new ConditionBuilder()
                        .withType("Accepted")
                        .withStatus("True")
                        .withReason("Accepted")
                        .build())
                .build());
        HTTPRoute withStatus = new HTTPRouteBuilder(original)
                .withNewStatus()
                .withParents(parents)
                .endStatus()
                .build();
        ResourceSet next = ResourceSet.builder()
                .addAll(input.all().stream().filter(o -> o != original).toList())
                .add(withStatus)
                .build();

        HTTPRouteStatus second = translator(t0.plusSeconds(60))
                .translate(next)
                .httpRouteStatus("apps", "web")
                .orElseThrow();

        assertThat(second.getParents())
                .extracting(RouteParentStatus::getControllerName)
                .containsExactlyInAnyOrder("example.com/other", GatewayTranslator.DEFAULT_CONTROLLER_NAME);
        RouteParentStatus ours = second.getParents().stream()
                .filter(p -> p.getControllerName().equals(GatewayTranslator.DEFAULT_CONTROLLER_NAME))
                .findFirst()
                .orElseThrow();
        assertThat(condition(ours.getConditions(), "Accepted").getLastTransitionTime())
                .isEqualTo("2025-03-01T10:00:00Z");
        assertThat(original.getStatus()).isNull();
    }

    @Test
    void equalInputsGiveEqualVersions() {
        String a = translator(Instant.EPOCH)
                .translate(input)
                .snapshot()
                .orElseThrow()
                .version();
        String b = translator(Instant.now())
                .translate(input)
                .snapshot()
                .orElseThrow()
                .version();
        assertThat(a).isEqualTo(b).isNotEmpty();
    }

    @Test
    void oversizedInputFailsWithAClearErrorAndNoSnapshot() {
        TranslationResult result =
                GatewayTranslator.builder().maxInputObjects(3).build().translate(input);

        assertThat(result.isSuccess()).isFalse();
        assertThat(result.errors()).singleElement().asString().contains("maxInputObjects (3)");
        assertThat(result.gatewayStatuses()).isEmpty();
    }

    @Test
    void loopbackPoolGivesEachGatewayItsOwnStableAddress() {
        AddressAllocator pool = AddressAllocator.loopbackPool();
        var one = pool.assign(List.of("a/gw", "b/gw"));
        var two = pool.assign(List.of("a/gw", "b/gw", "c/gw"));

        assertThat(one.get("a/gw")).startsWith("127.0.1.").isNotEqualTo(one.get("b/gw"));
        assertThat(two.get("a/gw")).isEqualTo(one.get("a/gw"));
    }

    // ---- TLS, TCP and UDP ----

    /**
     * Copies one fixture into {@code dir} with generated key material for the named objects
     * ({@code Secret ns/name} for a TLS pair, {@code ConfigMap ns/name} for a CA bundle), loads and translates it.
     */
    private static TranslationResult translate(String fixture, Path dir, String... material) throws Exception {
        Files.copy(
                Path.of(GatewayTranslatorTest.class
                        .getResource("/fixtures/features/" + fixture)
                        .toURI()),
                dir.resolve(fixture));
        StringBuilder extra = new StringBuilder();
        for (String m : material) {
            String[] kind = m.split(" ");
            String[] name = kind[1].split("/");
            extra.append("---\n")
                    .append(
                            kind[0].equals("Secret")
                                    ? TestCertificates.secretYaml(name[0], name[1], pem)
                                    : TestCertificates.caConfigMapYaml(name[0], name[1], pem));
        }
        Files.writeString(dir.resolve("material.yaml"), extra.toString());
        LoadResult loaded = YamlDirectoryLoader.builder().build().load(dir);
        assertThat(loaded.errors()).isEmpty();
        TranslationResult result = translator(Instant.EPOCH).translate(loaded.resources());
        assertThat(result.errors()).isEmpty();
        return result;
    }

    private static Listener listener(ConfigSnapshot snapshot, String name) {
        return snapshot.listeners().stream()
                .filter(l -> l.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no listener " + name + " in " + snapshot.listeners()));
    }

    private static ListenerStatus listenerStatus(GatewayStatus status, String name) {
        return status.getListeners().stream()
                .filter(l -> l.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void tlsListenersPassThroughOrTerminateOnOnePortAndRouteBySniIntersection(@TempDir Path dir) throws Exception {
        TranslationResult result = translate("l4.yaml", dir, "Secret apps/tls-cert");
        ConfigSnapshot snapshot = result.snapshot().orElseThrow();

        Listener pass = listener(snapshot, "apps/l4/passthrough");
        assertThat(pass.protocol()).isEqualTo(ListenerProtocol.TLS);
        assertThat(pass.tls()).contains(ListenerTls.passthrough());
        List<TlsRoute> passRoutes = ((ListenerRoutes.Tls) pass.routes()).routes();
        // only a.example.com intersects *.example.com; "term" has no hostnames and serves the listener's
        assertThat(passRoutes)
                .extracting(TlsRoute::hostnames)
                .containsExactly(List.of("a.example.com"), List.of("*.example.com"));
        assertThat(passRoutes.get(0).backends()).containsExactly(new L4Backend("apps/tls-app:8443", 1));

        Listener term = listener(snapshot, "apps/l4/terminate");
        assertThat(term.tls()).contains(ListenerTls.terminate(List.of("apps/tls-cert")));
        assertThat(((ListenerRoutes.Tls) term.routes()).routes())
                .extracting(r -> r.meta().name())
                .containsExactly("term");
        assertThat(snapshot.secret("apps/tls-cert")).containsInstanceOf(Secret.TlsKeyPair.class);

        GatewayStatus gw = result.gatewayStatus("apps", "l4").orElseThrow();
        assertThat(listenerStatus(gw, "passthrough").getSupportedKinds())
                .extracting(k -> k.getKind())
                .containsExactly("TLSRoute");
        assertThat(condition(gw.getConditions(), "Accepted").getReason()).isEqualTo("Accepted");
        assertThat(gw.getListeners()).allSatisfy(l -> assertThat(
                        condition(l.getConditions(), "Programmed").getStatus())
                .isEqualTo("True"));
    }

    @Test
    void tcpAndUdpRoutesAttachInAgeOrderAndFailedBackendsKeepTheirWeight(@TempDir Path dir) throws Exception {
        TranslationResult result = translate("l4.yaml", dir, "Secret apps/tls-cert");
        ConfigSnapshot snapshot = result.snapshot().orElseThrow();

        Listener tcp = listener(snapshot, "apps/l4/tcp");
        assertThat(tcp.hostname()).isEmpty();
        List<TcpRoute> routes = ((ListenerRoutes.Tcp) tcp.routes()).routes();
        assertThat(routes).extracting(r -> r.meta().name()).containsExactly("older", "newer");
        assertThat(routes.get(0).backends()).containsExactly(new L4Backend("apps/db:5432", 3), new L4Backend("", 1));
        assertThat(snapshot.cluster("apps/db:5432").orElseThrow().endpoints())
                .containsExactly(Endpoint.of("10.96.0.31", 5432));

        Listener udp = listener(snapshot, "apps/l4/udp");
        assertThat(((ListenerRoutes.Udp) udp.routes()).routes().get(0).backends())
                .containsExactly(new L4Backend("apps/dns:53", 1));

        GatewayStatus gw = result.gatewayStatus("apps", "l4").orElseThrow();
        ListenerStatus tcpStatus = listenerStatus(gw, "tcp");
        assertThat(tcpStatus.getAttachedRoutes()).isEqualTo(2);
        assertThat(tcpStatus.getSupportedKinds()).extracting(k -> k.getKind()).containsExactly("TCPRoute");
        RouteParentStatus older = result.tcpRouteStatus("apps", "older")
                .orElseThrow()
                .getParents()
                .get(0);
        assertThat(condition(older.getConditions(), "Accepted").getStatus()).isEqualTo("True");
        assertThat(condition(older.getConditions(), "ResolvedRefs").getReason()).isEqualTo("BackendNotFound");
        assertThat(condition(
                                result.udpRouteStatus("apps", "dns")
                                        .orElseThrow()
                                        .getParents()
                                        .get(0)
                                        .getConditions(),
                                "Accepted")
                        .getStatus())
                .isEqualTo("True");
    }

    // ---- BackendTLSPolicy and backend client certificates ----

    @Test
    void backendTlsPoliciesGiveTargetedServicePortsUpstreamTls(@TempDir Path dir) throws Exception {
        TranslationResult result =
                translate("backend-tls.yaml", dir, "ConfigMap apps/backend-ca", "Secret apps/client-cert");
        ConfigSnapshot snapshot = result.snapshot().orElseThrow();

        UpstreamTls tls =
                snapshot.cluster("apps/secure:443").orElseThrow().tls().orElseThrow();
        assertThat(tls.caCertificates()).containsExactly("configmap:apps/backend-ca");
        assertThat(tls.sni()).isEqualTo("secure.example.com");
        assertThat(tls.subjectAltNames())
                .containsExactly(
                        new UpstreamTls.SubjectAltName(UpstreamTls.SubjectAltName.Type.HOSTNAME, "secure.example.com"),
                        new UpstreamTls.SubjectAltName(
                                UpstreamTls.SubjectAltName.Type.URI, "spiffe://example.com/secure"));
        assertThat(snapshot.secret("configmap:apps/backend-ca")).containsInstanceOf(Secret.CaBundle.class);
        assertThat(snapshot.cluster("apps/plain:80").orElseThrow().tls()).isEmpty();
        assertThat(snapshot.cluster("apps/broken:443").orElseThrow().tls()).isEmpty();

        // the Gateway with a client certificate sends its routes to a variant that presents it
        UpstreamTls mutual =
                snapshot.cluster("apps/secure:443@apps/gw").orElseThrow().tls().orElseThrow();
        assertThat(mutual.clientCertificate()).contains("apps/client-cert");
        HttpRoute toSecure = ((ListenerRoutes.Http)
                        listener(snapshot, "apps/gw/http").routes())
                .virtualHosts()
                .get(0)
                .routes()
                .get(0);
        assertThat(((RouteAction.Forward) toSecure.action()).backends())
                .containsExactly(new Backend.ClusterBackend("apps/secure:443@apps/gw", 1, List.of()));
        assertThat(condition(result.gatewayStatus("apps", "gw").orElseThrow().getConditions(), "ResolvedRefs")
                        .getStatus())
                .isEqualTo("True");
        Condition badRef = condition(
                result.gatewayStatus("apps", "bad-client-cert").orElseThrow().getConditions(), "ResolvedRefs");
        assertThat(badRef.getReason()).isEqualTo("RefNotPermitted");
    }

    @Test
    void backendTlsPolicyStatusNamesTheGatewayAndReportsConflictsAndBadCaReferences(@TempDir Path dir)
            throws Exception {
        TranslationResult result =
                translate("backend-tls.yaml", dir, "ConfigMap apps/backend-ca", "Secret apps/client-cert");

        PolicyAncestorStatus secure = result.backendTlsPolicyStatus("apps", "secure")
                .orElseThrow()
                .getAncestors()
                .get(0);
        assertThat(secure.getAncestorRef().getName()).isEqualTo("gw");
        assertThat(secure.getAncestorRef().getKind()).isEqualTo("Gateway");
        assertThat(condition(secure.getConditions(), "Accepted").getStatus()).isEqualTo("True");

        PolicyAncestorStatus again = result.backendTlsPolicyStatus("apps", "secure-again")
                .orElseThrow()
                .getAncestors()
                .get(0);
        assertThat(condition(again.getConditions(), "Accepted").getReason()).isEqualTo("Conflicted");

        PolicyAncestorStatus broken = result.backendTlsPolicyStatus("apps", "broken")
                .orElseThrow()
                .getAncestors()
                .get(0);
        assertThat(condition(broken.getConditions(), "Accepted").getReason()).isEqualTo("NoValidCACertificate");
        assertThat(condition(broken.getConditions(), "ResolvedRefs").getReason())
                .isEqualTo("InvalidCACertificateRef");
    }

    // ---- frontend client-certificate validation ----

    @Test
    void frontendValidationAppliesPerPortAndRejectsListenersWithoutAUsableCa(@TempDir Path dir) throws Exception {
        TranslationResult result =
                translate("frontend.yaml", dir, "Secret apps/server-cert", "ConfigMap apps/client-ca");
        ConfigSnapshot snapshot = result.snapshot().orElseThrow();

        ListenerTls tls = listener(snapshot, "apps/mtls/https").tls().orElseThrow();
        assertThat(tls.clientValidation())
                .contains(new ListenerTls.ClientValidation(List.of("configmap:apps/client-ca"), true));
        assertThat(snapshot.secret("configmap:apps/client-ca")).containsInstanceOf(Secret.CaBundle.class);
        assertThat(snapshot.listeners()).extracting(Listener::name).doesNotContain("apps/mtls/strict");
        assertThat(listener(snapshot, "apps/mtls/http").tls()).isEmpty();

        GatewayStatus gw = result.gatewayStatus("apps", "mtls").orElseThrow();
        ListenerStatus strict = listenerStatus(gw, "strict");
        assertThat(condition(strict.getConditions(), "Accepted").getReason()).isEqualTo("NoValidCACertificate");
        assertThat(condition(strict.getConditions(), "ResolvedRefs").getReason())
                .isEqualTo("InvalidCACertificateKind");
        Condition insecure = condition(gw.getConditions(), "InsecureFrontendValidationMode");
        assertThat(insecure.getStatus()).isEqualTo("True");
        assertThat(insecure.getReason()).isEqualTo("ConfigurationChanged");
    }

    // ---- ListenerSets ----

    @Test
    void listenerSetsJoinTheirGatewayBelowItsOwnListenersAndRoutesAttachToThem(@TempDir Path dir) throws Exception {
        TranslationResult result = translate("listenersets.yaml", dir);
        ConfigSnapshot snapshot = result.snapshot().orElseThrow();

        Listener app = listener(snapshot, "infra/shared/listenersets/infra/extra/app");
        assertThat(app.address())
                .isEqualTo(listener(snapshot, "infra/shared/main").address());
        assertThat(((ListenerRoutes.Http) app.routes()).virtualHosts())
                .extracting(VirtualHost::domains)
                .containsExactly(List.of("app.example.com"));
        assertThat(snapshot.listeners())
                .extracting(Listener::name)
                .doesNotContain("infra/shared/listenersets/infra/extra/clash");

        GatewayStatus gw = result.gatewayStatus("infra", "shared").orElseThrow();
        assertThat(gw.getAttachedListenerSets()).isEqualTo(1);
        assertThat(listenerStatus(gw, "main").getAttachedRoutes()).isZero(); // the route is not allowed there

        ListenerSetStatus extra = result.listenerSetStatus("infra", "extra").orElseThrow();
        assertThat(condition(extra.getConditions(), "Accepted").getStatus()).isEqualTo("True");
        var clash = extra.getListeners().stream()
                .filter(l -> l.getName().equals("clash"))
                .findFirst()
                .orElseThrow();
        assertThat(condition(clash.getConditions(), "Conflicted").getReason()).isEqualTo("HostnameConflict");
        assertThat(condition(clash.getConditions(), "Accepted").getStatus()).isEqualTo("False");

        ListenerSetStatus foreign = result.listenerSetStatus("teams", "foreign").orElseThrow();
        assertThat(condition(foreign.getConditions(), "Accepted").getReason()).isEqualTo("NotAllowed");

        List<RouteParentStatus> parents =
                result.httpRouteStatus("teams", "app").orElseThrow().getParents();
        assertThat(parents).extracting(p -> p.getParentRef().getKind()).containsExactly("ListenerSet", "Gateway");
        assertThat(condition(parents.get(0).getConditions(), "Accepted").getStatus())
                .isEqualTo("True");
        assertThat(condition(parents.get(1).getConditions(), "Accepted").getReason())
                .isEqualTo("NotAllowedByListeners");
    }

    // ---- AIService, TokenPolicy, WasmPlugin ----

    @Test
    void aiServicesBecomeExtensionBackendsWithOneClusterPerProviderAndTheirKeys(@TempDir Path dir) throws Exception {
        TranslationResult result = translate("ai.yaml", dir);
        ConfigSnapshot snapshot = result.snapshot().orElseThrow();

        HttpRoute chat = routes(snapshot).stream()
                .filter(r -> r.meta().ruleIndex() == 0)
                .findFirst()
                .orElseThrow();
        assertThat(((RouteAction.Forward) chat.action()).backends())
                .containsExactly(
                        new Backend.ExtensionBackend("gateway.nantian.dev", "AIService", "ai", "chat", 1, List.of()));
        // TokenPolicies (of the route, then of its AIService) come first, before the rule's own filters and the
        // AIService backend
        assertThat(chat.filters())
                .containsExactly(
                        new RouteFilter.ExtensionRef("gateway.nantian.dev", "TokenPolicy", "ai", "budget"),
                        new RouteFilter.ExtensionRef("gateway.nantian.dev", "TokenPolicy", "ai", "per-service"),
                        new RouteFilter.ExtensionRef("gateway.nantian.dev", "WasmPlugin", "ai", "audit"));

        Cluster claude = snapshot.cluster("ai/ai/chat/claude").orElseThrow();
        assertThat(claude.endpoints()).containsExactly(Endpoint.of("api.anthropic.com", 443));
        assertThat(claude.tls()).contains(new UpstreamTls(List.of(), "api.anthropic.com", List.of(), Optional.empty()));
        Cluster local = snapshot.cluster("ai/ai/chat/local").orElseThrow();
        assertThat(local.endpoints()).containsExactly(Endpoint.of("127.0.0.1", 11434));
        assertThat(local.tls()).isEmpty();
        assertThat(snapshot.secret("ai/anthropic-key"))
                .hasValueSatisfying(s -> assertThat(((Secret.Generic) s).data()).containsEntry("apiKey", "sk-test"));
        assertThat(snapshot.extensions())
                .extracting(ExtensionConfig::kind, ExtensionConfig::name)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("AIService", "chat"),
                        org.assertj.core.groups.Tuple.tuple("WasmPlugin", "audit"),
                        org.assertj.core.groups.Tuple.tuple("TokenPolicy", "budget"),
                        org.assertj.core.groups.Tuple.tuple("TokenPolicy", "per-service"));
        ExtensionConfig service = snapshot.extensions().stream()
                .filter(e -> e.name().equals("chat"))
                .findFirst()
                .orElseThrow();
        assertThat(service.spec())
                .containsKey("providers")
                .containsEntry("fallback", List.of("claude", "local"))
                .containsEntry("pii", Map.of("request", "mask", "response", "block"));
    }

    @Test
    void invalidExtensionObjectsGetConditionsAndReferencesToThemFail(@TempDir Path dir) throws Exception {
        TranslationResult result = translate("ai.yaml", dir);
        ConfigSnapshot snapshot = result.snapshot().orElseThrow();

        ExtensionStatus broken =
                result.extensionStatus("AIService", "ai", "broken").orElseThrow();
        Condition invalid = condition(broken.getConditions(), "Accepted");
        assertThat(invalid.getStatus()).isEqualTo("False");
        assertThat(invalid.getReason()).isEqualTo("Invalid");
        assertThat(invalid.getMessage()).contains("spec.colour").contains("Gemini");
        ExtensionStatus keyless =
                result.extensionStatus("AIService", "ai", "keyless").orElseThrow();
        assertThat(condition(keyless.getConditions(), "ResolvedRefs").getReason())
                .isEqualTo("InvalidSecretRef");
        assertThat(condition(
                                result.extensionStatus("TokenPolicy", "ai", "no-limits")
                                        .orElseThrow()
                                        .getConditions(),
                                "Accepted")
                        .getMessage())
                .contains("spec.limits");
        assertThat(snapshot.cluster("ai/ai/keyless/claude")).isEmpty();

        List<HttpRoute> entries = routes(snapshot);
        HttpRoute toBroken = entries.stream()
                .filter(r -> r.meta().ruleIndex() == 1)
                .findFirst()
                .orElseThrow();
        assertThat(((RouteAction.Forward) toBroken.action()).backends())
                .singleElement()
                .isInstanceOf(Backend.InvalidBackend.class);
        HttpRoute missingPlugin = entries.stream()
                .filter(r -> r.meta().ruleIndex() == 2)
                .findFirst()
                .orElseThrow();
        assertThat(missingPlugin.action()).isEqualTo(new RouteAction.DirectResponse(500, List.of(), ""));

        RouteParentStatus parent =
                result.httpRouteStatus("ai", "chat").orElseThrow().getParents().get(0);
        assertThat(condition(parent.getConditions(), "ResolvedRefs").getReason())
                .isEqualTo("BackendNotFound");
        assertThat(condition(parent.getConditions(), "PartiallyInvalid").getMessage())
                .contains("WasmPlugin ai/nope not found");
    }

    private static List<HttpRoute> routes(ConfigSnapshot snapshot) {
        return ((ListenerRoutes.Http) snapshot.listeners().get(0).routes())
                .virtualHosts()
                .get(0)
                .routes();
    }
}
