package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A filter of an HTTP route rule or of one of its backends, applied in list order. {@code RequestRedirect} is not
 * here: it ends the request, so it is a {@link RouteAction.Redirect}.
 */
public sealed interface RouteFilter {

    /** Edits the request headers before they go upstream. */
    record RequestHeaderModifier(HeaderModifier modifier) implements RouteFilter {
        public RequestHeaderModifier {
            requireNonNull(modifier, "modifier");
        }
    }

    /** Edits the response headers before they go to the client. */
    record ResponseHeaderModifier(HeaderModifier modifier) implements RouteFilter {
        public ResponseHeaderModifier {
            requireNonNull(modifier, "modifier");
        }
    }

    /**
     * Rewrites the host (authority) and/or path sent upstream.
     *
     * @param hostname the new {@code Host}/{@code :authority}
     * @param path how to change the path
     */
    record UrlRewrite(Optional<String> hostname, Optional<PathModifier> path) implements RouteFilter {
        public UrlRewrite {
            requireNonNull(hostname, "hostname");
            requireNonNull(path, "path");
        }
    }

    /**
     * Sends a copy of the request to another cluster and ignores its response.
     *
     * @param cluster the cluster that receives the copy
     * @param fraction the share of requests mirrored; all when empty
     */
    record RequestMirror(String cluster, Optional<Fraction> fraction) implements RouteFilter {
        public RequestMirror {
            Checks.nonEmpty(cluster, "mirror cluster");
            requireNonNull(fraction, "fraction");
        }
    }

    /**
     * Answers CORS preflight requests locally and adds CORS headers to actual responses (Gateway API HTTPCORSFilter).
     *
     * @param allowOrigins allowed origins: {@code *}, exact origins, or origins with a {@code *} wildcard host label
     * @param allowCredentials whether {@code Access-Control-Allow-Credentials: true} is sent
     * @param allowMethods allowed methods, or {@code *}
     * @param allowHeaders allowed request headers, or {@code *}
     * @param exposeHeaders response headers exposed to scripts, or {@code *}
     * @param maxAge how long a preflight answer may be cached
     */
    record Cors(
            List<String> allowOrigins,
            boolean allowCredentials,
            List<String> allowMethods,
            List<String> allowHeaders,
            List<String> exposeHeaders,
            Duration maxAge)
            implements RouteFilter {
        public Cors {
            allowOrigins = Checks.list(allowOrigins, "allowOrigins");
            allowMethods = Checks.list(allowMethods, "allowMethods");
            allowHeaders = Checks.list(allowHeaders, "allowHeaders");
            exposeHeaders = Checks.list(exposeHeaders, "exposeHeaders");
            requireNonNull(maxAge, "maxAge");
            if (maxAge.isNegative()) {
                throw new IllegalArgumentException("maxAge must not be negative");
            }
        }
    }

    /**
     * A filter implemented by an extension (AI, Wasm, token limits), found by {@code group/kind} in the data plane's
     * filter registry, with its configuration in the snapshot's {@link ExtensionConfig}s under
     * {@code namespace/name}.
     *
     * @param group the API group, e.g. {@code gateway.nantian.dev}
     * @param kind the kind, e.g. {@code WasmPlugin}
     * @param namespace the namespace of the referenced object
     * @param name the name of the referenced object
     */
    record ExtensionRef(String group, String kind, String namespace, String name) implements RouteFilter {
        public ExtensionRef {
            requireNonNull(group, "group");
            Checks.nonEmpty(kind, "kind");
            requireNonNull(namespace, "namespace");
            Checks.nonEmpty(name, "name");
        }
    }
}
