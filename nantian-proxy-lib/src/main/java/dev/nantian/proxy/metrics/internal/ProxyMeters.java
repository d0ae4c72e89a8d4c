package dev.nantian.proxy.metrics.internal;

import static dev.nantian.proxy.metrics.ProxyMetrics.TAG_CLUSTER;
import static dev.nantian.proxy.metrics.ProxyMetrics.TAG_CODE;
import static dev.nantian.proxy.metrics.ProxyMetrics.TAG_CODE_CLASS;
import static dev.nantian.proxy.metrics.ProxyMetrics.TAG_ENDPOINT;
import static dev.nantian.proxy.metrics.ProxyMetrics.TAG_PROTOCOL;
import static dev.nantian.proxy.metrics.ProxyMetrics.TAG_ROUTE;
import static java.util.Objects.requireNonNull;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.proxy.metrics.ProxyMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleBiFunction;
import java.util.function.ToDoubleFunction;

/**
 * The proxy's meters on one {@link MeterRegistry}; see {@link ProxyMetrics} for what each means.
 *
 * <p>Per-request cost is one lookup in a concurrent map keyed by a small record of strings the config already holds
 * (route display name, cluster name) and the status code, then a few counter increments; meters and their tags are
 * built only the first time a key is seen. Request methods are called from event loops; config methods from the
 * proxy's config thread.
 */
public final class ProxyMeters implements AutoCloseable {
    private static final Duration[] SLOS = {
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30)
    };
    private static final String[] CODE_CLASSES = {ProxyMetrics.NONE, "1xx", "2xx", "3xx", "4xx", "5xx"};

    private final MeterRegistry registry;
    private final ConcurrentHashMap<RequestKey, RequestMeters> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<L4Key, L4Meters> l4 = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ConnectKey, Counter> connectErrors = new ConcurrentHashMap<>();
    private final AtomicLong activeConnections = new AtomicLong();
    private final Counter acceptedConnections;
    private final Counter swaps;
    private final Counter rejections;
    /** Meters whose values come from this proxy's objects; removed on close so a registry does not keep them. */
    private final List<Meter> owned = new ArrayList<>();

    private final Map<String, Gauge> endpointGauges = new HashMap<>();
    private Gauge configInfo;

    /** Registers the proxy-wide meters on {@code registry}. */
    public ProxyMeters(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
        this.acceptedConnections = Counter.builder(ProxyMetrics.DOWNSTREAM_CONNECTIONS)
                .description("Downstream connections accepted")
                .register(registry);
        this.swaps = Counter.builder(ProxyMetrics.CONFIG_SWAPS)
                .description("Configs applied")
                .register(registry);
        this.rejections = Counter.builder(ProxyMetrics.CONFIG_REJECTIONS)
                .description("Configs rejected; the previous one kept serving")
                .register(registry);
        owned.add(Gauge.builder(ProxyMetrics.DOWNSTREAM_CONNECTIONS_ACTIVE, activeConnections, AtomicLong::get)
                .description("Downstream connections open now")
                .register(registry));
    }

    /** Accounts for one finished exchange. Event loop; allocation-free once the key was seen, bar the key. */
    public void recordRequest(String route, String cluster, int status, long durationNanos, long received, long sent) {
        RequestKey key = new RequestKey(route, cluster, status);
        RequestMeters m = requests.get(key);
        if (m == null) {
            m = requests.computeIfAbsent(key, this::newRequestMeters);
        }
        m.requests.increment();
        m.duration.record(durationNanos, TimeUnit.NANOSECONDS);
        if (received > 0) {
            m.received.increment(received);
        }
        if (sent > 0) {
            m.sent.increment(sent);
        }
    }

    private RequestMeters newRequestMeters(RequestKey key) {
        String codeClass = codeClass(key.status);
        Tags tags = Tags.of(
                TAG_ROUTE,
                key.route,
                TAG_CLUSTER,
                key.cluster,
                TAG_CODE,
                Integer.toString(key.status),
                TAG_CODE_CLASS,
                codeClass);
        return new RequestMeters(
                Counter.builder(ProxyMetrics.REQUESTS)
                        .description("Requests answered")
                        .tags(tags)
                        .register(registry),
                Timer.builder(ProxyMetrics.REQUEST_DURATION)
                        .description("From the request head to the last response byte written")
                        .tags(TAG_ROUTE, key.route, TAG_CLUSTER, key.cluster, TAG_CODE_CLASS, codeClass)
                        .serviceLevelObjectives(SLOS)
                        .register(registry),
                Counter.builder(ProxyMetrics.REQUEST_BODY_BYTES)
                        .description("Request body bytes received")
                        .baseUnit("bytes")
                        .tags(tags)
                        .register(registry),
                Counter.builder(ProxyMetrics.RESPONSE_BODY_BYTES)
                        .description("Response body bytes sent")
                        .baseUnit("bytes")
                        .tags(tags)
                        .register(registry));
    }

    static String codeClass(int status) {
        int c = status / 100;
        return c >= 1 && c < CODE_CLASSES.length ? CODE_CLASSES[c] : ProxyMetrics.NONE;
    }

    /**
     * Accounts for one ended TCP or TLS connection or UDP flow. Event loop.
     *
     * @param protocol the {@value ProxyMetrics#TAG_PROTOCOL} tag, {@code tcp}, {@code tls} or {@code udp}
     * @param received bytes received from the client
     * @param sent bytes sent to the client
     */
    public void recordL4(String route, String cluster, String protocol, long received, long sent) {
        L4Key key = new L4Key(route, cluster, protocol);
        L4Meters m = l4.get(key);
        if (m == null) {
            m = l4.computeIfAbsent(key, this::newL4Meters);
        }
        m.connections.increment();
        if (received > 0) {
            m.received.increment(received);
        }
        if (sent > 0) {
            m.sent.increment(sent);
        }
    }

    private L4Meters newL4Meters(L4Key key) {
        Tags tags = Tags.of(TAG_ROUTE, key.route, TAG_CLUSTER, key.cluster, TAG_PROTOCOL, key.protocol);
        return new L4Meters(
                Counter.builder(ProxyMetrics.L4_CONNECTIONS)
                        .description("TCP and TLS connections and UDP flows that ended")
                        .tags(tags)
                        .register(registry),
                Counter.builder(ProxyMetrics.L4_RECEIVED_BYTES)
                        .description("Bytes received from clients over layer-4 routes")
                        .baseUnit("bytes")
                        .tags(tags)
                        .register(registry),
                Counter.builder(ProxyMetrics.L4_SENT_BYTES)
                        .description("Bytes sent to clients over layer-4 routes")
                        .baseUnit("bytes")
                        .tags(tags)
                        .register(registry));
    }

    /** A connection to an upstream endpoint could not be opened. Event loop. */
    public void upstreamConnectError(String cluster, String address, int port) {
        ConnectKey key = new ConnectKey(cluster, address, port);
        Counter c = connectErrors.get(key);
        if (c == null) {
            c = connectErrors.computeIfAbsent(key, k -> Counter.builder(ProxyMetrics.UPSTREAM_CONNECT_ERRORS)
                    .description("Upstream connections that could not be opened")
                    .tags(TAG_CLUSTER, k.cluster, TAG_ENDPOINT, authority(k.address, k.port))
                    .register(registry));
        }
        c.increment();
    }

    /** A downstream connection was accepted. Event loop. */
    public void connectionOpened() {
        activeConnections.incrementAndGet();
        acceptedConnections.increment();
    }

    /** A downstream connection closed. Event loop. */
    public void connectionClosed() {
        activeConnections.decrementAndGet();
    }

    /** Exposes {@code logger}'s counters as the access log meters. */
    public synchronized <T> void bindAccessLog(T logger, ToDoubleFunction<T> dropped, ToDoubleFunction<T> written) {
        owned.add(FunctionCounter.builder(ProxyMetrics.ACCESS_LOG_DROPPED, logger, dropped)
                .description("Access log entries dropped: queue full or output failing")
                .register(registry));
        owned.add(FunctionCounter.builder(ProxyMetrics.ACCESS_LOG_WRITTEN, logger, written)
                .description("Access log entries written")
                .register(registry));
    }

    /**
     * {@code snapshot} now serves: moves the version gauge to it and the endpoint gauges to its endpoints. Config
     * thread.
     */
    public synchronized void configApplied(ConfigSnapshot snapshot) {
        configApplied(snapshot, (cluster, endpoint) -> 1.0);
    }

    /**
     * {@code snapshot} now serves: moves the version gauge to it and the endpoint gauges to its endpoints, which read
     * their value from {@code health} (cluster name, {@code host:port}) at every scrape. An endpoint that stays across
     * a swap keeps its gauge. Config thread.
     */
    public synchronized void configApplied(ConfigSnapshot snapshot, ToDoubleBiFunction<String, String> health) {
        requireNonNull(health, "health");
        swaps.increment();
        if (configInfo != null) {
            registry.remove(configInfo);
        }
        configInfo = Gauge.builder(ProxyMetrics.CONFIG_INFO, () -> 1)
                .description("The served config, as its version tag")
                .tag(ProxyMetrics.TAG_VERSION, snapshot.version())
                .register(registry);
        Map<String, Gauge> next = new HashMap<>();
        for (Cluster c : snapshot.clusters().values()) {
            for (Endpoint e : c.endpoints()) {
                String id = c.name() + '\n' + e.authority();
                Gauge g = endpointGauges.remove(id);
                if (g == null) {
                    String cluster = c.name();
                    String endpoint = e.authority();
                    g = Gauge.builder(ProxyMetrics.ENDPOINT_HEALTHY, () -> health.applyAsDouble(cluster, endpoint))
                            .description("1 when the endpoint is healthy, 0 when a health check or outlier"
                                    + " detection took it out")
                            .tags(TAG_CLUSTER, c.name(), TAG_ENDPOINT, e.authority())
                            .register(registry);
                }
                next.put(id, g);
            }
        }
        endpointGauges.values().forEach(registry::remove);
        endpointGauges.clear();
        endpointGauges.putAll(next);
    }

    /** A config was rejected. Config thread. */
    public void configRejected() {
        rejections.increment();
    }

    /**
     * Removes the gauges and function counters that read this proxy's state; counters and timers stay, as
     * Prometheus expects of counters.
     */
    @Override
    public synchronized void close() {
        owned.forEach(registry::remove);
        owned.clear();
        endpointGauges.values().forEach(registry::remove);
        endpointGauges.clear();
        if (configInfo != null) {
            registry.remove(configInfo);
            configInfo = null;
        }
    }

    private static String authority(String address, int port) {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }

    /** What request meters are cached by. */
    private record RequestKey(String route, String cluster, int status) {}

    /** What connect-error counters are cached by. */
    private record ConnectKey(String cluster, String address, int port) {}

    /** What layer-4 meters are cached by. */
    private record L4Key(String route, String cluster, String protocol) {}

    private record L4Meters(Counter connections, Counter received, Counter sent) {}

    private record RequestMeters(Counter requests, Timer duration, Counter received, Counter sent) {}
}
