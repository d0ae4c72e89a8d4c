package dev.nantian.core.model;

/** How the data plane talks to a cluster's endpoints. */
public enum UpstreamProtocol {
    /** HTTP/1.1, over TLS when the cluster has {@link UpstreamTls}. */
    HTTP_1_1,
    /** Cleartext HTTP/2 with prior knowledge ({@code appProtocol: kubernetes.io/h2c}). */
    H2C,
    /** HTTP/2 over TLS, negotiated with ALPN; needs {@link UpstreamTls}. */
    H2,
    /** HTTP/1.1 that upgrades to WebSocket ({@code appProtocol: kubernetes.io/ws} or {@code wss}). */
    WEBSOCKET,
    /** A plain byte stream or datagrams, for TLS passthrough, TCP and UDP routes. */
    RAW
}
