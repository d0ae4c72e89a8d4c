package dev.nantian.proxy.metrics;

/**
 * The meters a {@link dev.nantian.proxy.NantianProxy} registers on the {@link io.micrometer.core.instrument.MeterRegistry}
 * given to its builder, by Micrometer name. In Prometheus they appear with dots as underscores and the usual suffixes:
 * {@code nantian_proxy_requests_total}, {@code nantian_proxy_request_duration_seconds_bucket}, ...
 *
 * <p>Request meters carry the tags {@value #TAG_ROUTE} ({@code namespace/name/rule}, or {@value #NONE} when no route
 * matched), {@value #TAG_CLUSTER} (or {@value #NONE} when the request never left the proxy), {@value #TAG_CODE} (the
 * status, {@code 0} when the client went away before a response head) and {@value #TAG_CODE_CLASS} ({@code 2xx}, ...).
 * Layer-4 meters ({@value #L4_CONNECTIONS}, {@value #L4_RECEIVED_BYTES}, {@value #L4_SENT_BYTES}) carry
 * {@value #TAG_ROUTE}, {@value #TAG_CLUSTER} and {@value #TAG_PROTOCOL} ({@code tcp}, {@code tls} or {@code udp}) and
 * are recorded when a TCP or TLS connection closes or a UDP flow ends. Without a registry the proxy records nothing
 * and pays nothing per request.
 */
public final class ProxyMetrics {
    /** Counter: requests answered, tagged route, cluster, code, code_class. */
    public static final String REQUESTS = "nantian.proxy.requests";

    /**
     * Timer: from the request head to the last response byte written, tagged route, cluster, code_class, with
     * histogram buckets from 1 ms to 30 s.
     */
    public static final String REQUEST_DURATION = "nantian.proxy.request.duration";

    /** Counter, bytes: request body bytes received, tagged route, cluster, code, code_class. */
    public static final String REQUEST_BODY_BYTES = "nantian.proxy.request.body";

    /** Counter, bytes: response body bytes sent, tagged route, cluster, code, code_class. */
    public static final String RESPONSE_BODY_BYTES = "nantian.proxy.response.body";

    /**
     * Counter: TCP and TLS connections (TCPRoute, TLSRoute) and UDP flows (UDPRoute) that ended, refused ones
     * included (cluster {@value #NONE}), tagged route, cluster, protocol.
     */
    public static final String L4_CONNECTIONS = "nantian.proxy.l4.connections";

    /** Counter, bytes: bytes received from clients over TCP, TLS and UDP routes, tagged route, cluster, protocol. */
    public static final String L4_RECEIVED_BYTES = "nantian.proxy.l4.received";

    /** Counter, bytes: bytes sent to clients over TCP, TLS and UDP routes, tagged route, cluster, protocol. */
    public static final String L4_SENT_BYTES = "nantian.proxy.l4.sent";

    /** Counter: upstream connections that could not be opened, tagged cluster and endpoint ({@code host:port}). */
    public static final String UPSTREAM_CONNECT_ERRORS = "nantian.proxy.upstream.connect.errors";

    /** Gauge: downstream connections open now. */
    public static final String DOWNSTREAM_CONNECTIONS_ACTIVE = "nantian.proxy.downstream.connections.active";

    /** Counter: downstream connections accepted. */
    public static final String DOWNSTREAM_CONNECTIONS = "nantian.proxy.downstream.connections";

    /** Gauge, info style: 1, tagged with the served config's {@code version}. */
    public static final String CONFIG_INFO = "nantian.proxy.config.info";

    /** Counter: configs applied (the first one included). */
    public static final String CONFIG_SWAPS = "nantian.proxy.config.swaps";

    /** Counter: configs rejected; the previous one kept serving. */
    public static final String CONFIG_REJECTIONS = "nantian.proxy.config.rejections";

    /**
     * Gauge: 1 when an endpoint is healthy, 0 when its cluster's active health check marked it unhealthy or outlier
     * detection ejected it, tagged cluster and endpoint. Endpoints of clusters without health checking report 1.
     */
    public static final String ENDPOINT_HEALTHY = "nantian.proxy.endpoint.healthy";

    /** Counter: access log entries dropped because the writer's queue was full or the output failed. */
    public static final String ACCESS_LOG_DROPPED = "nantian.proxy.access.log.dropped";

    /** Counter: access log entries written. */
    public static final String ACCESS_LOG_WRITTEN = "nantian.proxy.access.log.written";

    /** Tag: the route's display name. */
    public static final String TAG_ROUTE = "route";

    /** Tag: the cluster name. */
    public static final String TAG_CLUSTER = "cluster";

    /** Tag: the response status code. */
    public static final String TAG_CODE = "code";

    /** Tag: the status class, {@code 1xx} to {@code 5xx}, or {@code none}. */
    public static final String TAG_CODE_CLASS = "code_class";

    /** Tag: the layer-4 protocol, {@code tcp}, {@code tls} or {@code udp}. */
    public static final String TAG_PROTOCOL = "protocol";

    /** Tag: an endpoint, {@code host:port}. */
    public static final String TAG_ENDPOINT = "endpoint";

    /** Tag: a config version. */
    public static final String TAG_VERSION = "version";

    /** The value of route and cluster tags when there is none. */
    public static final String NONE = "none";

    private ProxyMetrics() {}
}
