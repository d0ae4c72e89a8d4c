package dev.nantian.k8s.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.k8s.source.LoadResult;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GatewayTranslatorTest {
    private ResourceSet input;

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

    private static List<HttpRoute> routes(ConfigSnapshot snapshot) {
        return ((ListenerRoutes.Http) snapshot.listeners().get(0).routes())
                .virtualHosts()
                .get(0)
                .routes();
    }
}
