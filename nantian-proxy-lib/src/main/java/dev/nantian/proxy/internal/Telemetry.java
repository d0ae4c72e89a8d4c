package dev.nantian.proxy.internal;

import dev.nantian.proxy.accesslog.AccessLogSettings;
import dev.nantian.proxy.accesslog.internal.AccessLogEntry;
import dev.nantian.proxy.accesslog.internal.AccessLogger;
import dev.nantian.proxy.accesslog.internal.RouteLogPolicy;
import dev.nantian.proxy.metrics.ProxyMetrics;
import dev.nantian.proxy.metrics.internal.ProxyMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AttributeKey;
import java.util.function.ToDoubleBiFunction;

/**
 * Where exchanges and connections report to: the access log and the meters, either of which may be absent. Without
 * both, every hook returns at its first test. One per proxy.
 */
public final class Telemetry implements AutoCloseable {
    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf(Telemetry.class, "counted");
    private static final String HTTP_2 = "HTTP/2";

    private final AccessLogger accessLog;
    private final ProxyMeters meters;

    private Telemetry(AccessLogger accessLog, ProxyMeters meters) {
        this.accessLog = accessLog;
        this.meters = meters;
    }

    /**
     * Opens the access log (when {@code accessLog} is enabled) and registers the meters (when {@code registry} is
     * given); either may be {@code null}.
     *
     * @throws dev.nantian.core.NantianException when the access log file cannot be opened
     */
    public static Telemetry create(AccessLogSettings accessLog, MeterRegistry registry) {
        AccessLogger logger = accessLog != null && accessLog.enabled() ? AccessLogger.open(accessLog) : null;
        ProxyMeters meters = registry == null ? null : new ProxyMeters(registry);
        if (logger != null && meters != null) {
            meters.bindAccessLog(logger, AccessLogger::dropped, AccessLogger::written);
        }
        return new Telemetry(logger, meters);
    }

    /** Telemetry that records nothing. */
    public static Telemetry none() {
        return new Telemetry(null, null);
    }

    /** True when exchanges are written to an access log (which reads the request headers as the client sent them). */
    boolean logsAccess() {
        return accessLog != null;
    }

    /** An exchange ended; {@code r} is final. Runs on the exchange's event loop. */
    void exchangeDone(ExchangeRecord r) {
        if (meters == null && accessLog == null) {
            return;
        }
        RouteTelemetry route = r.route == null ? null : r.route.telemetry();
        String cluster = r.cluster == null ? null : r.cluster.name();
        if (meters != null) {
            meters.recordRequest(
                    route == null ? ProxyMetrics.NONE : route.displayName(),
                    cluster == null ? ProxyMetrics.NONE : cluster,
                    r.status,
                    r.durationNanos,
                    r.bytesReceived,
                    r.bytesSent);
        }
        if (accessLog != null && accessLog.sample(route == null ? RouteLogPolicy.INHERIT : route.logPolicy())) {
            // Only strings and numbers cross to the writer thread, never Netty objects.
            HttpRequest req = r.request;
            EndpointKey up = r.upstream;
            accessLog.offer(new AccessLogEntry(
                    r.startMillis,
                    r.durationNanos,
                    r.client,
                    req.method().name(),
                    req.uri(),
                    r.h2 ? HTTP_2 : req.protocolVersion().text(),
                    r.host,
                    r.status,
                    r.flags,
                    r.bytesReceived,
                    r.bytesSent,
                    up == null ? null : up.address(),
                    up == null ? 0 : up.port(),
                    cluster,
                    route == null ? null : route.displayName(),
                    r.userAgent,
                    r.requestId,
                    r.logFields));
        }
    }

    /**
     * A TCP or TLS connection or a UDP flow of a layer-4 route (or one refused for want of a route) ended; {@code r}
     * is finished. Runs on the connection's or UDP listener's event loop.
     */
    void l4Done(L4Record r) {
        if (meters == null && accessLog == null) {
            return;
        }
        RouteTelemetry route = r.route;
        String cluster = r.cluster == null ? null : r.cluster.name();
        if (meters != null) {
            meters.recordL4(
                    route == null ? ProxyMetrics.NONE : route.displayName(),
                    cluster == null ? ProxyMetrics.NONE : cluster,
                    metricProtocol(r.protocol),
                    r.bytesReceived,
                    r.bytesSent);
        }
        if (accessLog != null && accessLog.sample(route == null ? RouteLogPolicy.INHERIT : route.logPolicy())) {
            EndpointKey up = r.upstream;
            accessLog.offer(AccessLogEntry.layer4(
                    r.startMillis,
                    r.durationNanos,
                    r.client,
                    r.protocol,
                    r.flags,
                    r.bytesReceived,
                    r.bytesSent,
                    up == null ? null : up.address(),
                    up == null ? 0 : up.port(),
                    cluster,
                    route == null ? null : route.displayName()));
        }
    }

    private static String metricProtocol(String protocol) {
        switch (protocol) {
            case L4Record.TCP:
                return "tcp";
            case L4Record.TLS:
                return "tls";
            default:
                return "udp";
        }
    }

    /** A connection to {@code endpoint} of {@code cluster} could not be opened. Event loop. */
    void upstreamConnectFailed(ClusterState cluster, EndpointKey endpoint) {
        if (meters != null) {
            meters.upstreamConnectError(cluster.name(), endpoint.address(), endpoint.port());
        }
    }

    /**
     * Counts {@code connection} as an open downstream connection until it closes, once however many handlers and
     * streams report it. Event loop.
     */
    void trackConnection(Channel connection) {
        if (meters != null && connection != null && connection.attr(COUNTED).setIfAbsent(Boolean.TRUE) == null) {
            meters.connectionOpened();
            connection.closeFuture().addListener(f -> meters.connectionClosed());
        }
    }

    /**
     * {@code config} now serves new requests; the endpoint health gauges read {@code health} (cluster name,
     * {@code host:port}) to 1 or 0. Config thread.
     */
    public void configApplied(CompiledConfig config, ToDoubleBiFunction<String, String> health) {
        if (meters != null) {
            meters.configApplied(config.snapshot(), health);
        }
    }

    /** A config was rejected. Config thread. */
    public void configRejected() {
        if (meters != null) {
            meters.configRejected();
        }
    }

    /** Flushes and closes the access log, then removes the gauges that read this proxy. Idempotent. */
    @Override
    public void close() {
        if (accessLog != null) {
            accessLog.close();
        }
        if (meters != null) {
            meters.close();
        }
    }
}
