package dev.nantian.testing.echo.internal;

/** The listeners of one echo server; upstream's {@code HTTP_PORT}, {@code H2C_PORT} and {@code HTTPS_PORT}. */
public enum PortKind {
    /** Cleartext HTTP/1.x, plus h2c by prior knowledge or {@code Upgrade: h2c}; routes every upstream path. */
    HTTP,
    /** Upstream's strict h2c port: HTTP/2 only (or an {@code Upgrade: h2c} request), every path echoed. */
    H2C,
    /** TLS with ALPN {@code h2} and {@code http/1.1}; routes like {@link #HTTP}. */
    HTTPS
}
