package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.Map;
import java.util.TreeSet;

/**
 * Key material and credentials. Every variant's {@code toString} names the secret but never prints its content, so
 * a snapshot can be logged safely. Secrets live in memory only.
 */
public sealed interface Secret {

    /** The name, unique in the snapshot, by convention {@code namespace/name}. */
    String name();

    /**
     * A certificate chain and its private key, both PEM.
     *
     * @param name the secret name
     * @param certificateChainPem the leaf certificate first, then intermediates
     * @param privateKeyPem the private key (PKCS#8, PKCS#1 or SEC1)
     */
    record TlsKeyPair(String name, String certificateChainPem, String privateKeyPem) implements Secret {
        public TlsKeyPair {
            Checks.nonEmpty(name, "secret name");
            Checks.nonEmpty(certificateChainPem, "secret " + name + " certificate chain");
            Checks.nonEmpty(privateKeyPem, "secret " + name + " private key");
        }

        @Override
        public String toString() {
            return "TlsKeyPair[name=" + name + ", privateKey=<redacted>]";
        }
    }

    /**
     * Trusted CA certificates, PEM. Not secret, but kept with secrets because they are referenced the same way.
     *
     * @param name the secret (or ConfigMap) name
     * @param pem one or more certificates
     */
    record CaBundle(String name, String pem) implements Secret {
        public CaBundle {
            Checks.nonEmpty(name, "secret name");
            Checks.nonEmpty(pem, "secret " + name + " CA bundle");
        }
    }

    /**
     * Opaque key/value data such as provider API keys.
     *
     * @param name the secret name
     * @param data the values by key
     */
    record Generic(String name, Map<String, String> data) implements Secret {
        public Generic {
            Checks.nonEmpty(name, "secret name");
            data = Checks.map(data, "data");
        }

        @Override
        public String toString() {
            return "Generic[name=" + name + ", keys=" + new TreeSet<>(data.keySet()) + ", values=<redacted>]";
        }
    }

    /** Checks that {@code secret} has the expected type and returns it. */
    static <T extends Secret> T require(Secret secret, Class<T> type) {
        requireNonNull(secret, "secret");
        if (!type.isInstance(secret)) {
            throw new IllegalArgumentException("secret " + secret.name() + " is not a " + type.getSimpleName());
        }
        return type.cast(secret);
    }
}
