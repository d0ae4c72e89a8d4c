package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.List;

/**
 * Routes TLS connections by SNI (Gateway API TLSRoute). On a passthrough listener the encrypted stream is forwarded
 * untouched; on a terminating listener the decrypted stream is.
 *
 * @param meta where the route came from
 * @param hostnames SNI names served (exact or {@code *.} wildcard); empty means any
 * @param backends weighted clusters
 */
public record TlsRoute(RouteMeta meta, List<String> hostnames, List<L4Backend> backends) {
    public TlsRoute {
        requireNonNull(meta, "meta");
        hostnames = Checks.list(hostnames, "hostnames");
        hostnames.forEach(h -> Checks.hostname(h, "TLSRoute hostname"));
        backends = Checks.list(backends, "backends");
    }
}
