package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A set of interchangeable upstream endpoints and how to reach them. Typically one per Kubernetes Service port.
 *
 * <pre>{@code
 * Cluster web = Cluster.builder("default/web:8080")
 *         .addEndpoint(Endpoint.of("10.0.0.7", 8080))
 *         .loadBalancing(new LoadBalancing.LeastRequest(2))
 *         .build();
 * }</pre>
 *
 * @param name unique in the snapshot
 * @param endpoints the endpoints; may be empty (requests then get 503)
 * @param protocol how endpoints are spoken to
 * @param loadBalancing how endpoints are chosen
 * @param connectTimeout how long a new connection may take
 * @param healthCheck active health checking, if any
 * @param outlierDetection passive health checking, if any
 * @param tls TLS to the endpoints, if any
 */
public record Cluster(
        String name,
        List<Endpoint> endpoints,
        UpstreamProtocol protocol,
        LoadBalancing loadBalancing,
        Duration connectTimeout,
        Optional<HealthCheck> healthCheck,
        Optional<OutlierDetection> outlierDetection,
        Optional<UpstreamTls> tls) {
    /** The connect timeout used when none is set. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    public Cluster {
        Checks.nonEmpty(name, "cluster name");
        endpoints = Checks.list(endpoints, "endpoints");
        requireNonNull(protocol, "protocol");
        requireNonNull(loadBalancing, "loadBalancing");
        Checks.positive(connectTimeout, "connectTimeout");
        requireNonNull(healthCheck, "healthCheck");
        requireNonNull(outlierDetection, "outlierDetection");
        requireNonNull(tls, "tls");
        if (protocol == UpstreamProtocol.H2 && tls.isEmpty()) {
            throw new IllegalArgumentException("cluster " + name + ": H2 needs TLS; use H2C for cleartext HTTP/2");
        }
    }

    /** Starts a builder: HTTP/1.1, round robin, default connect timeout. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Builds {@link Cluster}s. */
    public static final class Builder {
        private final String name;
        private final List<Endpoint> endpoints = new ArrayList<>();
        private UpstreamProtocol protocol = UpstreamProtocol.HTTP_1_1;
        private LoadBalancing loadBalancing = new LoadBalancing.RoundRobin();
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private HealthCheck healthCheck;
        private OutlierDetection outlierDetection;
        private UpstreamTls tls;

        private Builder(String name) {
            this.name = requireNonNull(name, "name");
        }

        public Builder addEndpoint(Endpoint endpoint) {
            endpoints.add(requireNonNull(endpoint, "endpoint"));
            return this;
        }

        public Builder endpoints(List<Endpoint> endpoints) {
            this.endpoints.clear();
            this.endpoints.addAll(requireNonNull(endpoints, "endpoints"));
            return this;
        }

        public Builder protocol(UpstreamProtocol protocol) {
            this.protocol = requireNonNull(protocol, "protocol");
            return this;
        }

        public Builder loadBalancing(LoadBalancing loadBalancing) {
            this.loadBalancing = requireNonNull(loadBalancing, "loadBalancing");
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        public Builder healthCheck(HealthCheck healthCheck) {
            this.healthCheck = requireNonNull(healthCheck, "healthCheck");
            return this;
        }

        public Builder outlierDetection(OutlierDetection outlierDetection) {
            this.outlierDetection = requireNonNull(outlierDetection, "outlierDetection");
            return this;
        }

        public Builder tls(UpstreamTls tls) {
            this.tls = requireNonNull(tls, "tls");
            return this;
        }

        public Cluster build() {
            return new Cluster(
                    name,
                    endpoints,
                    protocol,
                    loadBalancing,
                    connectTimeout,
                    Optional.ofNullable(healthCheck),
                    Optional.ofNullable(outlierDetection),
                    Optional.ofNullable(tls));
        }
    }
}
