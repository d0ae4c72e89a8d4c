package dev.nantian.core.model;

import dev.nantian.core.internal.Checks;
import java.util.List;

/**
 * The routes served for a set of host names on one listener. Domains are exact names ({@code foo.example.com}),
 * wildcards ({@code *.example.com}, matching one or more labels in front of the suffix) or {@code *} for any host.
 * A request's host picks one virtual host (exact first, then the longest wildcard, then {@code *}); its routes are
 * then tried in Gateway API precedence order, not in list order.
 *
 * @param name a name unique within the listener, for logs
 * @param domains host names served, lower-case
 * @param routes the route entries
 */
public record VirtualHost(String name, List<String> domains, List<HttpRoute> routes) {
    public VirtualHost {
        Checks.nonEmpty(name, "virtual host name");
        domains = Checks.nonEmptyList(domains, "domains");
        for (String d : domains) {
            if (!d.equals("*")) {
                Checks.hostname(d, "virtual host " + name + " domain");
            }
        }
        routes = Checks.list(routes, "routes");
    }
}
