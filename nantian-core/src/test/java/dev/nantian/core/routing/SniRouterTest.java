package dev.nantian.core.routing;

import static dev.nantian.core.routing.Fixtures.entry;
import static dev.nantian.core.routing.Fixtures.https;
import static dev.nantian.core.routing.Fixtures.tls;
import static dev.nantian.core.routing.Fixtures.tlsRoute;
import static dev.nantian.core.routing.Fixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.routing.SniMatchResult.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class SniRouterTest {

    private static String route(SniMatchResult r) {
        return r.outcome() == Outcome.TLS_ROUTE
                ? r.route().meta().namespace() + "/" + r.route().meta().name()
                : r.outcome().name();
    }

    @Test
    void sniPicksExactThenLongestWildcardThenCatchAllRoute() {
        SniRouter router = SniRouter.compile(List.of(tls(
                "gw/tls",
                null,
                tlsRoute("a/exact", 1, "foo.example.com"),
                tlsRoute("a/wild", 1, "*.example.com"),
                tlsRoute("a/longer-wild", 1, "*.bar.example.com"),
                tlsRoute("a/any", 1))));

        assertThat(route(router.match("foo.example.com"))).isEqualTo("a/exact");
        assertThat(route(router.match("FOO.example.com"))).isEqualTo("a/exact");
        assertThat(route(router.match("x.example.com"))).isEqualTo("a/wild");
        assertThat(route(router.match("x.bar.example.com"))).isEqualTo("a/longer-wild");
        assertThat(route(router.match("example.com"))).isEqualTo("a/any");
        assertThat(route(router.match(null))).isEqualTo("a/any");
    }

    @Test
    void unmatchedServerNameIsNoRoute() {
        SniRouter router = SniRouter.compile(List.of(tls("gw/tls", null, tlsRoute("a/r", 1, "*.example.com"))));

        SniMatchResult r = router.match("example.com");

        assertThat(r.outcome()).isEqualTo(Outcome.NO_ROUTE);
        assertThat(r.listener().name()).isEqualTo("gw/tls");
        assertThat(router.match(null).outcome()).isEqualTo(Outcome.NO_ROUTE);
    }

    @Test
    void olderRouteWinsAConflictingHostname() {
        SniRouter router = SniRouter.compile(List.of(
                tls("gw/tls", null, tlsRoute("a/young", 20, "x.example.com"), tlsRoute("z/old", 10, "x.example.com"))));

        assertThat(route(router.match("x.example.com"))).isEqualTo("z/old");
    }

    @Test
    void sniListenerIsolationAcrossHttpsAndTlsListeners() {
        SniRouter router = SniRouter.compile(List.of(
                https("gw/https", null, vhost(List.of("*"), entry("a/web").build())),
                https(
                        "gw/https-foo",
                        "foo.example.com",
                        vhost(List.of("foo.example.com"), entry("a/foo").build())),
                tls("gw/tls-wild", "*.example.com", tlsRoute("a/wild", 1), tlsRoute("a/other", 1, "y.example.com"))));

        SniMatchResult foo = router.match("foo.example.com");
        assertThat(foo.outcome()).isEqualTo(Outcome.HTTPS);
        assertThat(foo.listener().name()).isEqualTo("gw/https-foo");
        assertThat(route(router.match("bar.example.com"))).isEqualTo("a/wild");
        assertThat(route(router.match("y.example.com"))).isEqualTo("a/other");
        assertThat(router.match("other.org").listener().name()).isEqualTo("gw/https");
        assertThat(router.match(null).listener().name()).isEqualTo("gw/https");
    }

    @Test
    void noListenerWhenEveryListenerHasAnotherHostname() {
        SniRouter router = SniRouter.compile(List.of(tls("gw/tls", "a.example.com", tlsRoute("a/r", 1))));

        assertThat(router.match("b.example.com").outcome()).isEqualTo(Outcome.NO_LISTENER);
        assertThat(router.match(null).outcome()).isEqualTo(Outcome.NO_LISTENER);
        assertThat(route(router.match("a.example.com"))).isEqualTo("a/r");
    }

    @Test
    void compileRejectsPlainHttpListeners() {
        assertThatThrownBy(() -> SniRouter.compile(List.of(Fixtures.http("gw/http", null, vhost(List.of("*"))))))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("an SNI router takes HTTPS and TLS listeners");
    }
}
