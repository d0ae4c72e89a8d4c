package dev.nantian.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.filter.ConfiguredFilter;
import dev.nantian.core.filter.FilterRegistry;
import dev.nantian.core.filter.HttpFilter;
import dev.nantian.core.filter.HttpFilterFactory;
import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.VirtualHost;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompiledRouteChainTest {
    private static final String G = "test.nantian.dev";

    /** Records the raw configuration it was given, to check what the proxy passes. */
    private static final class Kind implements HttpFilterFactory<Object> {
        private final String kind;

        Kind(String kind) {
            this.kind = kind;
        }

        @Override
        public String kind() {
            return G + "/" + kind;
        }

        @Override
        public Object parseConfig(Object rawConfig) {
            return rawConfig;
        }

        @Override
        public HttpFilter create(Object config) {
            return new HttpFilter() {};
        }
    }

    private static final FilterRegistry REGISTRY = FilterRegistry.builder()
            .register(new Kind("A"))
            .register(new Kind("B"))
            .register(new Kind("Ai"))
            .build();

    private static RouteFilter.ExtensionRef ref(String kind, String name) {
        return new RouteFilter.ExtensionRef(G, kind, "ns", name);
    }

    private static HttpRoute route(String name, String prefix, List<Backend> backends, RouteFilter... filters) {
        return HttpRoute.builder(RouteMeta.of("ns", name), new RouteAction.Forward(backends))
                .match(HttpRouteMatch.path(new PathMatch.Prefix(prefix)))
                .filters(List.of(filters))
                .build();
    }

    private static ConfigSnapshot snapshot(HttpRoute... routes) {
        return ConfigSnapshot.builder("v")
                .addCluster(Cluster.builder("c")
                        .addEndpoint(Endpoint.of("127.0.0.1", 9))
                        .build())
                .addExtension(new ExtensionConfig(G, "A", "ns", "a", Map.of("x", "1")))
                .addExtension(new ExtensionConfig(G, "B", "ns", "b", Map.of()))
                .addExtension(new ExtensionConfig(G, "Ai", "ns", "svc", Map.of()))
                .addListener(Listener.builder(
                                "l",
                                8080,
                                ListenerProtocol.HTTP,
                                new ListenerRoutes.Http(List.of(new VirtualHost("any", List.of("*"), List.of(routes)))))
                        .build())
                .build();
    }

    private static CompiledRoute compiled(CompiledConfig config, String name) {
        return config.routes().stream()
                .filter(r -> r.route().meta().name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void routesWithoutExtensionFiltersGetNoChain() {
        CompiledConfig config = CompiledConfig.compile(
                snapshot(
                        route("plain", "/p", List.of(Backend.ClusterBackend.of("c"))),
                        route("ext", "/e", List.of(Backend.ClusterBackend.of("c")), ref("A", "a"))),
                REGISTRY);
        assertThat(compiled(config, "plain").targets().items())
                .allSatisfy(t -> assertThat(t.chain()).isNull());
        assertThat(compiled(config, "ext").targets().items())
                .allSatisfy(t -> assertThat(t.chain()).isNotNull());
    }

    @Test
    void chainHoldsRuleFiltersThenBackendFiltersThenTheExtensionBackend() {
        CompiledConfig config = CompiledConfig.compile(
                snapshot(route(
                        "mixed",
                        "/",
                        List.of(
                                new Backend.ClusterBackend("c", 1, List.of(ref("B", "b"))),
                                new Backend.ExtensionBackend(G, "Ai", "ns", "svc", 1, List.of(ref("B", "b")))),
                        ref("A", "a"))),
                REGISTRY);
        List<CompiledRoute.Target> targets = compiled(config, "mixed").targets().items();
        assertThat(targets.get(0).chain().filters())
                .extracting(ConfiguredFilter::kind)
                .containsExactly(G + "/A", G + "/B");
        assertThat(targets.get(1).chain().filters())
                .extracting(ConfiguredFilter::kind)
                .containsExactly(G + "/A", G + "/B", G + "/Ai");
        // The raw configuration is the snapshot's extension object itself.
        assertThat(targets.get(0).chain().filters().get(0).config())
                .isEqualTo(new ExtensionConfig(G, "A", "ns", "a", Map.of("x", "1")));
        assertThat(targets.get(1).cluster()).isNull();
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigValidationException e = catchThrowableOfType(
                ConfigValidationException.class,
                () -> CompiledConfig.compile(
                        snapshot(
                                route("r1", "/1", List.of(Backend.ClusterBackend.of("c")), ref("A", "missing")),
                                route(
                                        "r2",
                                        "/2",
                                        List.of(new Backend.ExtensionBackend(G, "Nope", "ns", "x", 1, List.of())))),
                        REGISTRY));
        assertThat(e.errors())
                .hasSize(3)
                .anySatisfy(m -> assertThat(m).contains("ns/r1").contains("no A ns/missing in the snapshot"))
                .anySatisfy(m -> assertThat(m).contains("ns/r2").contains("no Nope ns/x"))
                .anySatisfy(m -> assertThat(m).contains(G + "/Nope is not registered"));
    }
}
