package dev.nantian.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.PathModifier;
import dev.nantian.core.model.RouteAction;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathOpsTest {

    /** The table in Gateway API's HTTPPathModifier documentation; prefix lengths as the router reports them. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "/foo/bar | 4 | /xyz  | /xyz/bar",
                "/foo/bar | 4 | /xyz/ | /xyz/bar",
                "/foo     | 4 | /xyz  | /xyz",
                "/foo/    | 4 | /xyz  | /xyz/",
                "/foo/bar | 4 | ''    | /bar",
                "/foo/    | 4 | ''    | /",
                "/foo     | 4 | ''    | /",
                "/foo/    | 4 | /     | /",
                "/foo     | 4 | /     | /",
                "/foo/bar | 1 | /xyz  | /xyz/foo/bar",
                "/        | 1 | /xyz  | /xyz",
                "/prefix/one/two | 11 | /one | /one/two",
                "/strip-prefix/three | 13 | / | /three",
            })
    void replacePrefixMatchFollowsGatewayApi(String path, int matched, String replacement, String expected) {
        assertThat(PathOps.replacePrefix(path, matched, replacement)).isEqualTo(expected);
    }

    @Test
    void replaceFullPathIgnoresTheRequestPath() {
        assertThat(PathOps.modify(new PathModifier.ReplaceFullPath("/one"), "/full/one/two", 9))
                .isEqualTo("/one");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                // scheme | port | listener port | expected location
                "''    | 0    | 80   | http://example.org/p",
                "''    | 80   | 80   | http://example.org/p",
                "''    | 8080 | 80   | http://example.org:8080/p",
                "https | 0    | 80   | https://example.org/p",
                "https | 443  | 80   | https://example.org/p",
                "https | 8443 | 80   | https://example.org:8443/p",
                "''    | 0    | 8080 | http://example.org:8080/p",
                "''    | 80   | 8080 | http://example.org/p",
                "https | 0    | 8080 | https://example.org/p",
            })
    void redirectPortFollowsSchemeAndListener(String scheme, int port, int listenerPort, String expected) {
        RouteAction.Redirect r = new RouteAction.Redirect(
                scheme.isEmpty() ? Optional.empty() : Optional.of(scheme),
                Optional.of("example.org"),
                Optional.empty(),
                port == 0 ? Optional.empty() : Optional.of(port),
                302);
        assertThat(PathOps.redirectLocation(r, "http", "ignored", listenerPort, "/p", 1))
                .isEqualTo(expected);
    }

    @Test
    void redirectKeepsQueryAndRequestHost() {
        RouteAction.Redirect r = new RouteAction.Redirect(
                Optional.empty(),
                Optional.empty(),
                Optional.of(new PathModifier.ReplacePrefixMatch("/replacement-prefix")),
                Optional.empty(),
                301);
        assertThat(PathOps.redirectLocation(r, "http", "gw.example", 80, "/original-prefix/lemon?a=b", 16))
                .isEqualTo("http://gw.example/replacement-prefix/lemon?a=b");
    }

    @ParameterizedTest
    @CsvSource({
        "/a/b/../c, /a/c",
        "/a/./b, /a/b",
        "/a/., /a/",
        "/.., /",
        "/public/../admin?x=/.., /admin?x=/..",
        "/plain?q=1, /plain?q=1",
    })
    void normalizeRemovesDotSegments(String in, String out) {
        assertThat(PathOps.normalize(in)).isEqualTo(out);
    }
}
