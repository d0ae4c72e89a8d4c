package dev.nantian.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.RouteFilter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CorsPolicyTest {
    private final CorsPolicy strict = new CorsPolicy(new RouteFilter.Cors(
            List.of("https://www.foo.com", "https://*.bar.com"),
            true,
            List.of("GET", "OPTIONS"),
            List.of("x-header-1", "x-header-2"),
            List.of("x-header-3", "x-header-4"),
            Duration.ofSeconds(3600)));
    private final CorsPolicy wildcard = new CorsPolicy(
            new RouteFilter.Cors(List.of("*"), true, List.of("*"), List.of("*"), List.of(), Duration.ZERO));

    @Test
    void matchesExactAndWildcardOrigins() {
        assertThat(strict.allowsOrigin("https://www.foo.com")).isTrue();
        assertThat(strict.allowsOrigin("https://www.bar.com")).isTrue();
        assertThat(strict.allowsOrigin("https://xpto.www.bar.com")).isTrue();
        assertThat(strict.allowsOrigin("https://foobar.com")).isFalse();
        assertThat(strict.allowsOrigin("https://bar.com")).isFalse();
        assertThat(strict.allowsOrigin(null)).isFalse();
        assertThat(wildcard.allowsOrigin("https://foobar.com:12345")).isTrue();
    }

    @Test
    void preflightListsWhatIsAllowed() {
        HttpHeaders req = preflight("https://www.bar.com", "GET", "x-header-1");
        HttpHeaders out = new DefaultHttpHeaders();
        strict.preflight(req, out);
        assertThat(out.get("access-control-allow-origin")).isEqualTo("https://www.bar.com");
        assertThat(out.get("access-control-allow-methods")).isEqualTo("GET, OPTIONS");
        assertThat(out.get("access-control-allow-headers")).isEqualTo("x-header-1, x-header-2");
        assertThat(out.get("access-control-expose-headers")).isEqualTo("x-header-3, x-header-4");
        assertThat(out.get("access-control-max-age")).isEqualTo("3600");
        assertThat(out.get("access-control-allow-credentials")).isEqualTo("true");
    }

    @Test
    void wildcardsEchoTheRequestSoCredentialedRequestsWork() {
        HttpHeaders out = new DefaultHttpHeaders();
        wildcard.preflight(preflight("https://other.foo.com", "PUT", "x-header-1, x-header-2"), out);
        assertThat(out.get("access-control-allow-origin")).isEqualTo("https://other.foo.com");
        assertThat(out.get("access-control-allow-methods")).isEqualTo("PUT");
        assertThat(out.get("access-control-allow-headers")).isEqualTo("x-header-1, x-header-2");
        assertThat(out.contains("access-control-max-age")).isFalse();
    }

    @Test
    void disallowedOriginGetsNoHeaders() {
        HttpHeaders out = new DefaultHttpHeaders();
        strict.preflight(preflight("https://foobar.com", "GET", null), out);
        strict.actual("https://foobar.com", out);
        assertThat(out.isEmpty()).isTrue();
    }

    @Test
    void recognisesPreflights() {
        assertThat(CorsPolicy.isPreflight(HttpMethod.OPTIONS, preflight("https://a", "GET", null)))
                .isTrue();
        assertThat(CorsPolicy.isPreflight(HttpMethod.GET, preflight("https://a", "GET", null)))
                .isFalse();
        assertThat(CorsPolicy.isPreflight(HttpMethod.OPTIONS, new DefaultHttpHeaders().add("origin", "https://a")))
                .isFalse();
    }

    private static HttpHeaders preflight(String origin, String method, String headers) {
        HttpHeaders h = new DefaultHttpHeaders().add("origin", origin).add("access-control-request-method", method);
        if (headers != null) {
            h.add("access-control-request-headers", headers);
        }
        return h;
    }
}
