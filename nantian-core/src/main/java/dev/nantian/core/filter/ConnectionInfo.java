package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import javax.net.ssl.SSLSession;

/**
 * What a filter may know about the downstream connection. The host creates one per connection, so exchanges on it
 * share the instance and pay nothing per request.
 */
public final class ConnectionInfo {
    private final InetSocketAddress remoteAddress;
    private final InetSocketAddress localAddress;
    private final SSLSession tlsSession;
    private final String sni;

    private ConnectionInfo(
            InetSocketAddress remoteAddress, InetSocketAddress localAddress, SSLSession tlsSession, String sni) {
        this.remoteAddress = requireNonNull(remoteAddress, "remoteAddress");
        this.localAddress = requireNonNull(localAddress, "localAddress");
        this.tlsSession = tlsSession;
        this.sni = sni;
    }

    /** A plaintext connection. */
    public static ConnectionInfo plaintext(InetSocketAddress remoteAddress, InetSocketAddress localAddress) {
        return new ConnectionInfo(remoteAddress, localAddress, null, null);
    }

    /**
     * A TLS connection.
     *
     * @param sni the server name the client asked for, or {@code null} if it sent none
     */
    public static ConnectionInfo tls(
            InetSocketAddress remoteAddress, InetSocketAddress localAddress, SSLSession session, String sni) {
        return new ConnectionInfo(remoteAddress, localAddress, requireNonNull(session, "session"), sni);
    }

    /** The client's address (the TCP peer; forwarded-for headers are the filters' business). */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** The gateway's address the client connected to. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Whether the connection is TLS. */
    public boolean isTls() {
        return tlsSession != null;
    }

    /** The TLS session (protocol, cipher suite, peer certificates), or {@code null} for plaintext. */
    public SSLSession tlsSession() {
        return tlsSession;
    }

    /** The SNI server name, or {@code null} for plaintext or when the client sent none. */
    public String sni() {
        return sni;
    }

    @Override
    public String toString() {
        return "ConnectionInfo(" + remoteAddress + " -> " + localAddress + (isTls() ? ", tls sni=" + sni : "") + ")";
    }
}
