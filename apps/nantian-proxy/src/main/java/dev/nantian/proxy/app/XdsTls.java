package dev.nantian.proxy.app;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code xdsTls}: TLS to the control plane.
 *
 * @param enabled whether the xDS connection uses TLS; plaintext otherwise
 * @param caPath CA certificates (PEM) the control plane's certificate must chain to; the JDK's trust store when
 *     absent
 * @param certPath this data plane's certificate chain (PEM), presented for mutual TLS
 * @param keyPath its private key (PEM, PKCS#8)
 * @param domainName the name the control plane's certificate must carry, and the authority sent; the host of
 *     {@code xds.address} when absent
 */
public record XdsTls(
        boolean enabled,
        Optional<Path> caPath,
        Optional<Path> certPath,
        Optional<Path> keyPath,
        Optional<String> domainName) {
    /** Plaintext. */
    public static final XdsTls DISABLED =
            new XdsTls(false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public XdsTls {
        requireNonNull(caPath, "caPath");
        requireNonNull(certPath, "certPath");
        requireNonNull(keyPath, "keyPath");
        requireNonNull(domainName, "domainName");
        if (certPath.isPresent() != keyPath.isPresent()) {
            throw new IllegalArgumentException("xdsTls needs both certPath and keyPath, or neither");
        }
    }

    static XdsTls from(ConfigNode node) {
        boolean enabled = node.bool("enabled", false);
        Optional<Path> ca = node.file("caPath");
        Optional<Path> cert = node.file("certPath");
        Optional<Path> key = node.file("keyPath");
        Optional<String> domain = node.string("domainName");
        boolean ok = true;
        if (node.has("certPath") != node.has("keyPath")) {
            node.error(node.has("certPath") ? "keyPath" : "certPath", "certPath and keyPath go together");
            ok = false;
        }
        if (!enabled && (node.has("caPath") || node.has("certPath") || node.has("domainName"))) {
            node.error("enabled", "TLS settings are given but enabled is not true");
            ok = false;
        }
        if (!ok || !enabled || cert.isPresent() != key.isPresent()) {
            return DISABLED;
        }
        return new XdsTls(true, ca, cert, key, domain);
    }
}
