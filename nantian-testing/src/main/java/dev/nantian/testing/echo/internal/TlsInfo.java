package dev.nantian.testing.echo.internal;

import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The TLS facts upstream echoes in its {@code tls} object, captured once per connection after the handshake.
 *
 * @param version {@code TLSv1.3}, {@code TLSv1.2}, ...
 * @param serverName the SNI host name the client sent, or empty
 * @param negotiatedProtocol the ALPN protocol, or empty (then omitted from the JSON, as upstream does)
 * @param cipherSuite the IANA cipher suite name (Java and Go use the same names)
 * @param peerCertificates the client's certificate chain as PEM blocks, or empty
 */
public record TlsInfo(
        String version,
        String serverName,
        String negotiatedProtocol,
        String cipherSuite,
        List<String> peerCertificates) {

    public TlsInfo {
        peerCertificates = List.copyOf(peerCertificates);
    }

    /** Reads the state of an established session; {@code alpn} is the negotiated protocol or {@code null}. */
    public static TlsInfo of(SSLSession session, String alpn) {
        String sni = "";
        if (session instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    sni = host.getAsciiName();
                    break;
                }
            }
        }
        List<String> peers = new ArrayList<>();
        try {
            for (Certificate certificate : session.getPeerCertificates()) {
                peers.add(pem(certificate));
            }
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            // The client presented none (or was not asked): upstream then omits peerCertificates.
        }
        return new TlsInfo(session.getProtocol(), sni, alpn == null ? "" : alpn, session.getCipherSuite(), peers);
    }

    /** The PEM encoding Go's {@code pem.Encode} produces: 64-column base64 and a trailing newline. */
    static String pem(Certificate certificate) {
        byte[] der;
        try {
            der = certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode peer certificate", e);
        }
        String base64 = new String(
                Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encode(der),
                StandardCharsets.US_ASCII);
        return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
    }
}
