package dev.nantian.controller;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code grpcTLS}: TLS on the xDS gRPC port, and mutual TLS when data planes must present certificates.
 *
 * @param enabled whether the port speaks TLS; plaintext otherwise
 * @param certPath the server certificate chain (PEM)
 * @param keyPath the server private key (PEM, PKCS#8)
 * @param clientCAPath CA certificates (PEM) that client certificates must chain to
 * @param requireClientCert whether a handshake without a valid client certificate fails; with a CA but without
 *     this, a client certificate is verified when presented and optional otherwise
 */
public record GrpcTls(
        boolean enabled,
        Optional<Path> certPath,
        Optional<Path> keyPath,
        Optional<Path> clientCAPath,
        boolean requireClientCert) {
    /** Plaintext. */
    public static final GrpcTls DISABLED =
            new GrpcTls(false, Optional.empty(), Optional.empty(), Optional.empty(), false);

    public GrpcTls {
        requireNonNull(certPath, "certPath");
        requireNonNull(keyPath, "keyPath");
        requireNonNull(clientCAPath, "clientCAPath");
        if (enabled && (certPath.isEmpty() || keyPath.isEmpty())) {
            throw new IllegalArgumentException("grpcTLS needs certPath and keyPath");
        }
        if (requireClientCert && clientCAPath.isEmpty()) {
            throw new IllegalArgumentException("grpcTLS.requireClientCert needs clientCAPath");
        }
    }

    static GrpcTls from(ConfigNode node) {
        boolean enabled = node.bool("enabled", false);
        Optional<Path> cert = node.file("certPath");
        Optional<Path> key = node.file("keyPath");
        Optional<Path> ca = node.file("clientCAPath");
        boolean require = node.bool("requireClientCert", false);
        boolean ok = true;
        if (enabled && !node.has("certPath")) {
            node.error("certPath", "required when grpcTLS.enabled is true");
            ok = false;
        }
        if (enabled && !node.has("keyPath")) {
            node.error("keyPath", "required when grpcTLS.enabled is true");
            ok = false;
        }
        if (require && !node.has("clientCAPath")) {
            node.error("clientCAPath", "required when grpcTLS.requireClientCert is true");
            ok = false;
        }
        if (!enabled && (require || node.has("certPath"))) {
            node.error("enabled", "TLS settings are given but enabled is not true");
            ok = false;
        }
        if (!ok || (enabled && (cert.isEmpty() || key.isEmpty()))) {
            return DISABLED;
        }
        return new GrpcTls(enabled, cert, key, ca, require);
    }
}
