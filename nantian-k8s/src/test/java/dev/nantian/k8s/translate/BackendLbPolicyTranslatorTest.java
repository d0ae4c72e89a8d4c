package dev.nantian.k8s.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.HealthCheck;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.OutlierDetection;
import dev.nantian.core.model.SessionPersistence;
import dev.nantian.k8s.crd.ExtensionStatus;
import dev.nantian.k8s.source.LoadResult;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyAncestorStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BackendLBPolicy of both kinds, loaded from {@code fixtures/features/backend-lb.yaml} as a directory would be. */
class BackendLbPolicyTranslatorTest {
    private TranslationResult result;
    private ConfigSnapshot snapshot;

    @BeforeEach
    void translate(@TempDir Path dir) throws Exception {
        Files.copy(
                Path.of(getClass()
                        .getResource("/fixtures/features/backend-lb.yaml")
                        .toURI()),
                dir.resolve("lb.yaml"));
        LoadResult loaded = YamlDirectoryLoader.builder().build().load(dir);
        assertThat(loaded.errors()).isEmpty();
        result = GatewayTranslator.builder()
                .clock(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC))
                .build()
                .translate(loaded.resources());
        assertThat(result.errors()).isEmpty();
        snapshot = result.snapshot().orElseThrow();
    }

    private static Condition condition(List<Condition> conditions, String type) {
        return Conditions.find(conditions, type);
    }

    private ExtensionStatus ours(String name) {
        return result.extensionStatus("BackendLBPolicy", "shop", name).orElseThrow();
    }

    /** The entry of rule {@code rule} of HTTPRoute shop/shop. */
    private HttpRoute rule(int rule) {
        return ((ListenerRoutes.Http) snapshot.listeners().get(0).routes())
                .virtualHosts().get(0).routes().stream()
                        .filter(r -> r.meta().ruleIndex() == rule)
                        .findFirst()
                        .orElseThrow();
    }

    @Test
    void ourPolicySetsLoadBalancingHealthCheckAndOutlierDetectionOfTheTargetedServicePorts() {
        Cluster cart = snapshot.cluster("shop/cart:80").orElseThrow();
        assertThat(cart.loadBalancing()).isEqualTo(new LoadBalancing.LeastRequest(3));
        assertThat(cart.healthCheck())
                .contains(new HealthCheck(
                        "/healthz",
                        Optional.of("cart.shop"),
                        Duration.ofSeconds(2),
                        Duration.ofMillis(500),
                        1,
                        4,
                        200,
                        204));
        assertThat(cart.outlierDetection()).contains(new OutlierDetection(3, Duration.ofSeconds(10), 50));

        // a policy for the named port wins over the one for the whole Service, as a whole
        Cluster admin = snapshot.cluster("shop/cart:8081").orElseThrow();
        assertThat(admin.loadBalancing())
                .isEqualTo(new LoadBalancing.ConsistentHash(
                        new LoadBalancing.HashKey.Cookie("admin-affinity", Optional.of(Duration.ZERO), "/")));
        assertThat(admin.healthCheck()).isEmpty();
        assertThat(admin.outlierDetection()).isEmpty();

        // omitted fields take their documented defaults
        Cluster search = snapshot.cluster("shop/search:80").orElseThrow();
        assertThat(search.loadBalancing())
                .isEqualTo(new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.Header("x-user")));
        assertThat(search.outlierDetection()).contains(new OutlierDetection(5, Duration.ofSeconds(30), 10));

        Cluster plain = snapshot.cluster("shop/plain:80").orElseThrow();
        assertThat(plain.loadBalancing()).isEqualTo(new LoadBalancing.RoundRobin());
        assertThat(plain.healthCheck()).isEmpty();
        assertThat(plain.outlierDetection()).isEmpty();
    }

    @Test
    void ourPolicyAppliesToTheClustersOfLayer4Routes() {
        Cluster queue = snapshot.cluster("shop/queue:5672").orElseThrow();
        assertThat(queue.loadBalancing()).isEqualTo(new LoadBalancing.LeastRequest(2));
        assertThat(queue.outlierDetection()).contains(new OutlierDetection(2, Duration.ofSeconds(30), 10));
        assertThat(condition(ours("queue").getConditions(), "Accepted").getStatus())
                .isEqualTo("True");
    }

    @Test
    void ourPolicyStatusSaysAcceptedConflictedInvalidOrTargetNotFound() {
        for (String name : List.of("cart", "cart-admin", "search")) {
            assertThat(condition(ours(name).getConditions(), "Accepted").getStatus())
                    .as(name)
                    .isEqualTo("True");
            assertThat(condition(ours(name).getConditions(), "ResolvedRefs").getStatus())
                    .as(name)
                    .isEqualTo("True");
        }

        Condition conflicted = condition(ours("cart-again").getConditions(), "Accepted");
        assertThat(conflicted.getStatus()).isEqualTo("False");
        assertThat(conflicted.getReason()).isEqualTo("Conflicted");
        assertThat(conflicted.getMessage()).contains("older BackendLBPolicy");

        Condition invalid = condition(ours("broken").getConditions(), "Accepted");
        assertThat(invalid.getStatus()).isEqualTo("False");
        assertThat(invalid.getReason()).isEqualTo("Invalid");
        assertThat(invalid.getMessage())
                .contains(
                        "spec.colour: unknown field",
                        "spec.targetRefs[0].group: must be \"\"",
                        "spec.targetRefs[0].kind: must be Service, not 'Deployment'",
                        "spec.loadBalancer.type: must be RoundRobin, LeastRequest, Random or ConsistentHash, not 'Fastest'",
                        "spec.loadBalancer.consistentHash: is only for type ConsistentHash",
                        "spec.healthCheck.http.path: must start with /",
                        "spec.healthCheck.http.expectedStatuses: must be a range",
                        "spec.healthCheck.interval: must be a duration",
                        "spec.outlierDetection.consecutiveErrors: must be a whole number of at least 1",
                        "spec.outlierDetection.maxEjectionPercent: must be at most 100");

        List<Condition> nowhere = ours("nowhere").getConditions();
        assertThat(condition(nowhere, "Accepted").getReason()).isEqualTo("TargetNotFound");
        assertThat(condition(nowhere, "ResolvedRefs").getStatus()).isEqualTo("False");
        assertThat(condition(nowhere, "ResolvedRefs").getMessage()).isEqualTo("Service shop/no-such-service not found");
    }

    @Test
    void gatewayApiPolicyGivesRulesWithoutTheirOwnSessionPersistenceItsOwn() {
        SessionPersistence cartSession = new SessionPersistence(
                Optional.of("cart-session"),
                SessionPersistence.Type.COOKIE,
                Optional.of(Duration.ofHours(1)),
                Optional.empty(),
                true);
        assertThat(rule(0).sessionPersistence()).contains(cartSession);
        assertThat(rule(1).sessionPersistence()).as("every port of the Service").contains(cartSession);
        assertThat(rule(2).sessionPersistence())
                .as("the rule's own wins")
                .hasValueSatisfying(s -> assertThat(s.sessionName()).contains("mine"));
        assertThat(rule(3).sessionPersistence())
                .as("the search policy is invalid")
                .isEmpty();
        assertThat(rule(4).sessionPersistence()).isEmpty();
    }

    @Test
    void gatewayApiPolicyStatusNamesTheGatewaysWhoseRoutesUseTheService() {
        PolicyStatus cart =
                result.backendLbPolicyStatus("shop", "cart-sessions").orElseThrow();
        assertThat(cart.getAncestors()).hasSize(1);
        PolicyAncestorStatus ancestor = cart.getAncestors().get(0);
        assertThat(ancestor.getAncestorRef().getName()).isEqualTo("gw");
        assertThat(ancestor.getControllerName()).isEqualTo("gateway.networking.k8s.io/nantian-gw");
        assertThat(condition(ancestor.getConditions(), "Accepted").getStatus()).isEqualTo("True");

        PolicyStatus bad = result.backendLbPolicyStatus("shop", "bad-sessions").orElseThrow();
        Condition accepted = condition(bad.getAncestors().get(0).getConditions(), "Accepted");
        assertThat(accepted.getStatus()).isEqualTo("False");
        assertThat(accepted.getReason()).isEqualTo("Invalid");
        assertThat(accepted.getMessage()).contains("spec.sessionPersistence.type: must be Cookie or Header");
    }

    @Test
    void theLoadBalancingExampleTranslatesWithEveryPolicyAccepted() throws Exception {
        // the module's directory is the working directory of its tests
        LoadResult loaded = YamlDirectoryLoader.builder().build().load(Path.of("../examples/load-balancing"));
        assertThat(loaded.errors()).isEmpty();
        TranslationResult example = GatewayTranslator.builder().build().translate(loaded.resources());
        assertThat(example.errors()).isEmpty();

        Cluster web = example.snapshot().orElseThrow().cluster("default/web:80").orElseThrow();
        assertThat(web.endpoints()).hasSize(2);
        assertThat(web.loadBalancing()).isEqualTo(new LoadBalancing.LeastRequest(2));
        assertThat(web.healthCheck()).isPresent();
        assertThat(web.outlierDetection()).isPresent();
        assertThat(condition(
                                example.extensionStatus("BackendLBPolicy", "default", "web")
                                        .orElseThrow()
                                        .getConditions(),
                                "Accepted")
                        .getStatus())
                .isEqualTo("True");
        assertThat(condition(
                                example.backendLbPolicyStatus("default", "web-sessions")
                                        .orElseThrow()
                                        .getAncestors()
                                        .get(0)
                                        .getConditions(),
                                "Accepted")
                        .getStatus())
                .isEqualTo("True");
    }
}
