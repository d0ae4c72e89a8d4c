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
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    private static final Set<String> UNSUPPORTED_FEATURES = Set.of(
            "ListenerSet",
            "BackendTLSPolicy",
            "TLSRoute",
            "TCPRoute",
            "UDPRoute",
            "GatewayFrontendClientCertificateValidation",
            "GatewayBackendClientCertificate",
            "GatewayInfrastructurePropagation",
            "GatewayStaticAddresses");

    /** Tests whose later checks follow edits to the objects that the vectors do not carry. */
    private static final Set<String> MUTATING = Set.of(
            "GatewayModifyListeners",
            "GatewayObservedGenerationBump",
            "GatewayClassObservedGenerationBump",
            "HTTPRouteObservedGenerationBump");

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
        StringBuilder secrets = new StringBuilder();
        for (JsonNode r :
                JSON.readTree(resource("suite-created-resources.json")).path("suiteCreatedResources")) {
            if (r.path("kind").asString().equals("Secret")) {
                secrets.append("---\n")
                        .append(TestCertificates.secretYaml(
                                r.path("namespace").asString(), r.path("name").asString(), pem));
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

    /** Judges one check; returns null when it passes, else why not. */
    private static final class Checker {
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
            switch (c.path("check").asString()) {
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
                case "WaitForGatewayAddress": {
                    GatewayStatus g = gateway(ns, name);
                    return g == null ? "no status for Gateway " + name : address(g);
                }
                case "GatewayStatusMustHaveListeners":
                    return listeners(gateway(ns, name), c.path("listenersStatus"));
                case "GatewayListenerMustHaveConditions":
                case "GatewayListenersMustHaveConditions": {
                    GatewayStatus g = gateway(ns, name);
                    if (g == null) {
                        return "no status for Gateway " + name;
                    }
                    for (JsonNode l : c.path("listeners")) {
                        ListenerStatus ls = listener(g, l.asString());
                        if (ls == null) {
                            return "no listener " + l.asString();
                        }
                        for (JsonNode cond : c.path("listenerConditions")) {
                            String f = has(ls.getConditions(), cond);
                            if (f != null) {
                                return "listener " + l.asString() + ": " + f;
                            }
                        }
                    }
                    return null;
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
                case "GatewayAndRoutesMustBeAccepted":
                case "GatewayAndHTTPRoutesMustBeAccepted":
                    return gatewayAndRoutes(c, ns, name);
                case "HTTPRouteMustHaveCondition":
                case "HTTPRouteMustHaveResolvedRefsConditionsTrue":
                    return routeCondition(c, ns, name);
                case "HTTPRouteMustHaveLatestConditions": {
                    HTTPRouteStatus r = result.httpRouteStatus(ns, name).orElse(null);
                    if (r == null) {
                        return "no status for HTTPRoute " + name;
                    }
                    for (RouteParentStatus p : list(r.getParents())) {
                        String f = latest(p.getConditions(), "HTTPRoute " + name);
                        if (f != null) {
                            return f;
                        }
                    }
                    return null;
                }
                case "HTTPRouteMustHaveNoAcceptedParents": {
                    HTTPRouteStatus r = result.httpRouteStatus(ns, name).orElse(null);
                    List<RouteParentStatus> parents = r == null ? List.of() : list(r.getParents());
                    if (parents.isEmpty()) {
                        return null;
                    }
                    Condition a = parents.size() == 1 ? find(parents.get(0).getConditions(), "Accepted") : null;
                    return a != null && a.getStatus().equals("False") ? null : "route has accepted parents";
                }
                case "HTTPRouteMustHaveParents":
                    return routeParents(c, ns, name);
                default:
                    return "check " + c.path("check").asString() + " is not implemented by this harness";
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

        private static ListenerStatus listener(GatewayStatus g, String name) {
            for (ListenerStatus l : list(g.getListeners())) {
                if (name.equals(l.getName())) {
                    return l;
                }
            }
            return null;
        }

        private static String listeners(GatewayStatus g, JsonNode want) {
            if (g == null) {
                return "no Gateway status";
            }
            if (list(g.getListeners()).size() != want.size()) {
                return "has " + list(g.getListeners()).size() + " listeners, want " + want.size();
            }
            for (JsonNode w : want) {
                String name = w.path("name").asString();
                ListenerStatus l = listener(g, name);
                if (l == null) {
                    return "no listener " + name;
                }
                List<RouteGroupKind> kinds = list(l.getSupportedKinds());
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
                if (l.getAttachedRoutes() != w.path("attachedRoutes").asInt()) {
                    return "listener " + name + " attachedRoutes " + l.getAttachedRoutes() + ", want "
                            + w.path("attachedRoutes").asInt();
                }
                for (JsonNode cond : w.path("conditions")) {
                    String f = has(l.getConditions(), cond);
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
                String rns = r.path("namespace").asString();
                String rname = r.path("name").asString();
                List<RouteParentStatus> parents = kind.equals("GRPCRoute")
                        ? result.grpcRouteStatus(rns, rname)
                                .map(s -> list(s.getParents()))
                                .orElse(List.of())
                        : result.httpRouteStatus(rns, rname)
                                .map(s -> list(s.getParents()))
                                .orElse(List.of());
                boolean ok = false;
                for (RouteParentStatus p : parents) {
                    if (CONTROLLER.equals(p.getControllerName())
                            && name.equals(p.getParentRef().getName())
                            && "gateway.networking.k8s.io"
                                    .equals(p.getParentRef().getGroup())
                            && "Gateway".equals(p.getParentRef().getKind())
                            && (p.getParentRef().getNamespace() == null
                                    || ns.equals(p.getParentRef().getNamespace()))) {
                        Condition a = find(p.getConditions(), "Accepted");
                        ok = a != null
                                && a.getStatus().equals("True")
                                && a.getReason().equals("Accepted");
                        if (!ok) {
                            return kind + " " + rname + " parent not accepted: "
                                    + (a == null ? "no condition" : a.getReason() + " " + a.getMessage());
                        }
                    }
                }
                if (!ok) {
                    return kind + " " + rname + " has no parent for Gateway " + name;
                }
            }
            return null;
        }

        private String routeCondition(JsonNode c, String ns, String name) {
            HTTPRouteStatus r = result.httpRouteStatus(ns, name).orElse(null);
            if (r == null) {
                return "no status for HTTPRoute " + name;
            }
            String pns = c.path("parent").path("namespace").asString("");
            String pname = c.path("parent").path("name").asString();
            String last = "no parent for " + pname;
            for (RouteParentStatus p : list(r.getParents())) {
                String f = latest(p.getConditions(), "HTTPRoute " + name);
                if (f != null) {
                    return f;
                }
            }
            for (RouteParentStatus p : list(r.getParents())) {
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

        private String routeParents(JsonNode c, String ns, String name) {
            HTTPRouteStatus r = result.httpRouteStatus(ns, name).orElse(null);
            List<RouteParentStatus> parents = r == null ? List.of() : list(r.getParents());
            for (JsonNode want : c.path("parents")) {
                JsonNode ref = want.path("parentRef");
                boolean found = false;
                for (RouteParentStatus p : parents) {
                    boolean nsOk = !c.path("namespaceRequired").asBoolean(false)
                                    && p.getParentRef().getNamespace() == null
                            || ref.path("namespace")
                                    .asString("")
                                    .equals(p.getParentRef().getNamespace());
                    if (CONTROLLER.equals(p.getControllerName())
                            && ref.path("name")
                                    .asString()
                                    .equals(p.getParentRef().getName())
                            && ref.path("group")
                                    .asString()
                                    .equals(p.getParentRef().getGroup())
                            && ref.path("kind")
                                    .asString()
                                    .equals(p.getParentRef().getKind())
                            && nsOk) {
                        boolean all = true;
                        for (JsonNode cond : want.path("conditions")) {
                            all &= has(p.getConditions(), cond) == null;
                        }
                        found |= all;
                    }
                }
                if (!found) {
                    return "no matching parent " + ref;
                }
            }
            return null;
        }

        private static <T> List<T> list(List<T> list) {
            return list == null ? List.of() : list;
        }
    }
}
