package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What a matched HTTP route does: forward upstream, redirect, or answer directly. */
public sealed interface RouteAction {

    /**
     * Forwards to one of the weighted backends. An empty list, or one whose weights are all 0, answers 500, as
     * Gateway API requires for rules without usable backends.
     */
    record Forward(List<Backend> backends) implements RouteAction {
        public Forward {
            backends = Checks.list(backends, "backends");
        }

        /** Sum of all backend weights. */
        public long totalWeight() {
            long total = 0;
            for (Backend b : backends) {
                total += b.weight();
            }
            return total;
        }
    }

    /**
     * Answers with a redirect (Gateway API {@code RequestRedirect}). Empty parts keep the request's own; the port is
     * derived as the spec says when absent (the scheme's default port is omitted from {@code Location}).
     *
     * @param scheme {@code http} or {@code https}
     * @param hostname the new host
     * @param path how to change the path
     * @param port the new port
     * @param statusCode 301, 302, 303, 307 or 308
     */
    record Redirect(
            Optional<String> scheme,
            Optional<String> hostname,
            Optional<PathModifier> path,
            Optional<Integer> port,
            int statusCode)
            implements RouteAction {
        private static final Set<Integer> CODES = Set.of(301, 302, 303, 307, 308);

        public Redirect {
            requireNonNull(scheme, "scheme");
            requireNonNull(hostname, "hostname");
            requireNonNull(path, "path");
            requireNonNull(port, "port");
            scheme.ifPresent(s -> {
                if (!s.equals("http") && !s.equals("https")) {
                    throw new IllegalArgumentException("redirect scheme must be http or https, got " + s);
                }
            });
            port.ifPresent(p -> Checks.port(p, "redirect port"));
            if (!CODES.contains(statusCode)) {
                throw new IllegalArgumentException("redirect status must be one of " + CODES + ", got " + statusCode);
            }
        }
    }

    /**
     * Answers locally without an upstream.
     *
     * @param status the HTTP status
     * @param headers response headers
     * @param body the body, UTF-8
     */
    record DirectResponse(int status, List<HttpHeader> headers, String body) implements RouteAction {
        public DirectResponse {
            if (status < 200 || status > 599) {
                throw new IllegalArgumentException("direct response status must be in 200..599, got " + status);
            }
            headers = Checks.list(headers, "headers");
            requireNonNull(body, "body");
        }
    }
}
