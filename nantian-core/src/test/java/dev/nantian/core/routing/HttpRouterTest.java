package dev.nantian.core.routing;

import static dev.nantian.core.routing.Fixtures.entry;
import static dev.nantian.core.routing.Fixtures.headers;
import static dev.nantian.core.routing.Fixtures.http;
import static dev.nantian.core.routing.Fixtures.https;
import static dev.nantian.core.routing.Fixtures.id;
import static dev.nantian.core.routing.Fixtures.router;
import static dev.nantian.core.routing.Fixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.core.routing.HttpRouteMatchResult.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpRouterTest {
    private static final HeaderLookup NO_HEADERS = HeaderLookup.none();

    private static String get(HttpRouter router, String target) {
        return id(router.match("example.com", target, "GET", NO_HEADERS));
    }

    // --- route precedence, one test per tie-break level ---

    @Test
    void exactBeatsPrefix() {
        HttpRouter router = router(
                entry("a/prefix").prefix("/foo").method("GET").header("x", "1").build(),
                entry("b/exact").exact("/foo").created(99).build());

        assertThat(router.match("h", "/foo", "GET", headers("x", "1"))
                        .route()
                        .meta()
                        .name())
                .isEqualTo("exact");
        assertThat(get(router, "/foo/bar")).isEqualTo("NO_ROUTE");
        assertThat(id(router.match("h", "/foo/bar", "GET", headers("x", "1")))).isEqualTo("a/prefix/0/0");
    }

    @Test
    void longerPrefixWins() {
        HttpRouter router = router(
                entry("a/short").prefix("/a").method("GET").header("x", "1").build(),
                entry("b/long").prefix("/a/b").created(99).build());

        assertThat(id(router.match("h", "/a/b/c", "GET", headers("x", "1")))).isEqualTo("b/long/0/0");
        assertThat(id(router.match("h", "/a/x", "GET", headers("x", "1")))).isEqualTo("a/short/0/0");
    }

    @Test
    void prefixSegmentBoundary() {
        HttpRouter router = router(entry("a/abc").prefix("/abc/").build());

        assertThat(get(router, "/abc")).isEqualTo("a/abc/0/0");
        assertThat(get(router, "/abc/")).isEqualTo("a/abc/0/0");
        assertThat(get(router, "/abc/x/y")).isEqualTo("a/abc/0/0");
        assertThat(get(router, "/abc?x=1")).isEqualTo("a/abc/0/0");
        assertThat(get(router, "/abcd")).isEqualTo("NO_ROUTE");
        assertThat(get(router, "/ab")).isEqualTo("NO_ROUTE");
        assertThat(get(router, "/")).isEqualTo("NO_ROUTE");
    }

    @Test
    void rootPrefixMatchesEveryPath() {
        HttpRouter router = router(entry("a/root").prefix("/").build());

        assertThat(get(router, "/")).isEqualTo("a/root/0/0");
        assertThat(get(router, "/anything/at/all?q")).isEqualTo("a/root/0/0");
        assertThat(router.match("h", "/x", "GET", NO_HEADERS).matchedPrefixLength())
                .isEqualTo(1);
    }

    @Test
    void methodMatchBeatsNone() {
        HttpRouter router = router(
                entry("a/headers")
                        .header("x", "1")
                        .header("y", "2")
                        .query("q", "1")
                        .build(),
                entry("b/method").method("GET").created(99).build());

        assertThat(id(router.match("h", "/?q=1", "GET", headers("x", "1", "y", "2"))))
                .isEqualTo("b/method/0/0");
        assertThat(id(router.match("h", "/?q=1", "POST", headers("x", "1", "y", "2"))))
                .isEqualTo("a/headers/0/0");
    }

    @Test
    void moreHeaderMatchesWin() {
        HttpRouter router = router(
                entry("a/one").header("x", "1").query("q", "1").query("r", "1").build(),
                entry("b/two").header("x", "1").header("y", "2").created(99).build());

        assertThat(id(router.match("h", "/?q=1&r=1", "GET", headers("x", "1", "y", "2"))))
                .isEqualTo("b/two/0/0");
        assertThat(id(router.match("h", "/?q=1&r=1", "GET", headers("x", "1")))).isEqualTo("a/one/0/0");
    }

    @Test
    void moreQueryMatchesWin() {
        HttpRouter router = router(
                entry("a/one").query("q", "1").build(),
                entry("b/two").query("q", "1").query("r", "2").created(99).build());

        assertThat(get(router, "/?q=1&r=2")).isEqualTo("b/two/0/0");
        assertThat(get(router, "/?r=2&q=1")).isEqualTo("b/two/0/0");
        assertThat(get(router, "/?q=1&r=3")).isEqualTo("a/one/0/0");
    }

    @Test
    void olderRouteWins() {
        HttpRouter router = router(
                entry("a/young").prefix("/x").created(200).build(),
                entry("z/old").prefix("/x").created(100).build());

        assertThat(get(router, "/x")).isEqualTo("z/old/0/0");
    }

    @Test
    void namespaceNameAlphabeticalWins() {
        HttpRouter router = router(
                entry("b/a").prefix("/x").build(),
                entry("a/z").prefix("/x").build(),
                // compared as the one string "namespace/name", as the spec words it: '-' sorts before '/'
                entry("a/z").prefix("/y").build(),
                entry("a-b/a").prefix("/y").build());

        assertThat(get(router, "/x")).isEqualTo("a/z/0/0");
        assertThat(get(router, "/y")).isEqualTo("a-b/a/0/0");
    }

    @Test
    void earlierRuleWins() {
        HttpRouter router = router(
                entry("a/r").prefix("/x").rule(2, 0).build(),
                entry("a/r").prefix("/x").rule(1, 3).build());

        assertThat(get(router, "/x")).isEqualTo("a/r/1/3");
    }

    @Test
    void earlierMatchWins() {
        HttpRouter router = router(
                entry("a/r").prefix("/x").rule(1, 1).build(),
                entry("a/r").prefix("/x").rule(1, 0).build());

        assertThat(get(router, "/x")).isEqualTo("a/r/1/0");
    }

    @Test
    void failedConditionsFallBackToTheNextEntryInPrecedence() {
        HttpRouter router = router(
                entry("a/exact").exact("/a/b").header("x", "1").build(),
                entry("a/long").prefix("/a/b").method("POST").build(),
                entry("a/short").prefix("/a").query("q", "1").build(),
                entry("a/root").build());

        assertThat(get(router, "/a/b?q=1")).isEqualTo("a/short/0/0");
        assertThat(get(router, "/a/b")).isEqualTo("a/root/0/0");
        assertThat(id(router.match("h", "/a/b", "POST", NO_HEADERS))).isEqualTo("a/long/0/0");
        assertThat(id(router.match("h", "/a/b", "POST", headers("X", "1")))).isEqualTo("a/exact/0/0");
    }

    @Test
    void exactPathIgnoresQueryAndIsCaseSensitive() {
        HttpRouter router = router(entry("a/one").exact("/one").build());

        assertThat(get(router, "/one")).isEqualTo("a/one/0/0");
        assertThat(get(router, "/one?x=y")).isEqualTo("a/one/0/0");
        assertThat(get(router, "/one/")).isEqualTo("NO_ROUTE");
        assertThat(get(router, "/One")).isEqualTo("NO_ROUTE");
        assertThat(router.match("h", "/one", "GET", NO_HEADERS).matchedPrefixLength())
                .isEqualTo(-1);
    }

    @Test
    void prefixMatchReportsThePrefixLengthForReplacePrefixMatch() {
        HttpRouter router = router(entry("a/p").prefix("/api/v1/").build());

        HttpRouteMatchResult r = router.match("h", "/api/v1/users?id=3", "GET", NO_HEADERS);

        assertThat(r.matchedPrefixLength()).isEqualTo("/api/v1".length());
        assertThat(r.listener().name()).isEqualTo("gw/http");
        assertThat(r.virtualHost().name()).isEqualTo("*");
    }

    @Test
    void methodIsComparedExactly() {
        HttpRouter router = router(entry("a/get").method("GET").build());

        assertThat(id(router.match("h", "/", "GET", NO_HEADERS))).isEqualTo("a/get/0/0");
        assertThat(id(router.match("h", "/", "HEAD", NO_HEADERS))).isEqualTo("NO_ROUTE");
        assertThat(id(router.match("h", "/", "get", NO_HEADERS))).isEqualTo("NO_ROUTE");
    }

    // --- regular expressions ---

    @Test
    void regexPathsRankBetweenExactAndPrefixEntries() {
        HttpRouter router = router(
                entry("a/regex").regex("/v[0-9]+/.*").method("GET").build(),
                entry("b/prefix").prefix("/v1").build(),
                entry("c/exact").exact("/v1/x").build(),
                entry("d/root").prefix("/").build());

        assertThat(get(router, "/v1/x")).isEqualTo("c/exact/0/0");
        assertThat(get(router, "/v1/y")).isEqualTo("a/regex/0/0");
        assertThat(get(router, "/v2/x")).isEqualTo("a/regex/0/0");
        assertThat(id(router.match("h", "/v1/y", "POST", NO_HEADERS))).isEqualTo("b/prefix/0/0");
        assertThat(get(router, "/other")).isEqualTo("d/root/0/0");
    }

    @Test
    void regexPathMustMatchTheWholePathWithoutQuery() {
        HttpRouter router = router(entry("a/regex").regex("/items/[0-9]+").build());

        assertThat(get(router, "/items/42")).isEqualTo("a/regex/0/0");
        assertThat(get(router, "/items/42?debug=true")).isEqualTo("a/regex/0/0");
        assertThat(get(router, "/items/42/edit")).isEqualTo("NO_ROUTE");
        assertThat(get(router, "/x/items/42")).isEqualTo("NO_ROUTE");
        assertThat(router.match("h", "/items/42", "GET", NO_HEADERS).matchedPrefixLength())
                .isEqualTo(-1);
    }

    @Test
    void longerRegexPatternWins() {
        HttpRouter router = router(
                entry("a/short").regex("/.*").created(1).build(),
                entry("b/long").regex("/api/.*").created(2).build());

        assertThat(get(router, "/api/x")).isEqualTo("b/long/0/0");
        assertThat(get(router, "/web")).isEqualTo("a/short/0/0");
    }

    @Test
    void regexHeaderMustMatchTheWholeFirstValue() {
        HttpRouter router =
                router(entry("a/h").headerRegex("color", "red|yellow").build());

        assertThat(id(router.match("h", "/", "GET", headers("Color", "yellow"))))
                .isEqualTo("a/h/0/0");
        assertThat(id(router.match("h", "/", "GET", headers("Color", "yellowish"))))
                .isEqualTo("NO_ROUTE");
        assertThat(id(router.match("h", "/", "GET", NO_HEADERS))).isEqualTo("NO_ROUTE");
    }

    @Test
    void regexQueryMustMatchTheWholeFirstValue() {
        HttpRouter router = router(entry("a/q").queryRegex("id", "[0-9]+").build());

        assertThat(get(router, "/?id=123")).isEqualTo("a/q/0/0");
        assertThat(get(router, "/?x=1&id=123&id=abc")).isEqualTo("a/q/0/0");
        assertThat(get(router, "/?id=abc&id=123")).isEqualTo("NO_ROUTE");
        assertThat(get(router, "/?id=12a")).isEqualTo("NO_ROUTE");
    }

    // --- query parameters ---

    @Test
    void queryValuesAreComparedRawWithoutDecoding() {
        HttpRouter router = router(
                entry("a/plus").query("q", "a+b").build(),
                entry("b/pct").query("p", "%41").build(),
                entry("c/empty").query("flag", "").build());

        assertThat(get(router, "/?q=a+b")).isEqualTo("a/plus/0/0");
        assertThat(get(router, "/?q=a%20b")).isEqualTo("NO_ROUTE");
        assertThat(get(router, "/?p=%41")).isEqualTo("b/pct/0/0");
        assertThat(get(router, "/?p=A")).isEqualTo("NO_ROUTE");
        assertThat(get(router, "/?flag")).isEqualTo("c/empty/0/0");
        assertThat(get(router, "/?flag=")).isEqualTo("c/empty/0/0");
        assertThat(get(router, "/?flags=")).isEqualTo("NO_ROUTE");
    }

    /** The cases of the upstream HTTPRouteQueryParamMatching conformance test (conformance/http.json). */
    @Test
    void conformanceQueryParamMatching() {
        String route = "gateway-conformance-infra/query-param-matching";
        HttpRouter router = router(
                entry(route).query("animal", "whale").rule(0, 0).build(),
                entry(route).query("animal", "dolphin").rule(1, 0).build(),
                entry(route)
                        .query("animal", "dolphin")
                        .query("color", "blue")
                        .rule(2, 0)
                        .build(),
                entry(route).query("ANIMAL", "Whale").rule(2, 1).build(),
                entry(route)
                        .prefix("/path1")
                        .query("animal", "whale")
                        .rule(3, 0)
                        .build(),
                entry(route)
                        .header("version", "one")
                        .query("animal", "whale")
                        .rule(4, 0)
                        .build(),
                entry(route)
                        .prefix("/path2")
                        .header("version", "two")
                        .query("animal", "whale")
                        .rule(5, 0)
                        .build(),
                entry(route)
                        .prefix("/path3")
                        .query("animal", "shark")
                        .rule(6, 0)
                        .build(),
                entry(route)
                        .prefix("/path4")
                        .header("version", "three")
                        .query("animal", "kraken")
                        .rule(6, 1)
                        .build(),
                entry(route).prefix("/path5").rule(7, 0).build(),
                entry(route).query("animal", "hydra").rule(8, 0).build(),
                entry(route).header("version", "four").rule(9, 0).build());
        String[][] cases = {
            // target, version header or "", expected backend (rule -> v1/v2/v3) or 404
            {"/?animal=whale", "", "v1"},
            {"/?animal=dolphin", "", "v2"},
            {"/?animal=dolphin&color=blue", "", "v3"},
            {"/?ANIMAL=Whale", "", "v3"},
            {"/?animal=whale&otherparam=irrelevant", "", "v1"},
            {"/?animal=dolphin&color=yellow", "", "v2"},
            {"/?color=blue", "", "404"},
            {"/?animal=dog", "", "404"},
            {"/?animal=whaledolphin", "", "404"},
            {"/", "", "404"},
            {"/path1?animal=whale", "", "v1"},
            {"/?animal=whale", "one", "v2"},
            {"/path2?animal=whale", "two", "v3"},
            {"/path3?animal=shark", "", "v1"},
            {"/path4?animal=kraken", "three", "v1"},
            {"/?animal=shark", "", "404"},
            {"/path4?animal=kraken", "", "404"},
            {"/path5?animal=hydra", "", "v1"},
            {"/?animal=hydra", "four", "v3"},
        };
        String[] backendByRule = {"v1", "v2", "v3", "v1", "v2", "v3", "v1", "v1", "v2", "v3"};
        for (String[] c : cases) {
            HeaderLookup h = c[1].isEmpty() ? NO_HEADERS : headers("version", c[1]);
            HttpRouteMatchResult r = router.match("example.com", c[0], "GET", h);
            String backend = r.isMatched() ? backendByRule[r.route().meta().ruleIndex()] : "404";
            assertThat(backend).as(c[0] + " version=" + c[1]).isEqualTo(c[2]);
        }
    }

    // --- hosts ---

    private static HttpRouter hosts() {
        return HttpRouter.compile(List.of(http(
                "gw/http",
                null,
                vhost(List.of("foo.example.com"), entry("a/exact").build()),
                vhost(List.of("*.example.com"), entry("a/wild").build()),
                vhost(
                        List.of("*.bar.example.com", "bar.example.com"),
                        entry("a/longer-wild").build()),
                vhost(List.of("*"), entry("a/any").build()))));
    }

    private static String host(HttpRouter router, String host) {
        return id(router.match(host, "/", "GET", NO_HEADERS)).replace("/0/0", "");
    }

    @Test
    void exactHostBeatsWildcard() {
        assertThat(host(hosts(), "foo.example.com")).isEqualTo("a/exact");
        assertThat(host(hosts(), "bar.example.com")).isEqualTo("a/longer-wild");
    }

    @Test
    void longestWildcardWins() {
        HttpRouter router = hosts();

        assertThat(host(router, "x.example.com")).isEqualTo("a/wild");
        assertThat(host(router, "x.y.example.com")).isEqualTo("a/wild");
        assertThat(host(router, "x.bar.example.com")).isEqualTo("a/longer-wild");
        assertThat(host(router, "x.y.bar.example.com")).isEqualTo("a/longer-wild");
        assertThat(host(router, "x.foo.example.com")).isEqualTo("a/wild");
    }

    @Test
    void catchAllServesOtherHosts() {
        HttpRouter router = hosts();

        assertThat(host(router, "other.org")).isEqualTo("a/any");
        assertThat(host(router, "")).isEqualTo("a/any");
        assertThat(host(router, null)).isEqualTo("a/any");
    }

    @Test
    void hostPortIsStripped() {
        assertThat(host(hosts(), "foo.example.com:8080")).isEqualTo("a/exact");
        assertThat(host(hosts(), "x.example.com:80")).isEqualTo("a/wild");
    }

    @Test
    void hostIsCaseInsensitive() {
        assertThat(host(hosts(), "FOO.Example.COM")).isEqualTo("a/exact");
        assertThat(host(hosts(), "X.BAR.EXAMPLE.COM:443")).isEqualTo("a/longer-wild");
    }

    @Test
    void wildcardNeedsALabel() {
        HttpRouter router = HttpRouter.compile(List.of(http(
                "gw/http", null, vhost(List.of("*.example.com"), entry("a/wild").build()))));

        assertThat(host(router, "a.example.com")).isEqualTo("a/wild");
        assertThat(host(router, "example.com")).isEqualTo("NO_VIRTUAL_HOST");
        assertThat(host(router, ".example.com")).isEqualTo("NO_VIRTUAL_HOST");
        assertThat(host(router, "aexample.com")).isEqualTo("NO_VIRTUAL_HOST");
    }

    @Test
    void ipv6LiteralHostsWork() {
        HttpRouter router = hosts();

        assertThat(host(router, "[::1]:80")).isEqualTo("a/any");
        assertThat(host(router, "[::1]")).isEqualTo("a/any");
        assertThat(host(router, "[2001:db8::1]:8443")).isEqualTo("a/any");
        assertThat(host(router, "127.0.0.1:80")).isEqualTo("a/any");
    }

    @Test
    void noVirtualHostIsDistinctFromNoRoute() {
        HttpRouter router = HttpRouter.compile(List.of(http(
                "gw/http",
                null,
                vhost(List.of("a.com"), entry("a/r").exact("/only").build()))));

        HttpRouteMatchResult noVhost = router.match("b.com", "/only", "GET", NO_HEADERS);
        HttpRouteMatchResult noRoute = router.match("a.com", "/other", "GET", NO_HEADERS);

        assertThat(noVhost.outcome()).isEqualTo(Outcome.NO_VIRTUAL_HOST);
        assertThat(noVhost.listener().name()).isEqualTo("gw/http");
        assertThat(noVhost.virtualHost()).isNull();
        assertThat(noRoute.outcome()).isEqualTo(Outcome.NO_ROUTE);
        assertThat(noRoute.virtualHost().name()).isEqualTo("a.com");
        assertThat(noRoute.route()).isNull();
    }

    // --- listener isolation ---

    /** The cases of the upstream GatewayHTTPListenerIsolation conformance test. */
    @Test
    void listenerIsolationSendsRequestsToTheMostSpecificListenerOnly() {
        HttpRouter router = HttpRouter.compile(List.of(
                http(
                        "gw/empty-hostname",
                        null,
                        vhost(
                                List.of("*"),
                                entry("a/empty").prefix("/empty-hostname").build())),
                http(
                        "gw/wildcard-example-com",
                        "*.example.com",
                        vhost(
                                List.of("*.example.com"),
                                entry("a/wild").prefix("/wildcard-example-com").build())),
                http(
                        "gw/wildcard-foo-example-com",
                        "*.foo.example.com",
                        vhost(
                                List.of("*.foo.example.com"),
                                entry("a/wild-foo")
                                        .prefix("/wildcard-foo-example-com")
                                        .build())),
                http(
                        "gw/abc-foo-example-com",
                        "abc.foo.example.com",
                        vhost(
                                List.of("abc.foo.example.com"),
                                entry("a/abc").prefix("/abc-foo-example-com").build()))));
        String[] paths = {
            "/empty-hostname", "/wildcard-example-com", "/wildcard-foo-example-com", "/abc-foo-example-com"
        };
        String[][] expected = {
            {"bar.com", "a/empty", "NO_ROUTE", "NO_ROUTE", "NO_ROUTE"},
            {"bar.example.com", "NO_ROUTE", "a/wild", "NO_ROUTE", "NO_ROUTE"},
            {"bar.foo.example.com", "NO_ROUTE", "NO_ROUTE", "a/wild-foo", "NO_ROUTE"},
            {"abc.foo.example.com", "NO_ROUTE", "NO_ROUTE", "NO_ROUTE", "a/abc"},
        };
        for (String[] row : expected) {
            for (int i = 0; i < paths.length; i++) {
                String got =
                        id(router.match(row[0], paths[i], "GET", NO_HEADERS)).replace("/0/0", "");
                assertThat(got).as(row[0] + paths[i]).isEqualTo(row[i + 1]);
            }
        }
        assertThat(router.listenerFor("x.foo.example.com").name()).isEqualTo("gw/wildcard-foo-example-com");
        assertThat(router.listenerFor("ABC.foo.example.com:80").name()).isEqualTo("gw/abc-foo-example-com");
        assertThat(router.listenerFor("foo.example.com").name()).isEqualTo("gw/wildcard-example-com");
    }

    @Test
    void hostMatchingNoListenerIsReportedAsSuch() {
        HttpRouter router = HttpRouter.compile(List.of(
                http(
                        "gw/bar",
                        "bar.com",
                        vhost(List.of("bar.com"), entry("a/bar").build())),
                http(
                        "gw/wild-foo",
                        "*.foo.com",
                        vhost(List.of("*.foo.com"), entry("a/foo").build()))));

        assertThat(id(router.match("bar.com", "/", "GET", NO_HEADERS))).isEqualTo("a/bar/0/0");
        assertThat(id(router.match("multiple.prefixes.foo.com", "/", "GET", NO_HEADERS)))
                .isEqualTo("a/foo/0/0");
        HttpRouteMatchResult none = router.match("foo.com", "/", "GET", NO_HEADERS);
        assertThat(none.outcome()).isEqualTo(Outcome.NO_LISTENER);
        assertThat(none.listener()).isNull();
        assertThat(router.listenerFor("foo.com")).isNull();
    }

    // --- compilation ---

    @Test
    void compileRejectsADomainServedByTwoVirtualHostsAndListsEveryProblem() {
        Listener a = http(
                "gw/a",
                "a.com",
                vhost(List.of("a.com"), entry("a/x").build()),
                new VirtualHost("other", List.of("a.com"), List.of()));
        Listener b = https("gw/b", null, vhost(List.of("*"), entry("a/y").build()));

        assertThatThrownBy(() -> HttpRouter.compile(List.of(a, b)))
                .isInstanceOf(ConfigValidationException.class)
                .satisfies(e -> assertThat(((ConfigValidationException) e).errors())
                        .hasSize(2)
                        .anySatisfy(
                                m -> assertThat(m).contains("domain a.com is served by virtual hosts a.com and other"))
                        .anySatisfy(m -> assertThat(m).contains("gw/b is on 0.0.0.0:443")));
    }

    @Test
    void compileRejectsRepeatedListenerHostnames() {
        Listener a = http("gw/a", "a.com", vhost(List.of("a.com")));
        Listener b = http("gw/b", "a.com", vhost(List.of("a.com")));

        assertThatThrownBy(() -> HttpRouter.compile(List.of(a, b)))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("gw/b repeats hostname a.com");
    }
}
