package dev.nantian.testing.echo.internal;

/**
 * The JSON documents of upstream's layer-4 echo servers, written as Go's {@code json.Marshal} writes them (struct
 * field order, no indentation, {@code omitempty} fields left out when empty).
 */
public final class L4Json {

    private L4Json() {}

    /**
     * The {@code TEST} answer of the TCP echo server ({@code tcpserver.TCPAssertions}).
     *
     * @param tcpPort upstream's {@code TCP_PORT}
     * @param tlsPort upstream's {@code TLS_PORT}
     * @param tls the TLS facts of the connection, or null on the plain port
     */
    public static String tcpAssertions(EchoJson.Identity identity, String tcpPort, String tlsPort, TlsInfo tls) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"namespace\":").append(EchoJson.quote(identity.namespace()));
        sb.append(",\"ingress\":").append(EchoJson.quote(identity.ingress()));
        sb.append(",\"service\":").append(EchoJson.quote(identity.service()));
        sb.append(",\"pod\":").append(EchoJson.quote(identity.pod()));
        sb.append(",\"tcpport\":").append(EchoJson.quote(tcpPort));
        if (!tlsPort.isEmpty()) {
            sb.append(",\"tlsport\":").append(EchoJson.quote(tlsPort));
        }
        sb.append(",\"isTLS\":").append(tls != null);
        if (tls != null) {
            sb.append(",\"tls\":{\"version\":").append(EchoJson.quote(goVersionName(tls.version())));
            sb.append(",\"serverName\":").append(EchoJson.quote(tls.serverName()));
            if (!tls.negotiatedProtocol().isEmpty()) {
                sb.append(",\"negotiatedProtocol\":").append(EchoJson.quote(tls.negotiatedProtocol()));
            }
            // Go also reports the key-exchange curve; the JDK does not expose it, and the field is omitempty.
            sb.append(",\"cipherSuite\":").append(EchoJson.quote(tls.cipherSuite()));
            sb.append('}');
        }
        return sb.append('}').toString();
    }

    /** The UDP echo server's answer to one datagram ({@code udpechoserver.EchoResponse}). */
    public static String udpEcho(EchoJson.Identity identity, String request) {
        return "{\"request\":" + EchoJson.quote(request)
                + ",\"namespace\":" + EchoJson.quote(identity.namespace())
                + ",\"ingress\":" + EchoJson.quote(identity.ingress())
                + ",\"service\":" + EchoJson.quote(identity.service())
                + ",\"pod\":" + EchoJson.quote(identity.pod()) + "}";
    }

    /** Go's {@code tls.VersionName}: {@code TLSv1.3} becomes {@code TLS 1.3}. */
    static String goVersionName(String jdkProtocol) {
        return jdkProtocol.startsWith("TLSv") ? "TLS " + jdkProtocol.substring(4) : jdkProtocol;
    }
}
