package dev.nantian.core.filter;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Chains made of lambdas, for tests. */
final class TestFilters {
    static final RouteInfo ROUTE = RouteInfo.of("default/test/rule/0", Map.of("gateway.nantian.dev/team", "ai"));

    private TestFilters() {}

    /** A factory of {@code kind} whose config is the raw config's string form. */
    static HttpFilterFactory<String> factory(String kind, Supplier<? extends HttpFilter> filters) {
        return new HttpFilterFactory<>() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public String parseConfig(Object rawConfig) {
                return rawConfig.toString();
            }

            @Override
            public HttpFilter create(String config) {
                return filters.get();
            }
        };
    }

    static FilterChain chain(HttpFilter... filters) {
        return chain(FilterChain.builder(ROUTE), filters);
    }

    static FilterChain chain(FilterChain.Builder builder, HttpFilter... filters) {
        for (int i = 0; i < filters.length; i++) {
            HttpFilter filter = filters[i];
            builder.add(factory("test/f" + i, () -> filter), "config-" + i);
        }
        return builder.build();
    }

    static HttpRequestHead post(String path) {
        return HttpRequestHead.of("POST", path, "gw.example.com", HttpHeaders.of("content-type", "application/json"));
    }

    static HttpRequestHead get(String path) {
        return HttpRequestHead.of("GET", path, "gw.example.com");
    }

    static List<String> list(String... values) {
        return List.of(values);
    }
}
