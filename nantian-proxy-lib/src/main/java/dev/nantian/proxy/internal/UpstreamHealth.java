package dev.nantian.proxy.internal;

import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.HealthCheck;
import dev.nantian.proxy.EndpointHealth;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health of every cluster of one proxy, across config swaps, and the active health checkers behind it.
 *
 * <p>{@link CompiledConfig#compile(dev.nantian.core.model.ConfigSnapshot, UpstreamHealth)} binds each compiled cluster
 * to its {@link ClusterHealth} by name; once the config serves, {@link #apply} reconciles the checkers with it: one
 * per endpoint of every cluster with a {@link HealthCheck}, spread over the proxy's event loops. A checker whose
 * endpoint and check are unchanged keeps running with its counters, so an unchanged cluster keeps its health across
 * a swap; a changed check restarts the checker but keeps the endpoint's current verdict; an endpoint that loses its
 * check becomes healthy; state of removed endpoints and clusters is dropped.
 *
 * <p>Config methods run on the proxy's config thread; the lookups for the admin API and metrics on any thread.
 */
public final class UpstreamHealth implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UpstreamHealth.class);

    private final EventLoopGroup group;
    private final Transport transport;
    private final ProxySettings settings;
    private final LongSupplier nanoTime;
    private final Clock clock;
    private final ConcurrentHashMap<String, ClusterHealth> clusters = new ConcurrentHashMap<>();
    /** Running checkers by {@code cluster \n host:port}. Config thread. */
    private final Map<String, HealthChecker> checkers = new HashMap<>();

    private boolean closed;

    /**
     * @param group the event loops that run health checks
     * @param transport the socket implementation of health check connections
     * @param settings the allocator
     */
    public UpstreamHealth(EventLoopGroup group, Transport transport, ProxySettings settings) {
        this(group, transport, settings, System::nanoTime, Clock.systemUTC());
    }

    UpstreamHealth(
            EventLoopGroup group, Transport transport, ProxySettings settings, LongSupplier nanoTime, Clock clock) {
        this.group = group;
        this.transport = transport;
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.clock = clock;
    }

    /** The health of the cluster called {@code name}, created on first use. Config thread. */
    ClusterHealth cluster(String name) {
        return clusters.computeIfAbsent(name, n -> new ClusterHealth(n, nanoTime, clock));
    }

    /** Reconciles health state and checkers with {@code config}, which now serves. Config thread. */
    public synchronized void apply(CompiledConfig config) {
        if (closed) {
            return;
        }
        Map<String, ClusterState> served = config.clusterStates();
        clusters.keySet().retainAll(served.keySet());
        Map<String, HealthChecker> wanted = new LinkedHashMap<>();
        Map<HostHealth, ClusterHealth> unchecked = new LinkedHashMap<>();
        for (ClusterState c : served.values()) {
            Set<String> authorities = new HashSet<>();
            for (Endpoint e : c.cluster().endpoints()) {
                authorities.add(e.authority());
            }
            c.health().retain(authorities);
            Optional<HealthCheck> check = c.cluster().healthCheck();
            List<EndpointKey> keys = c.endpoints();
            for (int i = 0; i < keys.size(); i++) {
                Endpoint e = c.cluster().endpoints().get(i);
                HostHealth host = c.health().host(e.authority());
                String id = c.name() + "\n" + e.authority();
                if (check.isEmpty()) {
                    unchecked.put(host, c.health());
                } else if (!wanted.containsKey(id)) { // the same address twice in one cluster: one checker
                    HealthChecker.Spec spec = new HealthChecker.Spec(keys.get(i), check.get());
                    HealthChecker running = checkers.get(id);
                    wanted.put(
                            id,
                            running != null && running.spec().equals(spec)
                                    ? running
                                    : new HealthChecker(
                                            c.health(),
                                            host,
                                            keys.get(i),
                                            check.get(),
                                            group.next(),
                                            transport,
                                            settings));
                }
            }
        }
        // Stop replaced and unwanted checkers first: none of them may judge an endpoint after this swap.
        for (Map.Entry<String, HealthChecker> e : checkers.entrySet()) {
            if (wanted.get(e.getKey()) != e.getValue()) {
                e.getValue().stop();
            }
        }
        // An endpoint that loses its check is healthy: nothing says otherwise any more.
        unchecked.forEach((host, cluster) -> {
            boolean changed;
            synchronized (host) {
                changed = !host.activeHealthy;
                host.activeHealthy = true;
            }
            if (changed) {
                cluster.changed();
            }
        });
        for (Map.Entry<String, HealthChecker> e : wanted.entrySet()) {
            if (checkers.get(e.getKey()) != e.getValue()) {
                e.getValue().start();
            }
        }
        checkers.clear();
        checkers.putAll(wanted);
        log.debug("{} health checkers running", checkers.size());
    }

    /**
     * The state of endpoint {@code authority} of cluster {@code cluster}, or empty when the served config has no
     * such endpoint. Any thread.
     */
    public Optional<EndpointHealth> status(String cluster, String authority) {
        ClusterHealth c = clusters.get(cluster);
        HostHealth h = c == null ? null : c.find(authority);
        return h == null ? Optional.empty() : Optional.of(h.status(nanoTime.getAsLong()));
    }

    /** 1 when the endpoint is healthy or unknown, 0 when unhealthy or ejected, for the health gauge. Any thread. */
    public double healthyGauge(String cluster, String authority) {
        return status(cluster, authority)
                .map(s -> s == EndpointHealth.HEALTHY ? 1.0 : 0.0)
                .orElse(1.0);
    }

    /** Stops every checker. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        checkers.values().forEach(HealthChecker::stop);
        checkers.clear();
    }
}
