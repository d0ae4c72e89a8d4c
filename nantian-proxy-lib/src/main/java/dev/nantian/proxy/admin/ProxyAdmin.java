package dev.nantian.proxy.admin;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.admin.AdminRequest;
import dev.nantian.core.admin.AdminResponse;
import dev.nantian.core.admin.AdminServer;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.proxy.EndpointHealth;
import dev.nantian.proxy.NantianProxy;
import dev.nantian.proxy.admin.internal.PrometheusScrape;
import dev.nantian.proxy.admin.internal.SnapshotRenderer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The data-plane admin API of one {@link NantianProxy} (DESIGN.md section 4, port 8082 in the apps), as handlers for
 * a core {@link AdminServer}, which brings the bind address, TLS, bearer token, {@code /healthz} and {@code /readyz}.
 *
 * <pre>{@code
 * NantianProxy proxy = NantianProxy.builder()
 *         .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
 *         .build();
 * AdminServer admin = ProxyAdmin.of(proxy)
 *         .registerOn(AdminServer.builder(new InetSocketAddress("127.0.0.1", 8082)).bearerToken(token))
 *         .build();
 * }</pre>
 *
 * <ul>
 *   <li>{@value #CONFIG_VERSION_PATH}: {@code {"version": ..., "applied": true|false}}.
 *   <li>{@value #CONFIG_PATH}: the served snapshot, with secrets reduced to their names and kinds and extension specs
 *       left out; no key, certificate or credential ever appears.
 *   <li>{@value #BACKENDS_HEALTH_PATH}: clusters with their endpoints and each endpoint's {@code health}
 *       ({@code HEALTHY}, {@code UNHEALTHY} after failed active checks, {@code EJECTED} by outlier detection); per
 *       cluster the {@code healthSource} ({@code config}, {@code active}, {@code passive}, {@code active+passive}),
 *       the {@code healthy} and {@code total} counts, and {@code panic} when no endpoint is healthy and requests go to
 *       all of them.
 *   <li>{@value #METRICS_PATH}: Prometheus text, when the proxy's registry is (or contains) a Prometheus registry.
 *   <li>{@code /readyz}: ready once a config was applied.
 * </ul>
 *
 * <p>Handlers read one immutable snapshot per request and run on the admin server's threads, never on an event
 * loop. The xDS status path belongs to whoever runs the xDS client and is added by the app.
 */
public final class ProxyAdmin {
    /** The served config's version. */
    public static final String CONFIG_VERSION_PATH = "/api/v1/config/version";
    /** The served config, redacted. */
    public static final String CONFIG_PATH = "/api/v1/config";
    /** Clusters, endpoints and their health. */
    public static final String BACKENDS_HEALTH_PATH = "/api/v1/backends/health";
    /** Prometheus metrics. */
    public static final String METRICS_PATH = "/metrics";

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final NantianProxy proxy;
    private final Supplier<String> prometheus;

    private ProxyAdmin(NantianProxy proxy) {
        this.proxy = proxy;
        this.prometheus = proxy.meterRegistry().flatMap(PrometheusScrape::find).orElse(null);
    }

    /** The admin API of {@code proxy}. */
    public static ProxyAdmin of(NantianProxy proxy) {
        return new ProxyAdmin(requireNonNull(proxy, "proxy"));
    }

    /**
     * Adds this API's paths to {@code admin} ({@value #METRICS_PATH} only when there is a Prometheus registry) and
     * makes readiness mean "a config was applied"; call {@link AdminServer.Builder#readiness} afterwards to add
     * conditions of your own, such as an xDS stream being up.
     *
     * @return {@code admin}
     * @throws IllegalArgumentException when {@code admin} already serves one of the paths
     */
    public AdminServer.Builder registerOn(AdminServer.Builder admin) {
        requireNonNull(admin, "admin");
        admin.route(CONFIG_VERSION_PATH, this::configVersion)
                .route(CONFIG_PATH, this::config)
                .route(BACKENDS_HEALTH_PATH, this::backendHealth)
                .readiness(proxy::isConfigApplied);
        if (prometheus != null) {
            admin.route(METRICS_PATH, this::metrics);
        }
        return admin;
    }

    /** True when {@link #metrics} has a Prometheus registry to scrape. */
    public boolean hasPrometheus() {
        return prometheus != null;
    }

    /** {@value #CONFIG_VERSION_PATH}. */
    public AdminResponse configVersion(AdminRequest request) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", proxy.configVersion());
        out.put("applied", proxy.isConfigApplied());
        return AdminResponse.json(out);
    }

    /** {@value #CONFIG_PATH}: the served snapshot, redacted. */
    public AdminResponse config(AdminRequest request) {
        return AdminResponse.json(SnapshotRenderer.render(proxy.configSnapshot()));
    }

    /** {@value #BACKENDS_HEALTH_PATH}. */
    public AdminResponse backendHealth(AdminRequest request) {
        ConfigSnapshot snapshot = proxy.configSnapshot();
        List<Object> clusters = new ArrayList<>();
        for (Cluster c : snapshot.clusters().values()) {
            List<Object> endpoints = new ArrayList<>();
            int healthy = 0;
            for (Endpoint e : c.endpoints()) {
                EndpointHealth health =
                        proxy.endpointHealth(c.name(), e.authority()).orElse(EndpointHealth.HEALTHY);
                if (health == EndpointHealth.HEALTHY) {
                    healthy++;
                }
                Map<String, Object> ep = new LinkedHashMap<>();
                ep.put("address", e.authority());
                ep.put("weight", e.weight());
                e.zone().ifPresent(z -> ep.put("zone", z));
                if (!e.hostname().isEmpty()) {
                    ep.put("hostname", e.hostname());
                }
                ep.put("health", health.name());
                endpoints.add(ep);
            }
            Map<String, Object> cluster = new LinkedHashMap<>();
            cluster.put("name", c.name());
            cluster.put("healthSource", healthSource(c));
            cluster.put("healthy", healthy);
            cluster.put("total", endpoints.size());
            // Panic mode: no endpoint is healthy, so the load balancer sends to all of them.
            cluster.put("panic", healthy == 0 && !endpoints.isEmpty());
            cluster.put("endpoints", endpoints);
            clusters.add(cluster);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", snapshot.version());
        out.put("clusters", clusters);
        return AdminResponse.json(out);
    }

    private static String healthSource(Cluster c) {
        if (c.healthCheck().isPresent()) {
            return c.outlierDetection().isPresent() ? "active+passive" : "active";
        }
        return c.outlierDetection().isPresent() ? "passive" : "config";
    }

    /** {@value #METRICS_PATH}: Prometheus text, or 404 without a Prometheus registry. */
    public AdminResponse metrics(AdminRequest request) {
        if (prometheus == null) {
            return AdminResponse.error(404, "this proxy has no Prometheus meter registry");
        }
        return new AdminResponse(200, PROMETHEUS_TEXT, prometheus.get());
    }
}
