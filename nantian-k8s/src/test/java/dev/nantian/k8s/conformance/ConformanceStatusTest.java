package dev.nantian.k8s.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.nantian.k8s.source.LoadError;
import dev.nantian.k8s.source.LoadResult;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import dev.nantian.k8s.translate.AddressAllocator;
import dev.nantian.k8s.translate.GatewayTranslator;
import dev.nantian.k8s.translate.TestCertificates;
import dev.nantian.k8s.translate.TranslationResult;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerEntryStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSetStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyAncestorStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the status checks of the Gateway API v1.6.1 conformance vectors ({@code status.json}) against the translator:
 * base manifests plus each test's manifests go through the YAML loader and the translator, and every check of the
 * test is judged by the vectors' {@code semantics}. Tests needing a feature the translator does not implement, or
 * that mutate objects between checks (which needs the upstream test's code, not data), are reported as skipped with
 * the reason.
 */
class ConformanceStatusTest {
    private static final String CLASS_NAME = "nantian";
    private static final String CONTROLLER = GatewayTranslator.DEFAULT_CONTROLLER_NAME;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Features not implemented yet; tests that need one are skipped, naming it. */
    private static final Set<String> UNSUPPORTED_FEATURES =
            Set.of("GatewayInfrastructurePropagation", "GatewayStaticAddresses");

    /**
     * Tests of what an implementation must report when it does NOT support a feature; upstream skips them when the
     * feature is supported, and the translator supports these.
     */
    private static final Map<String, String> ONLY_WITHOUT_FEATURE = Map.of(
            "TLSRouteListenerMixedTerminationNotSupported", "TLSRouteModeMixed",
            "TLSRouteListenerTerminateNotSupported", "TLSRouteModeTerminate");

    /** Tests whose later checks follow edits to the objects that the vectors do not carry. */
    private static final Set<String> MUTATING = Set.of(
            "GatewayModifyListeners",
            "GatewayObservedGenerationBump",
            "GatewayClassObservedGenerationBump",
            "HTTPRouteObservedGenerationBump",
            "BackendTLSPolicyObservedGenerationBump",
            // its reconcile-test checks follow edits of a CA ConfigMap
            "BackendTLSPolicy",
            // its last check follows the deletion of the ReferenceGrant
            "TCPRouteReferenceGrant",
            // the newer of the two routes is created by the test's code, after the older one, not by the vectors
            "TCPRouteMultipleRoutesAttachment",
            "UDPRouteMultipleRoutesAttachment");

    private static TestCertificates.Pem pem;

    @BeforeAll
    static void makeCertificate(@TempDir Path dir) throws Exception {
        pem = TestCertificates.generate(dir);
    }

    static Stream<String> tests() throws IOException {
        List<String> names = new ArrayList<>();
        vectors().path("tests").forEach(t -> names.add(t.path("name").asString()));
        return names.stream();
    }

    private static JsonNode vectors() throws IOException {
        return JSON.readTree(resource("status.json"));
    }

    private static String resource(String path) throws IOException {
        try (InputStream in = ConformanceStatusTest.class.getResourceAsStream("/conformance/" + path)) {
            if (in == null) {
                throw new IOException("missing test resource conformance/" + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tests")
    void statusChecksPass(String name, @TempDir Path dir) throws Exception {
        JsonNode test = null;
        for (JsonNode t : vectors().path("tests")) {
            if (t.path("name").asString().equals(name)) {
                test = t;
            }
        }
        assertThat(test).isNotNull();
        for (JsonNode feature : test.path("features")) {
            if (UNSUPPORTED_FEATURES.contains(feature.asString())) {
                abort("needs feature " + feature.asString());
            }
        }
        if (ONLY_WITHOUT_FEATURE.containsKey(name)) {
            abort("tests the behaviour without feature " + ONLY_WITHOUT_FEATURE.get(name) + ", which is supported");
        }
        if (MUTATING.contains(name)) {
            abort("edits objects between checks; the vectors do not carry the edits");
        }

        List<String> failures = failures(
                test,
                dir,
                GatewayTranslator.builder()
                        .addressAllocator(AddressAllocator.loopbackPool())
                        .build());
        assertThat(failures).as("failed checks of %s", name).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void harnessReportsFailuresWhenTheGatewayClassIsNotOurs(@TempDir Path dir) throws Exception {
        JsonNode simple = null;
        for (JsonNode t : vectors().path("tests")) {
            if (t.path("name").asString().equals("HTTPRouteSimpleSameNamespace")) {
                simple = t;
            }
        }
        List<String> failures = failures(
                simple,
                dir,
                GatewayTranslator.builder().controllerName("example.com/other").build());
        assertThat(failures).isNotEmpty();
    }

    /** Guards the checks this harness added against passing vacuously: a wrong expected reason must fail. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {
                "ListenerSetHostnameConflict",
                "BackendTLSPolicyInvalidKind",
                "TLSRouteInvalidNoMatchingListener",
                "TCPRouteInvalidBackendRefNonexistent",
                "GatewayInvalidFrontendClientCertificateValidation"
            })
    void harnessFailsChecksWhoseExpectedReasonIsWrong(String name, @TempDir Path dir) throws Exception {
        JsonNode test = null;
        for (JsonNode t : vectors().path("tests")) {
            if (t.path("name").asString().equals(name)) {
                test = t.deepCopy();
            }
        }
        int withReason = 0;
        for (JsonNode check : test.path("checks")) {
            for (JsonNode cond : check.findParents("reason")) {
                if (!cond.path("reason").asString("").isEmpty()) {
                    ((tools.jackson.databind.node.ObjectNode) cond).put("reason", "NotTheRealReason");
                    withReason++;
                }
            }
        }
        assertThat(withReason).isPositive();
        List<String> failures = failures(
                test,
                dir,
                GatewayTranslator.builder()
                        .addressAllocator(AddressAllocator.loopbackPool())
                        .build());
        assertThat(failures).isNotEmpty().allSatisfy(f -> assertThat(f).contains("NotTheRealReason"));
    }

    private static List<String> failures(JsonNode test, Path dir, GatewayTranslator translator) throws Exception {
        write(
                dir.resolve("00-gatewayclass.yaml"),
                "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n" + "metadata:\n  name: " + CLASS_NAME
                        + "\nspec:\n  controllerName: " + CONTROLLER + "\n");
        write(dir.resolve("01-base.yaml"), substitute(resource("base-manifests.yaml")));
        int i = 0;
        for (JsonNode manifest : test.path("manifests")) {
            write(dir.resolve("10-test-" + (i++) + ".yaml"), substitute(resource(manifest.asString())));
        }
        // the certificates the upstream suite generates: one throwaway pair stands in for all of them, which is
        // enough for status (only the shape of the material is judged, not trust between the parties)
        StringBuilder secrets = new StringBuilder();
        for (JsonNode r :
                JSON.readTree(resource("suite-created-resources.json")).path("suiteCreatedResources")) {
            String ns = r.path("namespace").asString();
            String rname = r.path("name").asString();
            if (r.path("kind").asString().equals("Secret")) {
                secrets.append("---\n").append(TestCertificates.secretYaml(ns, rname, pem));
            } else if (r.path("kind").asString().equals("ConfigMap")) {
                secrets.append("---\n").append(TestCertificates.caConfigMapYaml(ns, rname, pem));
            }
        }
        write(dir.resolve("02-suite-secrets.yaml"), secrets.toString());

        LoadResult loaded = YamlDirectoryLoader.builder().build().load(dir);
        // Deployments (the echo pods) are the runner's business; everything else must load
        List<LoadError> unexpected = new ArrayList<>();
        for (LoadError e : loaded.errors()) {
            if (!e.message().contains("unknown kind apps/v1 Deployment")) {
                unexpected.add(e);
            }
        }
        assertThat(unexpected).isEmpty();

        TranslationResult result = translator.translate(loaded.resources());
        assertThat(result.errors()).isEmpty();
        assertThat(result.snapshot()).isPresent();

        List<String> failures = new ArrayList<>();
        assertThat(test.path("checks").size()).isPositive();
        for (JsonNode check : test.path("checks")) {
            String failure = new Checker(result).run(check);
            if (failure != null) {
                failures.add(check.path("check").asString() + " (line "
                        + check.path("line").asInt() + "): " + failure);
            }
        }
        return failures;
    }

    private static String substitute(String yaml) {
        return yaml.replace("{GATEWAY_CLASS_NAME}", CLASS_NAME).replace("{GATEWAY_CONTROLLER_NAME}", CONTROLLER);
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** A listener's status, of a Gateway or a ListenerSet. */
    private record ListenerView(
            String name, List<RouteGroupKind> supportedKinds, int attachedRoutes, List<Condition> conditions) {
        static List<ListenerView> of(GatewayStatus g) {
            List<ListenerView> out = new ArrayList<>();
            for (ListenerStatus l : list(g.getListeners())) {
                out.add(new ListenerView(
                        l.getName(), list(l.getSupportedKinds()), l.getAttachedRoutes(), l.getConditions()));
            }
            return out;
        }

        static List<ListenerView> of(ListenerSetStatus s) {
            List<ListenerView> out = new ArrayList<>();
            for (ListenerEntryStatus l : list(s.getListeners())) {
                out.add(new ListenerView(
                        l.getName(), list(l.getSupportedKinds()), l.getAttachedRoutes(), l.getConditions()));
            }
            return out;
        }
    }

    /** Judges one check; returns null when it passes, else why not. */
    private static final class Checker {
        private static final List<String> ROUTE_KINDS =
                List.of("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute");

        private final TranslationResult result;

        Checker(TranslationResult result) {
            this.result = result;
        }

        String run(JsonNode c) {
            JsonNode res = c.path("resource");
            String ns = res.path("namespace").asString("");
            String name = res.path("name").isObject()
                    ? res.path("name").path("Name").asString()
                    : res.path("name").asString();
            String check = c.path("check").asString();
            for (String kind : ROUTE_KINDS) {
                if (check.startsWith(kind + "Must")) {
                    return routeCheck(c, kind, check.substring(kind.length()), ns, name);
                }
            }
            switch (check) {
                case "GWCMustHaveAcceptedConditionAny":
                case "GatewayClassMustHaveLatestConditions": {
                    GatewayClassStatus s = result.gatewayClassStatus(name).orElse(null);
                    if (s == null || find(s.getConditions(), "Accepted") == null) {
                        return "GatewayClass " + name + " has no Accepted condition";
                    }
                    return latest(s.getConditions(), "GatewayClass " + name);
                }
                case "GatewayMustHaveLatestConditions": {
                    GatewayStatus g = gateway(ns, name);
                    return g == null ? "no status for Gateway " + name : latest(g.getConditions(), "Gateway " + name);
                }
                case "GatewayMustHaveCondition": {
                    GatewayStatus g = gateway(ns, name);
                    return g == null ? "no status for Gateway " + name : has(g.getConditions(), c.path("condition"));
                }
                case "GatewayMustHaveAttachedListeners": {
                    GatewayStatus g = gateway(ns, name);
                    if (g == null) {
                        return "no status for Gateway " + name;
                    }
                    int want = c.path("attachedListenerSets").asInt();
                    return Objects.equals(g.getAttachedListenerSets(), want)
                            ? null
                            : "attachedListenerSets " + g.getAttachedListenerSets() + ", want " + want;
                }
                case "WaitForGatewayAddress": {
                    GatewayStatus g = gateway(ns, name);
                    return g == null ? "no status for Gateway " + name : address(g);
                }
                case "GatewayStatusMustHaveListeners": {
                    GatewayStatus g = gateway(ns, name);
                    return g == null ? "no Gateway status" : listeners(ListenerView.of(g), c.path("listenersStatus"));
                }
                case "GatewayListenerMustHaveConditions":
                case "GatewayListenersMustHaveConditions": {
                    GatewayStatus g = gateway(ns, name);
                    return g == null ? "no status for Gateway " + name : listenerConditions(ListenerView.of(g), c);
                }
                case "GatewayMustHaveZeroRoutes": {
                    GatewayStatus g = gateway(ns, name);
                    if (g == null) {
                        return "no status for Gateway " + name;
                    }
                    List<ListenerStatus> ls = list(g.getListeners());
                    return ls.isEmpty() || (ls.size() == 1 && ls.get(0).getAttachedRoutes() == 0)
                            ? null
                            : "listeners have attached routes";
                }
                case "ListenerSetMustHaveCondition": {
                    ListenerSetStatus s = result.listenerSetStatus(ns, name).orElse(null);
                    if (s == null) {
                        return "no status for ListenerSet " + name;
                    }
                    String f = latest(s.getConditions(), "ListenerSet " + name);
                    return f != null ? f : has(s.getConditions(), c.path("condition"));
                }
                case "ListenerSetListenersMustHaveConditions": {
                    ListenerSetStatus s = result.listenerSetStatus(ns, name).orElse(null);
                    return s == null ? "no status for ListenerSet " + name : listenerConditions(ListenerView.of(s), c);
                }
                case "ListenerSetStatusMustHaveListeners": {
                    ListenerSetStatus s = result.listenerSetStatus(ns, name).orElse(null);
                    return s == null
                            ? "no status for ListenerSet " + name
                            : listeners(ListenerView.of(s), c.path("listenersStatus"));
                }
                case "RoutesAndParentMustBeAccepted":
                    return routesAndParent(c, ns, name);
                case "BackendTLSPolicyMustHaveCondition":
                case "BackendTLSPolicyMustHaveAcceptedConditionTrue":
                    return policyCondition(c, ns, name);
                default:
                    if (check.startsWith("GatewayAnd") && check.endsWith("MustBeAccepted")) {
                        return gatewayAndRoutes(c, ns, name);
                    }
                    return "check " + check + " is not implemented by this harness";
            }
        }

        private String routeCheck(JsonNode c, String kind, String what, String ns, String name) {
            switch (what) {
                case "MustHaveCondition":
                case "MustHaveResolvedRefsConditionsTrue":
                    return routeCondition(c, kind, ns, name);
                case "MustHaveLatestConditions": {
                    for (RouteParentStatus p : parents(kind, ns, name)) {
                        String f = latest(p.getConditions(), kind + " " + name);
                        if (f != null) {
                            return f;
                        }
                    }
                    return parents(kind, ns, name).isEmpty() ? "no status for " + kind + " " + name : null;
                }
                case "MustHaveNoAcceptedParents": {
                    List<RouteParentStatus> parents = parents(kind, ns, name);
                    if (parents.isEmpty()) {
                        return null;
                    }
                    Condition a = parents.size() == 1 ? find(parents.get(0).getConditions(), "Accepted") : null;
                    return a != null && a.getStatus().equals("False") ? null : "route has accepted parents";
                }
                case "MustHaveParents":
                    return routeParents(c, kind, ns, name);
                default:
                    return "check " + kind + what + " is not implemented by this harness";
            }
        }

        private List<RouteParentStatus> parents(String kind, String ns, String name) {
            switch (kind) {
                case "HTTPRoute":
                    return result.httpRouteStatus(ns, name)
                            .map(s -> list(s.getParents()))
                            .orElse(List.of());
                case "GRPCRoute":
                    return result.grpcRouteStatus(ns, name)
                            .map(s -> list(s.getParents()))
                            .orElse(List.of());
                case "TLSRoute":
                    return result.tlsRouteStatus(ns, name)
                            .map(s -> list(s.getParents()))
                            .orElse(List.of());
                case "TCPRoute":
                    return result.tcpRouteStatus(ns, name)
                            .map(s -> list(s.getParents()))
                            .orElse(List.of());
                case "UDPRoute":
                    return result.udpRouteStatus(ns, name)
                            .map(s -> list(s.getParents()))
                            .orElse(List.of());
                default:
                    throw new IllegalArgumentException(kind);
            }
        }

        private GatewayStatus gateway(String ns, String name) {
            return result.gatewayStatus(ns, name).orElse(null);
        }

        private static String latest(List<Condition> conditions, String what) {
            for (Condition cond : list(conditions)) {
                if (cond.getObservedGeneration() == null || cond.getObservedGeneration() != 0L) {
                    return what + " condition " + cond.getType() + " has observedGeneration "
                            + cond.getObservedGeneration() + ", want 0";
                }
            }
            return null;
        }

        private static String has(List<Condition> conditions, JsonNode want) {
            String type = want.path("type").asString();
            Condition c = find(conditions, type);
            if (c == null) {
                return "no condition " + type;
            }
            String status = want.path("status").asString("");
            String reason = want.path("reason").asString("");
            if ((!status.isEmpty() && !status.equals(c.getStatus()))
                    || (!reason.isEmpty() && !reason.equals(c.getReason()))) {
                return "condition " + type + " is " + c.getStatus() + "/" + c.getReason() + " (" + c.getMessage()
                        + "), want " + status + "/" + reason;
            }
            return null;
        }

        private static Condition find(List<Condition> conditions, String type) {
            for (Condition c : list(conditions)) {
                if (type.equals(c.getType())) {
                    return c;
                }
            }
            return null;
        }

        private static String address(GatewayStatus g) {
            return list(g.getAddresses()).stream().anyMatch(a -> a.getType() != null && a.getValue() != null)
                    ? null
                    : "no address with a type";
        }

        private static ListenerView listener(List<ListenerView> all, String name) {
            for (ListenerView l : all) {
                if (name.equals(l.name())) {
                    return l;
                }
            }
            return null;
        }

        private static String listenerConditions(List<ListenerView> all, JsonNode c) {
            for (JsonNode l : c.path("listeners")) {
                ListenerView ls = listener(all, l.asString());
                if (ls == null) {
                    return "no listener " + l.asString();
                }
                for (JsonNode cond : c.path("listenerConditions")) {
                    String f = has(ls.conditions(), cond);
                    if (f != null) {
                        return "listener " + l.asString() + ": " + f;
                    }
                }
            }
            return null;
        }

        private static String listeners(List<ListenerView> all, JsonNode want) {
            if (all.size() != want.size()) {
                return "has " + all.size() + " listeners, want " + want.size();
            }
            for (JsonNode w : want) {
                String name = w.path("name").asString();
                ListenerView l = listener(all, name);
                if (l == null) {
                    return "no listener " + name;
                }
                List<RouteGroupKind> kinds = l.supportedKinds();
                if (w.path("supportedKinds").isEmpty() && !kinds.isEmpty()) {
                    return "listener " + name + " supportedKinds " + kinds + ", want none";
                }
                for (JsonNode k : w.path("supportedKinds")) {
                    String group = k.path("group").asString("gateway.networking.k8s.io");
                    boolean found = kinds.stream()
                            .anyMatch(rk -> k.path("kind").asString().equals(rk.getKind())
                                    && group.equals(
                                            Objects.requireNonNullElse(rk.getGroup(), "gateway.networking.k8s.io")));
                    if (!found) {
                        return "listener " + name + " lacks supported kind " + k;
                    }
                }
                if (l.attachedRoutes() != w.path("attachedRoutes").asInt()) {
                    return "listener " + name + " attachedRoutes " + l.attachedRoutes() + ", want "
                            + w.path("attachedRoutes").asInt();
                }
                for (JsonNode cond : w.path("conditions")) {
                    String f = has(l.conditions(), cond);
                    if (f != null) {
                        return "listener " + name + ": " + f;
                    }
                }
            }
            return null;
        }

        private String gatewayAndRoutes(JsonNode c, String ns, String name) {
            GatewayStatus g = gateway(ns, name);
            if (g == null) {
                return "no status for Gateway " + name;
            }
            String f = address(g);
            if (f == null) {
                f = latest(g.getConditions(), "Gateway " + name);
            }
            if (f != null) {
                return f;
            }
            for (ListenerStatus l : list(g.getListeners())) {
                for (String type : List.of("ResolvedRefs", "Accepted", "Programmed")) {
                    Condition cond = find(l.getConditions(), type);
                    if (cond == null || !cond.getStatus().equals("True")) {
                        return "listener " + l.getName() + " " + type + " is "
                                + (cond == null ? "missing" : cond.getReason() + ": " + cond.getMessage());
                    }
                }
            }
            for (JsonNode r : c.path("routes")) {
                String kind = r.path("kind").asString("HTTPRoute");
                String f2 = acceptedBy(
                        kind, r.path("namespace").asString(), r.path("name").asString(), "Gateway", ns, name);
                if (f2 != null) {
                    return f2;
                }
            }
            return null;
        }

        /** Null when the route has a parent entry of ours for {@code parentKind ns/name} with Accepted=True. */
        private String acceptedBy(String kind, String rns, String rname, String parentKind, String ns, String name) {
            boolean found = false;
            for (RouteParentStatus p : parents(kind, rns, rname)) {
                if (CONTROLLER.equals(p.getControllerName())
                        && name.equals(p.getParentRef().getName())
                        && "gateway.networking.k8s.io".equals(p.getParentRef().getGroup())
                        && parentKind.equals(p.getParentRef().getKind())
                        && (p.getParentRef().getNamespace() == null
                                || ns.equals(p.getParentRef().getNamespace()))) {
                    Condition a = find(p.getConditions(), "Accepted");
                    if (a == null
                            || !a.getStatus().equals("True")
                            || !a.getReason().equals("Accepted")) {
                        return kind + " " + rname + " parent not accepted: "
                                + (a == null ? "no condition" : a.getReason() + " " + a.getMessage());
                    }
                    found = true;
                }
            }
            return found ? null : kind + " " + rname + " has no parent for " + parentKind + " " + name;
        }

        private String routesAndParent(JsonNode c, String ns, String name) {
            String parentKind = c.path("resource").path("kind").asString();
            if (parentKind.equals("ListenerSet")) {
                ListenerSetStatus s = result.listenerSetStatus(ns, name).orElse(null);
                String f = s == null ? "no status for ListenerSet " + name : has(s.getConditions(), accepted());
                if (f != null) {
                    return f;
                }
            }
            for (JsonNode r : c.path("routes")) {
                String f = acceptedBy(
                        c.path("routeType").asString(),
                        r.path("namespace").asString(),
                        r.path("name").asString(),
                        parentKind,
                        ns,
                        name);
                if (f != null) {
                    return f;
                }
            }
            return null;
        }

        private static JsonNode accepted() {
            return JSON.createObjectNode().put("type", "Accepted").put("status", "True");
        }

        private String routeCondition(JsonNode c, String kind, String ns, String name) {
            List<RouteParentStatus> parents = parents(kind, ns, name);
            if (parents.isEmpty()) {
                return "no status for " + kind + " " + name;
            }
            String pns = c.path("parent").path("namespace").asString("");
            String pname = c.path("parent").path("name").asString();
            String last = "no parent for " + pname;
            for (RouteParentStatus p : parents) {
                String f = latest(p.getConditions(), kind + " " + name);
                if (f != null) {
                    return f;
                }
            }
            for (RouteParentStatus p : parents) {
                if (pname.equals(p.getParentRef().getName())
                        && (p.getParentRef().getNamespace() == null
                                || pns.equals(p.getParentRef().getNamespace()))) {
                    String f = has(p.getConditions(), c.path("condition"));
                    if (f == null) {
                        return null;
                    }
                    last = f;
                }
            }
            return last;
        }

        /**
         * The vectors' RouteMustHaveParents. Fields the extractor could not resolve statically (an empty parentRef,
         * a null controllerName) are not compared; the route must still have a parent entry of this controller.
         */
        private String routeParents(JsonNode c, String kind, String ns, String name) {
            List<RouteParentStatus> parents = parents(kind, ns, name);
            for (JsonNode want : c.path("parents")) {
                JsonNode ref = want.path("parentRef");
                boolean found = false;
                for (RouteParentStatus p : parents) {
                    ParentReference actual = p.getParentRef();
                    boolean nsOk = ref.path("namespace").isMissingNode()
                            || (!c.path("namespaceRequired").asBoolean(false) && actual.getNamespace() == null)
                            || ref.path("namespace").asString("").equals(actual.getNamespace());
                    boolean ok = CONTROLLER.equals(p.getControllerName())
                            && optional(ref, "name", actual.getName())
                            && optional(ref, "group", actual.getGroup())
                            && optional(ref, "kind", actual.getKind())
                            && nsOk;
                    if (ok) {
                        boolean all = true;
                        for (JsonNode cond : want.path("conditions")) {
                            all &= has(p.getConditions(), cond) == null;
                        }
                        found |= all;
                    }
                }
                if (!found) {
                    return "no matching parent " + ref + " among " + parents;
                }
            }
            return null;
        }

        /** Where the expected parentRef names a field, the actual one must carry the same value explicitly. */
        private static boolean optional(JsonNode ref, String field, String actual) {
            return ref.path(field).isMissingNode() || ref.path(field).asString().equals(actual);
        }

        private String policyCondition(JsonNode c, String ns, String name) {
            PolicyStatus s = result.backendTlsPolicyStatus(ns, name).orElse(null);
            if (s == null) {
                return "no status for BackendTLSPolicy " + name;
            }
            String pns = c.path("parent").path("namespace").asString("");
            String pname = c.path("parent").path("name").asString();
            String last = "no ancestor " + pname;
            for (PolicyAncestorStatus a : list(s.getAncestors())) {
                String f = latest(a.getConditions(), "BackendTLSPolicy " + name);
                if (f != null) {
                    return f;
                }
                if (CONTROLLER.equals(a.getControllerName())
                        && pname.equals(a.getAncestorRef().getName())
                        && (a.getAncestorRef().getNamespace() == null
                                || pns.equals(a.getAncestorRef().getNamespace()))) {
                    String f2 = has(a.getConditions(), c.path("condition"));
                    if (f2 == null) {
                        return null;
                    }
                    last = f2;
                }
            }
            return last;
        }
    }

    private static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : list;
    }
}
