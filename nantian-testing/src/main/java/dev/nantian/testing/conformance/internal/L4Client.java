package dev.nantian.testing.conformance.internal;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The layer-4 probes of upstream's {@code conformance/utils/tcp}, {@code tls} and {@code udp}: blocking sockets, a
 * new connection (or datagram socket) per probe, every read and write bounded by the probe's timeout. Stateless and
 * thread-safe.
 */
final class L4Client {

    /** The TCP echo server's first line. */
    static final String WELCOME = "Gateway API Test TCP Server\n";

    /** The TLS side of a TCP probe: the SNI and the certificates trusted for the gateway's (or backend's) chain. */
    record Tls(String serverName, List<X509Certificate> roots) {}

    /** What {@code tcp.ExpectedResponse} asks of the backend's answers. */
    record TcpExpectation(boolean backendIsTls, String backend, String namespace, String hostname) {}

    private L4Client() {}

    /**
     * One round of upstream's {@code WaitForValidTCPResponse}: dial (with TLS when {@code tls} is set), read the
     * welcome line, {@code PING} for {@code PONG}, {@code IS_TLS} for the expected flag, {@code TEST} for the
     * assertions, which must name the namespace, a pod of the backend and (when expected) the SNI the backend saw.
     *
     * @return null when everything matched, else what did not
     */
    static String tcpRound(InetSocketAddress address, Tls tls, TcpExpectation expected, Duration timeout) {
        try (Socket socket = connect(address, tls, timeout)) {
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            String welcome = readLine(in);
            if (!WELCOME.equals(welcome)) {
                return "TCP server welcome message does not match: got " + quote(welcome);
            }
            send(out, "PING\n");
            String pong = readLine(in);
            if (!"PONG\n".equals(pong)) {
                return "TCP server PING response does not match: got " + quote(pong);
            }
            send(out, "IS_TLS\n");
            String isTls = strip(readLine(in));
            if (!Boolean.toString(expected.backendIsTls()).equals(isTls)) {
                return "TCP server TLS response does not match: got " + quote(isTls) + ", want "
                        + expected.backendIsTls();
            }
            send(out, "TEST\n");
            JsonNode payload = Json.JSON.readTree(readLine(in));
            String namespace = Json.text(payload, "namespace", "");
            if (!namespace.equals(expected.namespace())) {
                return "namespace does not match: got " + quote(namespace) + ", want " + quote(expected.namespace());
            }
            String pod = Json.text(payload, "pod", "");
            if (!pod.startsWith(expected.backend() + "-")) {
                return "backend name does not match with pod prefix: pod=" + quote(pod) + " backend="
                        + quote(expected.backend());
            }
            if (!expected.hostname().isEmpty()) {
                JsonNode assertions = payload.get("tls");
                if (assertions == null || !assertions.isObject()) {
                    return "TLS server name does not match: no TLS assertions received, want "
                            + quote(expected.hostname());
                }
                String serverName = Json.text(assertions, "serverName", "");
                if (!serverName.equals(expected.hostname())) {
                    return "TLS server name does not match: got " + quote(serverName) + ", want "
                            + quote(expected.hostname());
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return describe(e);
        }
    }

    /**
     * Upstream's {@code tcp.EchoSendOnce}: dial, check the welcome line, {@code TEST}, return the answering pod.
     *
     * @throws IOException naming what failed
     */
    static String tcpEchoOnce(InetSocketAddress address, Duration timeout) throws IOException {
        try (Socket socket = connect(address, null, timeout)) {
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String welcome = readLine(in);
            if (!WELCOME.equals(welcome)) {
                throw new IOException("unexpected TCP welcome message: " + quote(welcome));
            }
            send(socket.getOutputStream(), "TEST\n");
            String line = readLine(in);
            String pod;
            try {
                pod = Json.text(Json.JSON.readTree(line), "pod", "");
            } catch (JacksonException e) {
                throw new IOException("decoding TCP echo response " + quote(line) + ": " + e.getOriginalMessage(), e);
            }
            if (pod.isEmpty()) {
                throw new IOException("TCP echo response missing pod name: " + quote(line));
            }
            return pod;
        }
    }

    /**
     * One try of upstream's {@code MakeTLSConnectionAndExpectEventuallyConnectionRejection}: whether the gateway
     * accepted the TCP connection and then ended it during the TLS handshake (EOF or reset). A refused connection,
     * a TLS alert or a completed handshake are not a rejection.
     *
     * @return null when rejected, else what happened instead
     */
    static String tlsRejected(InetSocketAddress address, String serverName, Duration timeout) {
        Socket plain = new Socket();
        try {
            plain.connect(address, (int) timeout.toMillis());
        } catch (IOException e) {
            closeQuietly(plain);
            return "client could not connect: " + describe(e);
        }
        // Go's client verifies the chain against the system roots: nothing here would pass, which is fine, the
        // handshake must not get that far.
        ClientTls tls = new ClientTls(List.of(), serverName, null, null);
        try (SSLSocket socket = (SSLSocket) tls.context()
                .getSocketFactory()
                .createSocket(plain, address.getHostString(), address.getPort(), true)) {
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setSSLParameters(parameters(socket, serverName));
            socket.startHandshake();
            return "client could connect (handshake completed)";
        } catch (IOException e) {
            if (isRejection(e)) {
                return null;
            }
            return "handshake failed other than by a closed connection: " + describe(e);
        } finally {
            closeQuietly(plain);
        }
    }

    /** Go's {@code isConnectionRejected}: EOF or a connection reset, anywhere in the cause chain. */
    static boolean isRejection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException) {
                return true;
            }
            String message = String.valueOf(t.getMessage());
            if (message.contains("Remote host terminated the handshake")
                    || message.contains("Connection reset")
                    || (t instanceof SocketException && message.contains("Broken pipe"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Upstream's UDP probe: a fresh socket, one datagram, one answer within {@code timeout}.
     *
     * @return the answer's text
     * @throws IOException when nothing came back in time
     */
    static String udpExchange(InetSocketAddress address, String payload, Duration timeout) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(address);
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
            socket.send(new DatagramPacket(bytes, bytes.length));
            byte[] buffer = new byte[4096];
            DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
            socket.receive(answer);
            return new String(buffer, 0, answer.getLength(), StandardCharsets.UTF_8);
        }
    }

    private static Socket connect(InetSocketAddress address, Tls tls, Duration timeout) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(address, (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            if (tls == null) {
                return plain;
            }
            ClientTls context = new ClientTls(tls.roots(), tls.serverName(), null, null);
            SSLSocket socket = (SSLSocket) context.context()
                    .getSocketFactory()
                    .createSocket(plain, address.getHostString(), address.getPort(), true);
            socket.setSSLParameters(parameters(socket, tls.serverName()));
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(plain);
            throw e;
        }
    }

    private static SSLParameters parameters(SSLSocket socket, String serverName) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (serverName != null && !serverName.isEmpty() && !serverName.matches("[0-9.]+|.*:.*")) {
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
        } else {
            parameters.setServerNames(List.of());
        }
        return parameters;
    }

    /** A line with its {@code \n}, as Go's {@code ReadString('\n')}. */
    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed after " + quote(sb.toString()));
            }
            sb.append((char) c);
            if (c == '\n') {
                return sb.toString();
            }
            if (sb.length() > 1 << 20) {
                throw new IOException("line longer than 1 MiB");
            }
        }
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String strip(String line) {
        return line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\n", "\\n") + "\"";
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
