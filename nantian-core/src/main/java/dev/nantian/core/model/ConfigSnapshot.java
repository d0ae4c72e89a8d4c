package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.internal.Checks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a data plane serves, as one immutable value. A snapshot is complete and consistent: every cluster and
 * secret it names exists and has the right type, listener names and cluster names are unique, and listeners that
 * share an address and port can share it. Construction checks all of that and reports every problem at once in a
 * {@link ConfigValidationException}; a data plane swaps whole snapshots, so a bad one never half-applies.
 *
 * <pre>{@code
 * ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
 *         .addCluster(Cluster.builder("default/web:80").addEndpoint(Endpoint.of("127.0.0.1", 8080)).build())
 *         .addListener(Listener.builder("default/gw/http", 8000, ListenerProtocol.HTTP,
 *                         new ListenerRoutes.Http(List.of(new VirtualHost("any", List.of("*"), routes))))
 *                 .build())
 *         .build();
 * }</pre>
 *
 * @param version an opaque version string, e.g. the xDS version or a content hash
 * @param listeners the listeners
 * @param clusters the clusters by name, in insertion order
 * @param secrets the secrets by name; never printed by {@link #toString()}
 * @param extensions extension configuration carried for other modules
 */
public record ConfigSnapshot(
        String version,
        List<Listener> listeners,
        Map<String, Cluster> clusters,
        Map<String, Secret> secrets,
        List<ExtensionConfig> extensions) {

    public ConfigSnapshot {
        requireNonNull(version, "version");
        listeners = Checks.list(listeners, "listeners");
        clusters = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(clusters, "clusters")));
        secrets = Checks.map(secrets, "secrets");
        extensions = Checks.list(extensions, "extensions");
        List<String> errors = new SnapshotValidator(listeners, clusters, secrets, extensions).validate();
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors);
        }
    }

    /** An empty snapshot: no listeners, nothing served. */
    public static ConfigSnapshot empty(String version) {
        return builder(version).build();
    }

    /** The cluster with that name, if any. */
    public Optional<Cluster> cluster(String name) {
        return Optional.ofNullable(clusters.get(name));
    }

    /** The secret with that name, if any. */
    public Optional<Secret> secret(String name) {
        return Optional.ofNullable(secrets.get(name));
    }

    /** Summarises the snapshot without printing secrets or whole route tables. */
    @Override
    public String toString() {
        return "ConfigSnapshot[version=" + version + ", listeners=" + listeners.size() + ", clusters=" + clusters.size()
                + ", secrets=" + secrets.size() + ", extensions=" + extensions.size() + "]";
    }

    /** Starts a builder. */
    public static Builder builder(String version) {
        return new Builder(version);
    }

    /** Builds {@link ConfigSnapshot}s. Duplicate names are kept so that {@link #build()} reports them. */
    public static final class Builder {
        private final String version;
        private final List<Listener> listeners = new ArrayList<>();
        private final List<Cluster> clusters = new ArrayList<>();
        private final List<Secret> secrets = new ArrayList<>();
        private final List<ExtensionConfig> extensions = new ArrayList<>();

        private Builder(String version) {
            this.version = requireNonNull(version, "version");
        }

        public Builder addListener(Listener listener) {
            listeners.add(requireNonNull(listener, "listener"));
            return this;
        }

        public Builder addCluster(Cluster cluster) {
            clusters.add(requireNonNull(cluster, "cluster"));
            return this;
        }

        public Builder addSecret(Secret secret) {
            secrets.add(requireNonNull(secret, "secret"));
            return this;
        }

        public Builder addExtension(ExtensionConfig extension) {
            extensions.add(requireNonNull(extension, "extension"));
            return this;
        }

        /**
         * Builds the snapshot.
         *
         * @throws ConfigValidationException listing every problem found
         */
        public ConfigSnapshot build() {
            List<String> errors = new ArrayList<>();
            Map<String, Cluster> clusterMap = new LinkedHashMap<>();
            for (Cluster c : clusters) {
                if (clusterMap.putIfAbsent(c.name(), c) != null) {
                    errors.add("duplicate cluster name " + c.name());
                }
            }
            Map<String, Secret> secretMap = new HashMap<>();
            for (Secret s : secrets) {
                if (secretMap.putIfAbsent(s.name(), s) != null) {
                    errors.add("duplicate secret name " + s.name());
                }
            }
            if (!errors.isEmpty()) {
                List<String> rest = new SnapshotValidator(listeners, clusterMap, secretMap, extensions).validate();
                errors.addAll(rest);
                throw new ConfigValidationException(errors);
            }
            return new ConfigSnapshot(version, listeners, clusterMap, secretMap, extensions);
        }
    }

    /** Collects every consistency problem of a snapshot. */
    private static final class SnapshotValidator {
        private final List<Listener> listeners;
        private final Map<String, Cluster> clusters;
        private final Map<String, Secret> secrets;
        private final List<ExtensionConfig> extensions;
        private final List<String> errors = new ArrayList<>();

        SnapshotValidator(
                List<Listener> listeners,
                Map<String, Cluster> clusters,
                Map<String, Secret> secrets,
                List<ExtensionConfig> extensions) {
            this.listeners = listeners;
            this.clusters = clusters;
            this.secrets = secrets;
            this.extensions = extensions;
        }

        List<String> validate() {
            Set<String> listenerNames = new java.util.HashSet<>();
            for (Listener l : listeners) {
                if (!listenerNames.add(l.name())) {
                    errors.add("duplicate listener name " + l.name());
                }
                checkListener(l);
            }
            checkSharedPorts();
            for (Cluster c : clusters.values()) {
                c.tls().ifPresent(tls -> {
                    String where = "cluster " + c.name();
                    tls.caCertificates().forEach(ca -> secretOf(ca, Secret.CaBundle.class, where));
                    tls.clientCertificate().ifPresent(cc -> secretOf(cc, Secret.TlsKeyPair.class, where));
                });
            }
            Set<String> extensionKeys = new java.util.HashSet<>();
            for (ExtensionConfig e : extensions) {
                if (!extensionKeys.add(e.group() + "/" + e.kind() + "/" + e.key())) {
                    errors.add("duplicate extension " + e.kind() + " " + e.key());
                }
            }
            return errors;
        }

        private void checkListener(Listener l) {
            String where = "listener " + l.name();
            l.tls().ifPresent(tls -> {
                tls.certificates().forEach(name -> secretOf(name, Secret.TlsKeyPair.class, where));
                tls.clientValidation()
                        .ifPresent(v -> v.caCertificates().forEach(ca -> secretOf(ca, Secret.CaBundle.class, where)));
            });
            ListenerRoutes routes = l.routes();
            if (routes instanceof ListenerRoutes.Http http) {
                checkHttp(http, where);
            } else if (routes instanceof ListenerRoutes.Tls tls) {
                tls.routes().forEach(r -> r.backends().forEach(b -> l4(b, where, r.meta())));
            } else if (routes instanceof ListenerRoutes.Tcp tcp) {
                tcp.routes().forEach(r -> r.backends().forEach(b -> l4(b, where, r.meta())));
            } else if (routes instanceof ListenerRoutes.Udp udp) {
                udp.routes().forEach(r -> r.backends().forEach(b -> l4(b, where, r.meta())));
            }
        }

        private void checkHttp(ListenerRoutes.Http http, String where) {
            Set<String> vhostNames = new java.util.HashSet<>();
            for (VirtualHost vh : http.virtualHosts()) {
                if (!vhostNames.add(vh.name())) {
                    errors.add(where + ": duplicate virtual host name " + vh.name());
                }
                for (HttpRoute route : vh.routes()) {
                    String routeWhere = where + " route " + route.meta().displayName();
                    if (route.action() instanceof RouteAction.Forward fwd) {
                        for (Backend b : fwd.backends()) {
                            if (b instanceof Backend.ClusterBackend cb) {
                                clusterOf(cb.cluster(), routeWhere);
                                cb.filters().forEach(f -> filter(f, routeWhere));
                            } else if (b instanceof Backend.ExtensionBackend eb) {
                                eb.filters().forEach(f -> filter(f, routeWhere));
                            }
                        }
                    }
                    route.filters().forEach(f -> filter(f, routeWhere));
                }
            }
        }

        private void filter(RouteFilter f, String where) {
            if (f instanceof RouteFilter.RequestMirror m) {
                clusterOf(m.cluster(), where + " mirror");
            }
        }

        private void l4(L4Backend b, String where, RouteMeta meta) {
            if (!b.isInvalid()) {
                clusterOf(b.cluster(), where + " route " + meta.displayName());
            }
        }

        private void clusterOf(String name, String where) {
            if (!clusters.containsKey(name)) {
                errors.add(where + " references unknown cluster " + name);
            }
        }

        private void secretOf(String name, Class<? extends Secret> type, String where) {
            Secret s = secrets.get(name);
            if (s == null) {
                errors.add(where + " references unknown secret " + name);
            } else if (!type.isInstance(s)) {
                errors.add(where + " references secret " + name + " which is not a " + type.getSimpleName());
            }
        }

        /**
         * Listeners may share an address and port only when one socket can serve them all: HTTP with HTTP, HTTPS
         * and TLS with each other (told apart by SNI), and then only with distinct hostnames. TCP and UDP listeners
         * own their port.
         */
        private void checkSharedPorts() {
            Map<String, List<Listener>> byPort = new LinkedHashMap<>();
            for (Listener l : listeners) {
                String transport = l.protocol() == ListenerProtocol.UDP ? "udp" : "tcp";
                byPort.computeIfAbsent(transport + "/" + l.address() + ":" + l.port(), k -> new ArrayList<>())
                        .add(l);
            }
            for (Map.Entry<String, List<Listener>> e : byPort.entrySet()) {
                List<Listener> group = e.getValue();
                if (group.size() < 2) {
                    continue;
                }
                EnumSet<ListenerProtocol> protocols = EnumSet.noneOf(ListenerProtocol.class);
                group.forEach(l -> protocols.add(l.protocol()));
                boolean compatible = protocols.equals(EnumSet.of(ListenerProtocol.HTTP))
                        || EnumSet.of(ListenerProtocol.HTTPS, ListenerProtocol.TLS)
                                .containsAll(protocols);
                if (!compatible) {
                    errors.add("listeners " + names(group) + " cannot share " + e.getKey() + " with protocols "
                            + protocols);
                    continue;
                }
                Set<String> hostnames = new java.util.HashSet<>();
                for (Listener l : group) {
                    if (!hostnames.add(l.hostname().orElse(""))) {
                        errors.add("listeners " + names(group) + " on " + e.getKey() + " repeat hostname "
                                + l.hostname().orElse("<any>"));
                    }
                }
            }
        }

        private static List<String> names(List<Listener> group) {
            List<String> names = new ArrayList<>();
            group.forEach(l -> names.add(l.name()));
            return names;
        }
    }
}
