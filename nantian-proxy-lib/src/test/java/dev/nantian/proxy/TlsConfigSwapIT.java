package dev.nantian.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.VirtualHost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** A certificate rotated by a config swap serves new connections while open ones keep working. */
class TlsConfigSwapIT {
    private final TestPki pki = new TestPki();

    @Test
    void rotatedCertificateServesNewConnectionsAndOpenOnesKeepWorking() throws Exception {
        TestPki.Issued ca = pki.ca("CA");
        TestPki.Issued first = pki.leaf("first", List.of("a.example.com"), ca);
        TestPki.Issued second = pki.leaf("second", List.of("a.example.com"), ca);
        int port = Fixtures.freePort();
        try (TestBackend backend = TestBackend.http1("h1");
                NantianProxy proxy = NantianProxy.builder()
                        .eventLoopThreads(1)
                        .initialSnapshot(snapshot("v1", port, backend.port(), first))
                        .build()) {
            proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            try (SSLSocket open = socket(ca, port)) {
                open.startHandshake();
                assertThat(subject(open)).isEqualTo("CN=first");
                assertThat(get(open, true)).isEqualTo("HTTP/1.1 200 OK");

                proxy.update(snapshot("v2", port, backend.port(), second))
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);

                try (SSLSocket fresh = socket(ca, port)) {
                    fresh.startHandshake();
                    assertThat(subject(fresh)).isEqualTo("CN=second");
                }
                assertThat(get(open, false)).isEqualTo("HTTP/1.1 200 OK");
            }
        }
    }

    private static ConfigSnapshot snapshot(String version, int port, int backendPort, TestPki.Issued cert) {
        return ConfigSnapshot.builder(version)
                .addCluster(Fixtures.cluster("h1", backendPort))
                .addSecret(new Secret.TlsKeyPair("ns/cert", cert.certificatePem(), cert.keyPem()))
                .addListener(Listener.builder(
                                "https",
                                port,
                                ListenerProtocol.HTTPS,
                                new ListenerRoutes.Http(List.of(new VirtualHost(
                                        "v", List.of("*"), List.of(Fixtures.prefixTo("r", "/", "h1"))))))
                        .address("127.0.0.1")
                        .tls(ListenerTls.terminate(List.of("ns/cert")))
                        .build())
                .build();
    }

    private static String subject(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0])
                .getSubjectX500Principal()
                .getName();
    }

    /** Sends one request on a kept-alive connection and reads the response head and body. */
    private static String get(SSLSocket s, boolean keepAlive) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(("GET /x HTTP/1.1\r\nHost: a.example.com\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        String status = in.readLine();
        int length = 0;
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            int n = in.read(body, read, length - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        return status;
    }

    private static SSLSocket socket(TestPki.Issued ca, int port) throws Exception {
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
        p.setServerNames(List.of(new SNIHostName("a.example.com")));
        s.setSSLParameters(p);
        return s;
    }
}
