package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.util.List;
import java.util.Optional;

/**
 * TLS settings of a listener.
 *
 * @param mode terminate here, or pass the encrypted stream through (TLS listeners only)
 * @param certificates names of {@link Secret.TlsKeyPair} secrets in the snapshot; the data plane picks one by
 *     matching the client's SNI against each certificate's names and falls back to the first
 * @param clientValidation how client certificates are validated, when they are
 */
public record ListenerTls(Mode mode, List<String> certificates, Optional<ClientValidation> clientValidation) {

    /** What the listener does with TLS. */
    public enum Mode {
        TERMINATE,
        PASSTHROUGH
    }

    public ListenerTls {
        requireNonNull(mode, "mode");
        certificates = Checks.list(certificates, "certificates");
        requireNonNull(clientValidation, "clientValidation");
        if (mode == Mode.TERMINATE && certificates.isEmpty()) {
            throw new IllegalArgumentException("a terminating TLS listener needs at least one certificate");
        }
        if (mode == Mode.PASSTHROUGH && (!certificates.isEmpty() || clientValidation.isPresent())) {
            throw new IllegalArgumentException("a passthrough TLS listener takes no certificates or client validation");
        }
    }

    /** Terminating TLS with the given certificates and no client validation. */
    public static ListenerTls terminate(List<String> certificates) {
        return new ListenerTls(Mode.TERMINATE, certificates, Optional.empty());
    }

    /** Passthrough TLS. */
    public static ListenerTls passthrough() {
        return new ListenerTls(Mode.PASSTHROUGH, List.of(), Optional.empty());
    }

    /**
     * Frontend (client) certificate validation, Gateway API {@code tls.frontend}.
     *
     * @param caCertificates names of {@link Secret.CaBundle} secrets whose certificates are trusted
     * @param insecureFallback {@code AllowInsecureFallback}: connections without a valid client certificate are still
     *     accepted; otherwise ({@code AllowValidOnly}) they are refused during the handshake
     */
    public record ClientValidation(List<String> caCertificates, boolean insecureFallback) {
        public ClientValidation {
            caCertificates = Checks.nonEmptyList(caCertificates, "caCertificates");
        }
    }
}
