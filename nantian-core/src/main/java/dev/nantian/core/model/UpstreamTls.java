package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.List;
import java.util.Optional;

/**
 * TLS from the data plane to a cluster (Gateway API BackendTLSPolicy).
 *
 * @param caCertificates names of {@link Secret.CaBundle} secrets to trust; empty means the JDK's system trust store
 * @param sni the server name sent and, when {@code subjectAltNames} is empty, verified against the certificate
 * @param subjectAltNames names of which the server certificate must carry at least one, instead of {@code sni}
 * @param clientCertificate name of a {@link Secret.TlsKeyPair} presented to the backend, when mutual TLS is wanted
 */
public record UpstreamTls(
        List<String> caCertificates,
        String sni,
        List<SubjectAltName> subjectAltNames,
        Optional<String> clientCertificate) {
    public UpstreamTls {
        caCertificates = Checks.list(caCertificates, "caCertificates");
        Checks.nonEmpty(sni, "sni");
        subjectAltNames = Checks.list(subjectAltNames, "subjectAltNames");
        requireNonNull(clientCertificate, "clientCertificate");
    }

    /** A subject alternative name that the backend certificate must carry. */
    public record SubjectAltName(Type type, String value) {
        /** The SAN kind. */
        public enum Type {
            HOSTNAME,
            URI
        }

        public SubjectAltName {
            requireNonNull(type, "type");
            Checks.nonEmpty(value, "subject alt name");
        }
    }
}
