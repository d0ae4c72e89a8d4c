package dev.nantian.xds.codec.internal;

/** Well-known names the codec writes and expects. */
public final class Names {
    /** The key of our metadata in {@code typed_filter_metadata}. */
    public static final String METADATA_KEY = "nantian";
    /** Our optional HTTP filter; its {@code typed_per_filter_config} holds filters Envoy has no field for. */
    public static final String EXTENSIONS_FILTER = "nantian.extensions";

    public static final String HCM = "envoy.filters.network.http_connection_manager";
    public static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
    public static final String UDP_PROXY = "envoy.filters.udp_listener.udp_proxy";
    public static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
    public static final String CORS_FILTER = "envoy.filters.http.cors";
    public static final String ROUTER_FILTER = "envoy.filters.http.router";
    public static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";
    public static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    /**
     * The cluster that stands for an unresolved backend. No such cluster exists, so Envoy answers with the route's
     * {@code cluster_not_found_response_code} (500) or refuses the TCP connection, as Gateway API requires.
     */
    public static final String INVALID_CLUSTER = "nantian.invalid";
    /** Prefix of the cluster name that stands for an extension backend ({@code group/kind/namespace/name}). */
    public static final String EXTENSION_CLUSTER_PREFIX = "nantian.extension:";

    /** Envoy's route timeout when none is set. */
    public static final java.time.Duration ENVOY_DEFAULT_ROUTE_TIMEOUT = java.time.Duration.ofSeconds(15);
    /** The retry conditions of a Gateway API retry policy. */
    public static final String RETRY_ON = "retriable-status-codes,connect-failure,reset";

    private Names() {}
}
