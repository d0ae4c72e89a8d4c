package dev.nantian.testing.conformance.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.testing.echo.GrpcEchoServer;
import dev.nantian.testing.echo.L4EchoServer;
import dev.nantian.testing.echo.internal.GrpcEchoMethods;
import dev.nantian.testing.echo.internal.grpcecho.EchoRequest;
import dev.nantian.testing.echo.internal.grpcecho.EchoResponse;
import dev.nantian.testing.echo.internal.grpcecho.Header;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The gRPC, TCP, TLS and UDP echo twins against the runner's own clients, over real loopback sockets: what the
 * servers answer must be what upstream's helpers accept, and the clients must tell a wrong answer apart.
 */
class OtherTrafficEchoIT {

    private static final String NS = "gateway-conformance-infra";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final SuiteCertificates CERTS = SuiteCertificates.generate(Clock.systemUTC());

    private final InetAddress loopback = InetAddress.getLoopbackAddress();
    private AutoCloseable server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private L4EchoServer l4(L4EchoServer.Builder builder) {
        L4EchoServer s =
                builder.bindAddress(loopback).serviceName("tcp-backend").build();
        server = s;
        s.start().toCompletableFuture().join();
        return s;
    }

    @Test
    void plainTcpEchoPassesUpstreamsChecksOnlyForTheRightBackend() {
        L4EchoServer s = l4(L4EchoServer.builder("tcp-backend-5d8f9-0", NS).tcpPort(0));
        InetSocketAddress address = new InetSocketAddress(loopback, s.tcpPort().getAsInt());

        assertThat(L4Client.tcpRound(address, null, new L4Client.TcpExpectation(false, "tcp-backend", NS, ""), TIMEOUT))
                .isNull();
        assertThat(L4Client.tcpRound(
                        address, null, new L4Client.TcpExpectation(false, "tcp-backend-v2", NS, ""), TIMEOUT))
                .contains("pod prefix");
        assertThat(L4Client.tcpRound(address, null, new L4Client.TcpExpectation(true, "tcp-backend", NS, ""), TIMEOUT))
                .contains("TLS response does not match");
        assertThat(L4Client.tcpRound(
                        address, null, new L4Client.TcpExpectation(false, "tcp-backend", "other", ""), TIMEOUT))
                .contains("namespace does not match");
    }

    @Test
    void tcpEchoOnceReturnsThePodAndTheTestDocumentHasUpstreamsFields() throws Exception {
        L4EchoServer s = l4(L4EchoServer.builder("tcp-backend-5d8f9-1", NS).tcpPort(0));
        InetSocketAddress address = new InetSocketAddress(loopback, s.tcpPort().getAsInt());

        assertThat(L4Client.tcpEchoOnce(address, TIMEOUT)).isEqualTo("tcp-backend-5d8f9-1");
        try (Socket socket = new Socket(loopback, address.getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("NOISE\r\nTEST\r\n".getBytes(StandardCharsets.UTF_8));
            String all = new String(readUntil(socket, 2), StandardCharsets.UTF_8);
            String[] lines = all.split("\n");
            assertThat(lines[0]).isEqualTo("Gateway API Test TCP Server");
            JsonNode doc = Json.JSON.readTree(lines[1]);
            assertThat(doc.get("namespace").asString()).isEqualTo(NS);
            assertThat(doc.get("service").asString()).isEqualTo("tcp-backend");
            assertThat(doc.get("pod").asString()).isEqualTo("tcp-backend-5d8f9-1");
            assertThat(doc.get("tcpport").asString()).isEqualTo("0");
            assertThat(doc.get("isTLS").asBoolean()).isFalse();
            assertThat(doc.has("tls")).isFalse();
        }
    }

    @Test
    void tlsEchoTerminatesWithItsOwnCertificateAndReportsTheSni() {
        SuiteCertificates.Material cert = CERTS.secret(NS, "tls-passthrough-checks-certificate");
        L4EchoServer s =
                l4(L4EchoServer.builder("tcp-backend-5d8f9-0", NS).tlsPort(0, cert.certificatePem(), cert.keyPem()));
        InetSocketAddress address = new InetSocketAddress(loopback, s.tlsPort().getAsInt());
        L4Client.Tls tls = new L4Client.Tls("abc.example.com", List.of(cert.issuer()));

        assertThat(L4Client.tcpRound(
                        address, tls, new L4Client.TcpExpectation(true, "tcp-backend", NS, "abc.example.com"), TIMEOUT))
                .isNull();
        assertThat(L4Client.tcpRound(
                        address,
                        tls,
                        new L4Client.TcpExpectation(true, "tcp-backend", NS, "other.example.com"),
                        TIMEOUT))
                .contains("TLS server name does not match");
        // A name the certificate does not carry fails the client's verification, as in Go.
        assertThat(L4Client.tcpRound(
                        address,
                        new L4Client.Tls("tls.example.com", List.of(cert.issuer())),
                        new L4Client.TcpExpectation(true, "tcp-backend", NS, ""),
                        TIMEOUT))
                .isNotNull();
    }

    @Test
    void tlsRejectionMeansAcceptedThenClosedNotRefusedNorServed() throws Exception {
        try (ServerSocket closer = new ServerSocket(0, 50, loopback)) {
            Thread acceptor = new Thread(() -> {
                while (!closer.isClosed()) {
                    try (Socket s = closer.accept()) {
                        s.getInputStream().read(); // the ClientHello arrives, then the connection ends
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            assertThat(L4Client.tlsRejected(
                            new InetSocketAddress(loopback, closer.getLocalPort()), "example.com", TIMEOUT))
                    .isNull();
        }
        int freePort;
        try (ServerSocket probe = new ServerSocket(0, 1, loopback)) {
            freePort = probe.getLocalPort();
        }
        assertThat(L4Client.tlsRejected(new InetSocketAddress(loopback, freePort), "example.com", TIMEOUT))
                .startsWith("client could not connect");

        SuiteCertificates.Material cert = CERTS.secret(NS, "tls-passthrough-checks-certificate");
        L4EchoServer s =
                l4(L4EchoServer.builder("tcp-backend-5d8f9-0", NS).tlsPort(0, cert.certificatePem(), cert.keyPem()));
        assertThat(L4Client.tlsRejected(
                        new InetSocketAddress(loopback, s.tlsPort().getAsInt()), "abc.example.com", TIMEOUT))
                .isNotNull();
    }

    @Test
    void udpEchoAnswersEachDatagramWithTheEnvelope() throws Exception {
        L4EchoServer s = l4(L4EchoServer.builder("udp-backend-v1-5d8f9-0", NS).udpPort(0));
        InetSocketAddress address = new InetSocketAddress(loopback, s.udpPort().getAsInt());

        JsonNode echo = Json.JSON.readTree(L4Client.udpExchange(address, "hello \"udp\"\n", TIMEOUT));
        assertThat(echo.get("request").asString()).isEqualTo("hello \"udp\"\n");
        assertThat(echo.get("namespace").asString()).isEqualTo(NS);
        assertThat(echo.get("service").asString()).isEqualTo("tcp-backend");
        assertThat(echo.get("pod").asString()).isEqualTo("udp-backend-v1-5d8f9-0");
        assertThat(OtherTraffic.deployment(echo.get("pod").asString())).isEqualTo("udp-backend-v1");
        assertThatThrownBy(() -> L4Client.udpExchange(
                        new InetSocketAddress(loopback, s.udpPort().getAsInt() == 1 ? 2 : 1),
                        "x",
                        Duration.ofMillis(300)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void grpcEchoServesEchoAndEchoTwoAndLeavesEchoThreeUnimplemented() {
        GrpcEchoServer s = GrpcEchoServer.builder("grpc-infra-backend-v1-5d8f9-0", NS)
                .bindAddress(loopback)
                .httpPort(0)
                .serviceName("grpc-infra-backend-v1")
                .build();
        server = s;
        s.start().toCompletableFuture().join();
        InetSocketAddress address = new InetSocketAddress(loopback, s.httpPort().getAsInt());
        String echo = "/" + GrpcEchoMethods.SERVICE + "/Echo";
        try (GrpcProbe probe = new GrpcProbe(address)) {
            GrpcProbe.Result r = probe.call(echo, Map.of("Version", "one"), TIMEOUT);
            assertThat(r.code()).isEqualTo(Status.Code.OK);
            var assertions = r.response().getAssertions();
            assertThat(assertions.getFullyQualifiedMethod()).isEqualTo(echo);
            assertThat(assertions.getAuthority()).isEqualTo(address.getHostString() + ":" + address.getPort());
            assertThat(assertions.getHeadersList())
                    .extracting(Header::getKey, Header::getValue)
                    .contains(
                            org.assertj.core.groups.Tuple.tuple("version", "one"),
                            org.assertj.core.groups.Tuple.tuple(":authority", assertions.getAuthority()))
                    .noneMatch(t -> t.toList().get(0).equals("content-type"));
            assertThat(assertions.getContext().getNamespace()).isEqualTo(NS);
            assertThat(assertions.getContext().getServiceName()).isEqualTo("grpc-infra-backend-v1");
            assertThat(assertions.hasTlsAssertions()).isFalse();
            assertThat(OtherTraffic.compareGrpc(r, Status.Code.OK, echo, NS, "grpc-infra-backend-v1"))
                    .isNull();
            assertThat(OtherTraffic.compareGrpc(r, Status.Code.OK, echo, NS, "grpc-infra-backend-v2"))
                    .contains("expected pod name to start with grpc-infra-backend-v2");
            assertThat(OtherTraffic.compareGrpc(r, Status.Code.OK, echo + "Two", NS, ""))
                    .contains("expected path");

            GrpcProbe.Result two = probe.call(echo + "Two", Map.of(), TIMEOUT);
            assertThat(two.response().getAssertions().getFullyQualifiedMethod()).isEqualTo(echo + "Two");

            GrpcProbe.Result three = probe.call(echo + "Three", Map.of(), TIMEOUT);
            assertThat(three.code()).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(OtherTraffic.compareGrpc(three, Status.Code.UNIMPLEMENTED, echo + "Three", "", ""))
                    .isNull();
            assertThat(OtherTraffic.compareGrpc(three, Status.Code.OK, echo + "Three", "", ""))
                    .contains("UNIMPLEMENTED");
        }
    }

    @Test
    void grpcEchoOnItsTlsPortReportsTheTlsFacts() throws Exception {
        SuiteCertificates.Material cert = CERTS.secret(NS, "tls-checks-certificate");
        GrpcEchoServer s = GrpcEchoServer.builder("grpc-tls-5d8f9-0", NS)
                .bindAddress(loopback)
                .httpPort(0)
                .httpsPort(0, cert.certificatePem(), cert.keyPem())
                .build();
        server = s;
        s.start().toCompletableFuture().join();
        String caPem = pem(cert.issuer());
        ManagedChannel channel = NettyChannelBuilder.forAddress(
                        loopback.getHostAddress(),
                        s.httpsPort().getAsInt(),
                        TlsChannelCredentials.newBuilder()
                                .trustManager(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))
                                .build())
                .overrideAuthority("abc.example.com")
                .build();
        try {
            EchoResponse response = ClientCalls.blockingUnaryCall(
                    channel,
                    GrpcEchoMethods.ECHO,
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                    EchoRequest.getDefaultInstance());
            var tls = response.getAssertions().getTlsAssertions();
            assertThat(tls.getServerName()).isEqualTo("abc.example.com");
            assertThat(tls.getNegotiatedProtocol()).isEqualTo("h2");
            assertThat(tls.getVersion()).startsWith("TLSv1.");
            assertThat(tls.getCipherSuite()).startsWith("TLS_");
        } finally {
            channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
    }

    private static String pem(X509Certificate certificate) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    private static byte[] readUntil(Socket socket, int newlines) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int seen = 0;
        while (seen < newlines) {
            int b = socket.getInputStream().read();
            if (b < 0) {
                break;
            }
            out.write(b);
            if (b == '\n') {
                seen++;
            }
        }
        return out.toByteArray();
    }
}
