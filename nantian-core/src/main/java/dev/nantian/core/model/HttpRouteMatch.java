package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.List;
import java.util.Optional;

/**
 * One match of an HTTP route rule: all of its conditions must hold. gRPC method matches are expressed here too: the
 * translator turns service and method into a path match ({@code /service/method} exact, {@code /service/} prefix,
 * or a regular expression), which keeps one matcher and the Gateway API precedence for both kinds.
 *
 * @param path the path condition; {@link PathMatch#any()} when the rule has none
 * @param method the HTTP method, upper-case, when the match names one
 * @param headers header conditions, all must hold
 * @param queryParams query parameter conditions, all must hold
 */
public record HttpRouteMatch(
        PathMatch path, Optional<String> method, List<HeaderMatch> headers, List<QueryParamMatch> queryParams) {
    public HttpRouteMatch {
        requireNonNull(path, "path");
        requireNonNull(method, "method");
        method.ifPresent(HttpRouteMatch::checkMethod);
        headers = Checks.list(headers, "headers");
        queryParams = Checks.list(queryParams, "queryParams");
    }

    /** Methods are case-sensitive tokens; Gateway API spells them upper-case, and so must code-built config. */
    private static void checkMethod(String method) {
        Checks.nonEmpty(method, "method");
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (!(c >= 'A' && c <= 'Z') && c != '-' && c != '_') {
                throw new IllegalArgumentException("method must be an upper-case token, got " + method);
            }
        }
    }

    /** Matches every request. */
    public static HttpRouteMatch any() {
        return new HttpRouteMatch(PathMatch.any(), Optional.empty(), List.of(), List.of());
    }

    /** Matches on the path alone. */
    public static HttpRouteMatch path(PathMatch path) {
        return new HttpRouteMatch(path, Optional.empty(), List.of(), List.of());
    }
}
