package dev.nantian.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.VirtualHost;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * HTTPS listeners: certificates chosen by SNI (PKCS#8, PKCS#1 and SEC1 keys), ALPN HTTP/2 and HTTP/1.1, 421 for a
 * request whose host belongs to another listener than its connection's SNI, and client-certificate validation with
 * and without insecure fallback. Four listeners share one port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsIT {
    private final TestPki pki = new TestPki();
    private TestPki.Issued ca;
    private TestPki.Issued clientCa;
    private TestPki.Issued client;
    private TestPki.Issued strangerClient;
    private TestBackend backend;
    private NantianProxy proxy;
    private int port;
    private EventLoopGroup clientGroup;

    @BeforeAll
    void start() throws Exception {
        ca = pki.ca("server CA");
        clientCa = pki.ca("client CA");
        client = pki.leaf("client", List.of(), clientCa);
        strangerClient = pki.leaf("stranger", List.of(), pki.ca("other CA"));
        TestPki.Issued a = pki.leaf("a.example.com", List.of("a.example.com"), ca);
        TestPki.Issued wild = pki.rsaLeaf("wild", List.of("*.wild.example.com", "other.org", "127.0.0.1"), ca);
        TestPki.Issued a2 = pki.leaf("a2.example.com", List.of("a2.example.com"), ca);
        TestPki.Issued b = pki.leaf("b.example.com", List.of("b.example.com"), ca);
        TestPki.Issued fb = pki.leaf("fb.example.com", List.of(), ca); // CN only
        backend = TestBackend.http1("h1");
        port = Fixtures.freePort();
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addCluster(Fixtures.cluster("h1", backend.port()))
                .addSecret(new Secret.TlsKeyPair("ns/a", a.certificatePem(), a.keyPem()))
                .addSecret(new Secret.TlsKeyPair(
                        "ns/wild", wild.certificatePem(), wild.keyPem(TestPki.KeyFormat.TRADITIONAL)))
                .addSecret(new Secret.TlsKeyPair("ns/a2", a2.certificatePem(), a2.keyPem()))
                .addSecret(new Secret.TlsKeyPair("ns/b", b.certificatePem(), b.keyPem(TestPki.KeyFormat.TRADITIONAL)))
                .addSecret(new Secret.TlsKeyPair("ns/fb", fb.certificatePem(), fb.keyPem()))
                .addSecret(new Secret.CaBundle("ns/client-ca", clientCa.certificatePem()))
                .addListener(https("https-a", "a.example.com", ListenerTls.terminate(List.of("ns/a"))))
                .addListener(https("https-any", null, ListenerTls.terminate(List.of("ns/wild", "ns/a2"))))
                .addListener(https(
                        "https-b",
                        "b.example.com",
                        new ListenerTls(
                                ListenerTls.Mode.TERMINATE,
                                List.of("ns/b"),
                                Optional.of(new ListenerTls.ClientValidation(List.of("ns/client-ca"), false)))))
                .addListener(https(
                        "https-fb",
                        "fb.example.com",
                        new ListenerTls(
                                ListenerTls.Mode.TERMINATE,
                                List.of("ns/fb"),
                                Optional.of(new ListenerTls.ClientValidation(List.of("ns/client-ca"), true)))))
                .build();
        proxy = Fixtures.startProxy(snapshot, 2);
        clientGroup = Fixtures.clientGroup();
    }

    @AfterAll
    void stop() {
        proxy.close();
        backend.close();
        Fixtures.shutdown(clientGroup);
    }

    private Listener https(String name, String hostname, ListenerTls tls) {
        Listener.Builder b = Listener.builder(
                        name,
                        port,
                        ListenerProtocol.HTTPS,
                        new ListenerRoutes.Http(List.of(new VirtualHost(
                                name, List.of("*"), List.of(Fixtures.prefixTo(name + "-route", "/", "h1"))))))
                .address("127.0.0.1")
                .tls(tls);
        if (hostname != null) {
            b.hostname(hostname);
        }
        return b.build();
    }

    @Test
    void sniPicksTheListenerAndTheCertificate() throws Exception {
        assertThat(serverCertificate("a.example.com").getSubjectX500Principal().getName())
                .isEqualTo("CN=a.example.com");
        // One listener, two certificates: exact name, then wildcard, then the first one.
        assertThat(serverCertificate("a2.example.com").getSubjectX500Principal().getName())
                .isEqualTo("CN=a2.example.com");
        assertThat(serverCertificate("x.wild.example.com")
                        .getSubjectX500Principal()
                        .getName())
                .isEqualTo("CN=wild");
        assertThat(serverCertificate("zzz.org").getSubjectX500Principal().getName())
                .isEqualTo("CN=wild");
        assertThat(serverCertificate(null).getSubjectX500Principal().getName()).isEqualTo("CN=wild");
    }

    @Test
    void http11AndHttp2OverTlsReachTheBackend() throws Exception {
        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            HttpClient client = HttpClient.newBuilder()
                    .version(version)
                    .sslContext(clientContext(null))
                    .build();
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/v/" + version))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(version);
            assertThat(r.body()).startsWith("h1 GET /v/" + version).contains("x-forwarded-proto: https");
        }
        try (H2Client h2 = H2Client.connect(clientGroup, "127.0.0.1", port, h2Context(), "a.example.com")) {
            assertThat(h2.send(request("a.example.com")).status()).isEqualTo(200);
        }
    }

    @Test
    void requestForAnotherListenersHostIsMisdirected() throws Exception {
        try (H2Client h2 = H2Client.connect(clientGroup, "127.0.0.1", port, h2Context(), "a.example.com")) {
            assertThat(h2.send(request("a.example.com")).status()).isEqualTo(200);
            assertThat(h2.send(request("b.example.com")).status()).isEqualTo(421);
            // Any other host belongs to the catch-all listener, not to the one SNI chose.
            assertThat(h2.send(request("unknown.org")).status()).isEqualTo(421);
        }
        try (H2Client h2 = H2Client.connect(clientGroup, "127.0.0.1", port, h2Context(), "other.org")) {
            assertThat(h2.send(request("unknown.org")).status()).isEqualTo(200);
            assertThat(h2.send(request("a.example.com")).status()).isEqualTo(421);
        }
        assertThat(http11("a.example.com", "b.example.com:" + port, null))
                .isEqualTo("HTTP/1.1 421 Misdirected Request");
    }

    @Test
    void requiredClientCertificateIsValidatedInTheHandshake() throws Exception {
        assertThat(http11("b.example.com", "b.example.com", key(client))).isEqualTo("HTTP/1.1 200 OK");
        assertThatThrownBy(() -> http11("b.example.com", "b.example.com", null)).isInstanceOf(Exception.class);
        assertThatThrownBy(() -> http11("b.example.com", "b.example.com", key(strangerClient)))
                .isInstanceOf(Exception.class);
    }

    @Test
    void insecureFallbackAcceptsMissingAndUntrustedClientCertificates() throws Exception {
        assertThat(http11("fb.example.com", "fb.example.com", null)).isEqualTo("HTTP/1.1 200 OK");
        assertThat(http11("fb.example.com", "fb.example.com", key(strangerClient)))
                .isEqualTo("HTTP/1.1 200 OK");
        assertThat(http11("fb.example.com", "fb.example.com", key(client))).isEqualTo("HTTP/1.1 200 OK");
    }

    @Test
    void plainTextOnTheTlsPortIsClosed() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    private FullHttpRequest request(String host) {
        FullHttpRequest req =
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/m", Unpooled.EMPTY_BUFFER);
        req.headers().set("host", host);
        req.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "https");
        return req;
    }

    private X509Certificate serverCertificate(String sni) throws Exception {
        try (SSLSocket s = socket(sni, null)) {
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    /** One HTTP/1.1 request over TLS; returns the status line. */
    private String http11(String sni, String host, KeyManagerFactory keys) throws Exception {
        try (SSLSocket s = socket(sni, keys)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /h1 HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            if (line == null) {
                throw new java.io.EOFException("connection closed");
            }
            return line;
        }
    }

    private SSLSocket socket(String sni, KeyManagerFactory keys) throws Exception {
        SSLSocket s = (SSLSocket) clientContext(keys).getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        return s;
    }

    private SSLContext clientContext(KeyManagerFactory keys) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys == null ? null : keys.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private KeyManagerFactory key(TestPki.Issued issued) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        PrivateKey key = issued.key();
        ks.setKeyEntry("k", key, new char[0], new X509Certificate[] {issued.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        return kmf;
    }

    private SslContext h2Context() throws Exception {
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .trustManager(ca.certificate())
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2))
                .build();
    }
}
