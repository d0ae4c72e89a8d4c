package dev.nantian.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.TcpRoute;
import dev.nantian.core.model.TlsRoute;
import dev.nantian.core.model.UdpRoute;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import dev.nantian.testing.echo.EchoServer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer 4: TLS passthrough by SNI next to an HTTPS listener on the same port, TLS terminated for a TLS route, TCP
 * with weighted backends and refused invalid ones, and UDP flows that stick to one endpoint until they expire.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class L4IT {
    private final TestPki pki = new TestPki();
    private TestPki.Issued ca;
    private EchoServer pass1;
    private EchoServer pass2;
    private EchoServer plain1;
    private EchoServer plain2;
    private EventLoopGroup udpGroup;
    private Channel udp1;
    private Channel udp2;
    private NantianProxy proxy;
    private int tlsPort;
    private int tcpPort;
    private int refusedPort;
    private int udpPort;
    private Path log;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        log = dir.resolve("access.log");
        ca = pki.ca("CA");
        TestPki.Issued p1 = pki.leaf("p1.example.com", List.of("p1.example.com"), ca);
        TestPki.Issued p2 = pki.leaf("p2.example.com", List.of("p2.example.com"), ca);
        TestPki.Issued https = pki.leaf("h.example.com", List.of("h.example.com"), ca);
        TestPki.Issued term = pki.leaf("t.example.com", List.of("t.example.com"), ca);
        pass1 = tlsEcho("pass1", p1);
        pass2 = tlsEcho("pass2", p2);
        plain1 = plainEcho("plain1");
        plain2 = plainEcho("plain2");
        udpGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        udp1 = Fixtures.udpEcho(udpGroup, "udp1");
        udp2 = Fixtures.udpEcho(udpGroup, "udp2");
        int[] ports = Fixtures.freePorts(4);
        tlsPort = ports[0];
        tcpPort = ports[1];
        refusedPort = ports[2];
        udpPort = ports[3];
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addSecret(new Secret.TlsKeyPair("ns/h", https.certificatePem(), https.keyPem()))
                .addSecret(new Secret.TlsKeyPair("ns/t", term.certificatePem(), term.keyPem()))
                .addCluster(Fixtures.rawCluster("pass1", pass1.httpsPort().getAsInt())
                        .build())
                .addCluster(Fixtures.rawCluster("pass2", pass2.httpsPort().getAsInt())
                        .build())
                .addCluster(Fixtures.rawCluster("plain1", plain1.httpPort()).build())
                .addCluster(Fixtures.rawCluster("plain2", plain2.httpPort()).build())
                .addCluster(Fixtures.cluster("http", plain1.httpPort()))
                .addCluster(Fixtures.rawCluster("udp1", port(udp1)).build())
                .addCluster(Fixtures.rawCluster("udp2", port(udp2)).build())
                .addListener(tlsListener(
                        "pass",
                        "*.example.com",
                        ListenerTls.passthrough(),
                        new TlsRoute(
                                RouteMeta.of("ns", "r1"),
                                List.of("p1.example.com"),
                                List.of(new L4Backend("pass1", 1))),
                        new TlsRoute(
                                RouteMeta.of("ns", "r2"),
                                List.of("p2.example.com"),
                                List.of(new L4Backend("pass2", 1)))))
                .addListener(tlsListener(
                        "term",
                        "t.example.com",
                        ListenerTls.terminate(List.of("ns/t")),
                        new TlsRoute(RouteMeta.of("ns", "t"), List.of(), List.of(new L4Backend("plain2", 1)))))
                .addListener(Listener.builder(
                                "https",
                                tlsPort,
                                ListenerProtocol.HTTPS,
                                new ListenerRoutes.Http(List.of(new VirtualHost(
                                        "h", List.of("*"), List.of(Fixtures.prefixTo("h", "/", "http"))))))
                        .address("127.0.0.1")
                        .hostname("h.example.com")
                        .tls(ListenerTls.terminate(List.of("ns/h")))
                        .build())
                .addListener(Listener.builder(
                                "tcp",
                                tcpPort,
                                ListenerProtocol.TCP,
                                new ListenerRoutes.Tcp(List.of(new TcpRoute(
                                        RouteMeta.of("ns", "tcp"),
                                        List.of(new L4Backend("plain1", 1), new L4Backend("plain2", 1))))))
                        .address("127.0.0.1")
                        .build())
                .addListener(Listener.builder(
                                "refused",
                                refusedPort,
                                ListenerProtocol.TCP,
                                new ListenerRoutes.Tcp(List.of(
                                        new TcpRoute(RouteMeta.of("ns", "bad"), List.of(new L4Backend("", 1))))))
                        .address("127.0.0.1")
                        .build())
                .addListener(Listener.builder(
                                "udp",
                                udpPort,
                                ListenerProtocol.UDP,
                                new ListenerRoutes.Udp(List.of(new UdpRoute(
                                        RouteMeta.of("ns", "udp"),
                                        List.of(new L4Backend("udp1", 1), new L4Backend("udp2", 1))))))
                        .address("127.0.0.1")
                        .build())
                .build();
        proxy = NantianProxy.builder()
                .eventLoopThreads(2)
                .idleTimeout(Duration.ofMillis(800))
                .accessLog(AccessLogSettings.builder()
                        .path(log)
                        .format("%PROTOCOL%|%ROUTE%|%UPSTREAM_CLUSTER%|%RESPONSE_FLAGS%|%BYTES_RECEIVED%|%BYTES_SENT%|"
                                + "%STATUS%|%CLIENT_IP%")
                        .sampleRate(1.0)
                        .build())
                .initialSnapshot(snapshot)
                .build();
        proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    void stop() {
        proxy.close();
        pass1.close();
        pass2.close();
        plain1.close();
        plain2.close();
        udpGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void passthroughSplicesTheClientsTlsToTheBackendChosenBySni() throws Exception {
        for (String name : List.of("p1.example.com", "p2.example.com")) {
            try (SSLSocket s = tls(tlsPort, name)) {
                s.startHandshake();
                X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
                // The backend's own certificate: the proxy did not terminate.
                assertThat(peer.getSubjectX500Principal().getName()).isEqualTo("CN=" + name);
                String response = http11(s, name);
                assertThat(response).startsWith("HTTP/1.1 200").contains(name.startsWith("p1") ? "pass1" : "pass2");
            }
        }
    }

    @Test
    void httpsListenerOnTheSamePortIsChosenBySni() throws Exception {
        try (SSLSocket s = tls(tlsPort, "h.example.com")) {
            s.startHandshake();
            X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
            assertThat(peer.getSubjectX500Principal().getName()).isEqualTo("CN=h.example.com");
            assertThat(http11(s, "h.example.com")).startsWith("HTTP/1.1 200").contains("plain1");
        }
    }

    @Test
    void terminatedTlsRouteForwardsTheDecryptedStream() throws Exception {
        try (SSLSocket s = tls(tlsPort, "t.example.com")) {
            s.startHandshake();
            X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
            assertThat(peer.getSubjectX500Principal().getName()).isEqualTo("CN=t.example.com");
            assertThat(http11(s, "t.example.com")).startsWith("HTTP/1.1 200").contains("plain2");
        }
    }

    @Test
    void tlsConnectionsAreLoggedWithTheirRouteAndBytes() throws Exception {
        String response;
        try (SSLSocket s = tls(tlsPort, "t.example.com")) {
            s.startHandshake();
            response = http11(s, "t.example.com");
        }
        // Terminated: the bytes are the decrypted stream's.
        String request = request("t.example.com");
        String[] t = logLine("TLS|ns/t/rule/0|");
        assertThat(t[2]).isEqualTo("plain2");
        assertThat(t[3]).isEqualTo("-");
        assertThat(Long.parseLong(t[4])).isEqualTo(request.length());
        assertThat(Long.parseLong(t[5])).isEqualTo(response.getBytes(StandardCharsets.UTF_8).length);
        assertThat(t[6]).isEqualTo("-");
        assertThat(t[7]).isEqualTo("127.0.0.1");

        try (SSLSocket s = tls(tlsPort, "p1.example.com")) {
            s.startHandshake();
            http11(s, "p1.example.com");
        }
        // Passthrough: the encrypted bytes, ClientHello included.
        String[] p = logLine("TLS|ns/r1/rule/0|");
        assertThat(p[2]).isEqualTo("pass1");
        assertThat(Long.parseLong(p[4])).isGreaterThan(request.length());
        assertThat(Long.parseLong(p[5])).isGreaterThan(0);

        try (SSLSocket s = tls(tlsPort, "p3.example.com")) {
            assertThatThrownBy(s::startHandshake).isInstanceOf(java.io.IOException.class);
        }
        assertThat(logLine("TLS|-|-|NR|")).isNotNull();
    }

    /** The first access log line starting with {@code prefix}, split at {@code |}, once it is written. */
    private String[] logLine(String prefix) {
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> (Files.exists(log) ? Files.readAllLines(log) : List.<String>of())
                                .stream()
                                        .filter(l -> l.startsWith(prefix))
                                        .findFirst()
                                        .map(l -> l.split("\\|", -1))
                                        .orElse(null),
                        f -> f != null);
    }

    @Test
    void unknownServerNameIsRefused() throws Exception {
        // *.example.com takes p3 but none of its routes does; other.org matches no listener.
        for (String name : List.of("p3.example.com", "other.org")) {
            try (SSLSocket s = tls(tlsPort, name)) {
                assertThatThrownBy(s::startHandshake).isInstanceOf(java.io.IOException.class);
            }
        }
    }

    @Test
    void tcpConnectionsSpreadOverWeightedBackends() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            try (Socket s = new Socket("127.0.0.1", tcpPort)) {
                s.setSoTimeout(5000);
                String response = http11(s, "tcp.example");
                assertThat(response).startsWith("HTTP/1.1 200");
                seen.add(response.contains("plain1") ? "plain1" : "plain2");
            }
        }
        assertThat(seen).containsExactlyInAnyOrder("plain1", "plain2");
    }

    @Test
    void tcpRouteToAnInvalidBackendRefusesConnections() throws Exception {
        try (Socket s = new Socket("127.0.0.1", refusedPort)) {
            s.setSoTimeout(5000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void udpFlowsStickToOneEndpointUntilIdle() throws Exception {
        try (DatagramSocket client = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(5000);
            String first = Fixtures.udpRoundTrip(client, udpPort, "a");
            assertThat(first).endsWith(":a");
            for (int i = 0; i < 5; i++) {
                assertThat(Fixtures.udpRoundTrip(client, udpPort, "b" + i)).isEqualTo(first.split(":")[0] + ":b" + i);
            }
            // After the flow expired, the next datagram starts a new flow: round robin moves to the other backend.
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(1500))
                    .until(() -> !Fixtures.udpRoundTrip(client, udpPort, "c").startsWith(first.split(":")[0]));
        }
    }

    private static String http11(Socket s, String host) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(request(host).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        int n;
        while ((n = in.read(chunk)) > 0) {
            buf.write(chunk, 0, n);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static String request(String host) {
        return "GET /l4 HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
    }

    private SSLSocket tls(int port, String sni) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        return s;
    }

    private Listener tlsListener(String name, String hostname, ListenerTls tls, TlsRoute r1, TlsRoute r2) {
        return Listener.builder(name, tlsPort, ListenerProtocol.TLS, new ListenerRoutes.Tls(List.of(r1, r2)))
                .address("127.0.0.1")
                .hostname(hostname)
                .tls(tls)
                .build();
    }

    private Listener tlsListener(String name, String hostname, ListenerTls tls, TlsRoute r) {
        return Listener.builder(name, tlsPort, ListenerProtocol.TLS, new ListenerRoutes.Tls(List.of(r)))
                .address("127.0.0.1")
                .hostname(hostname)
                .tls(tls)
                .build();
    }

    private static int port(Channel ch) {
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    private EchoServer tlsEcho(String pod, TestPki.Issued cert) throws Exception {
        EchoServer e = EchoServer.builder(pod, "ns")
                .httpPort(0)
                .httpsPort(0)
                .tlsCertificate(cert.certificatePem(), cert.keyPem())
                .build();
        e.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return e;
    }

    private static EchoServer plainEcho(String pod) throws Exception {
        EchoServer e = EchoServer.builder(pod, "ns").httpPort(0).build();
        e.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return e;
    }
}
