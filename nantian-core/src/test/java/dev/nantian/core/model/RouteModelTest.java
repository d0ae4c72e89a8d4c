package dev.nantian.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteModelTest {

    @Test
    void prefixMatchDropsATrailingSlash() {
        assertThat(new PathMatch.Prefix("/abc/").value()).isEqualTo("/abc");
        assertThat(new PathMatch.Prefix("/").value()).isEqualTo("/");
    }

    @Test
    void pathsMustBeAbsolute() {
        assertThatThrownBy(() -> new PathMatch.Exact("abc")).hasMessageContaining("must start with '/'");
    }

    @Test
    void invalidRegularExpressionsAreRejectedWithTheirLocation() {
        assertThatThrownBy(() -> HeaderMatch.regex("X-Version", "v[0-9"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header x-version");
        assertThatThrownBy(() -> new PathMatch.RegularExpression("(")).hasMessageContaining("for path");
    }

    @Test
    void headerMatchNamesAreCaseInsensitive() {
        assertThat(HeaderMatch.exact("X-Env", "prod").name()).isEqualTo("x-env");
        assertThat(QueryParamMatch.exact("Env", "prod").name()).isEqualTo("Env");
    }

    @Test
    void replacePrefixMatchNeedsAPrefixMatch() {
        RouteAction redirect = new RouteAction.Redirect(
                Optional.empty(),
                Optional.empty(),
                Optional.of(new PathModifier.ReplacePrefixMatch("/new")),
                Optional.empty(),
                302);

        assertThatThrownBy(() -> HttpRoute.builder(RouteMeta.of("ns", "r"), redirect)
                        .match(HttpRouteMatch.path(new PathMatch.Exact("/old")))
                        .build())
                .hasMessageContaining("ReplacePrefixMatch needs a PathPrefix match");
        assertThat(HttpRoute.builder(RouteMeta.of("ns", "r"), redirect)
                        .match(HttpRouteMatch.path(new PathMatch.Prefix("/old")))
                        .build()
                        .action())
                .isEqualTo(redirect);
    }

    @Test
    void redirectsAcceptOnlyRedirectStatuses() {
        assertThatThrownBy(() -> new RouteAction.Redirect(
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 200))
                .hasMessageContaining("redirect status");
        assertThatThrownBy(() -> new RouteAction.Redirect(
                        Optional.of("ftp"), Optional.empty(), Optional.empty(), Optional.empty(), 301))
                .hasMessageContaining("http or https");
    }

    @Test
    void backendTimeoutMayNotExceedRequestTimeout() {
        assertThatThrownBy(() -> new Timeouts(Optional.of(Duration.ofSeconds(1)), Optional.of(Duration.ofSeconds(2))))
                .hasMessageContaining("must not be longer");
        assertThat(new Timeouts(Optional.of(Duration.ofSeconds(2)), Optional.of(Duration.ofSeconds(1))))
                .isNotNull();
    }

    @Test
    void retryCodesMustBeErrors() {
        assertThatThrownBy(() -> new RetryPolicy(List.of(200), 2, Optional.empty()))
                .hasMessageContaining("400..599");
    }

    @Test
    void forwardSumsWeightsIncludingInvalidBackends() {
        RouteAction.Forward forward = new RouteAction.Forward(List.of(
                new Backend.ClusterBackend("a", 3, List.of()), new Backend.InvalidBackend(1, "Service missing")));

        assertThat(forward.totalWeight()).isEqualTo(4);
    }

    @Test
    void hostnamesFollowGatewayApiSyntax() {
        assertThat(new VirtualHost("v", List.of("*.example.com", "foo.bar", "*"), List.of()).domains())
                .hasSize(3);
        assertThatThrownBy(() -> new VirtualHost("v", List.of("Foo.com"), List.of()))
                .hasMessageContaining("lower-case");
        assertThatThrownBy(() -> new VirtualHost("v", List.of("a..b"), List.of()))
                .hasMessageContaining("empty or too long label");
        assertThatThrownBy(() -> new VirtualHost("v", List.of("*."), List.of())).hasMessageContaining("after '*.'");
    }

    @Test
    void listenerProtocolAndRoutesMustFit() {
        assertThatThrownBy(() -> Listener.builder("l", 80, ListenerProtocol.HTTP, new ListenerRoutes.Tcp(List.of()))
                        .build())
                .hasMessageContaining("HTTP listeners take HTTP routes");
        assertThatThrownBy(() -> Listener.builder("l", 443, ListenerProtocol.HTTPS, new ListenerRoutes.Http(List.of()))
                        .build())
                .hasMessageContaining("need TLS settings in Terminate mode");
        assertThatThrownBy(() -> Listener.builder("l", 0, ListenerProtocol.HTTP, new ListenerRoutes.Http(List.of()))
                        .build())
                .hasMessageContaining("port must be in 1..65535");
    }

    @Test
    void h2ClustersNeedTls() {
        assertThatThrownBy(
                        () -> Cluster.builder("c").protocol(UpstreamProtocol.H2).build())
                .hasMessageContaining("H2 needs TLS");
    }

    @Test
    void recordsCopyTheirCollections() {
        List<String> domains = new ArrayList<>(List.of("a.example.com"));
        VirtualHost vh = new VirtualHost("v", domains, List.of());
        domains.add("b.example.com");

        assertThat(vh.domains()).containsExactly("a.example.com");
        assertThatThrownBy(() -> vh.domains().add("c")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void extensionSpecsAreDeeplyImmutable() {
        Map<String, Object> inner = new HashMap<>(Map.of("tokens", 100));
        Map<String, Object> spec = new HashMap<>(Map.of("limits", List.of(inner), "name", "x"));
        ExtensionConfig config = new ExtensionConfig("gateway.nantian.dev", "TokenPolicy", "ns", "p", spec);
        inner.put("tokens", 5);

        @SuppressWarnings("unchecked")
        Map<String, Object> first =
                (Map<String, Object>) ((List<?>) config.spec().get("limits")).get(0);
        assertThat(first).containsEntry("tokens", 100);
        assertThatThrownBy(() -> first.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new ExtensionConfig("g", "K", "ns", "n", Map.of("bad", new Object())))
                .hasMessageContaining("unsupported value type");
    }

    @Test
    void methodsMustBeUpperCaseTokens() {
        assertThatThrownBy(() -> new HttpRouteMatch(PathMatch.any(), Optional.of("get"), List.of(), List.of()))
                .hasMessageContaining("upper-case token");
        assertThat(new HttpRouteMatch(PathMatch.any(), Optional.of("GET"), List.of(), List.of()).method())
                .hasValue("GET");
    }

    @Test
    void fractionsStayWithinOne() {
        assertThat(Fraction.percent(25).asDouble()).isEqualTo(0.25);
        assertThatThrownBy(() -> new Fraction(3, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
