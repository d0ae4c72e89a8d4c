package dev.nantian.core.model;

/** What a listener accepts. */
public enum ListenerProtocol {
    /** Cleartext HTTP/1.1 and h2c. */
    HTTP,
    /** HTTP/1.1 and HTTP/2 over TLS (terminated here). */
    HTTPS,
    /** TLS routed by SNI, passed through or terminated per {@link ListenerTls#mode()}. */
    TLS,
    /** Plain TCP. */
    TCP,
    /** UDP datagrams. */
    UDP
}
