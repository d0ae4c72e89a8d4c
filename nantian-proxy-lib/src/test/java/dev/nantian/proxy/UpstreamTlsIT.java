package dev.nantian.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.core.model.UpstreamTls.SubjectAltName;
import dev.nantian.testing.echo.EchoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * TLS to backends (BackendTLSPolicy): trust in CA bundles, SNI, name verification against the SNI or configured DNS
 * and URI SANs, client certificates, and HTTP/2 by ALPN. A failed verification is a connect failure: 503.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamTlsIT {
    private final TestPki pki = new TestPki();
    private TestPki.Issued client;
    private EchoServer echo;
    private NantianProxy proxy;
    private int port;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws Exception {
        TestPki.Issued ca = pki.ca("backend CA");
        TestPki.Issued other = pki.ca("other CA");
        TestPki.Issued server =
                pki.leaf("backend", List.of("backend.example.com", "spiffe://example.com/ns/app/sa/web"), ca);
        client = pki.leaf("gateway-client", List.of(), pki.ca("client CA"));
        echo = EchoServer.builder("tls-backend-0", "ns")
                .httpPort(0)
                .httpsPort(0)
                .tlsCertificate(server.certificatePem(), server.keyPem())
                .requestAnyClientCertificate()
                .build();
        echo.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        int https = echo.httpsPort().getAsInt();
        port = Fixtures.freePort();
        List<Cluster> clusters = new ArrayList<>();
        clusters.add(tlsCluster("ok", https, UpstreamProtocol.HTTP_1_1, tls("backend.example.com", List.of())));
        clusters.add(tlsCluster("wrong-sni", https, UpstreamProtocol.HTTP_1_1, tls("nope.example.com", List.of())));
        clusters.add(tlsCluster(
                "uri-san",
                https,
                UpstreamProtocol.HTTP_1_1,
                tls(
                        "nope.example.com",
                        List.of(new SubjectAltName(SubjectAltName.Type.URI, "spiffe://example.com/ns/app/sa/web")))));
        clusters.add(tlsCluster(
                "dns-san",
                https,
                UpstreamProtocol.HTTP_1_1,
                tls(
                        "nope.example.com",
                        List.of(new SubjectAltName(SubjectAltName.Type.HOSTNAME, "backend.example.com")))));
        clusters.add(tlsCluster(
                "bad-san",
                https,
                UpstreamProtocol.HTTP_1_1,
                tls(
                        "backend.example.com",
                        List.of(new SubjectAltName(SubjectAltName.Type.HOSTNAME, "x.example.com")))));
        clusters.add(tlsCluster(
                "untrusted",
                https,
                UpstreamProtocol.HTTP_1_1,
                new UpstreamTls(List.of("ns/other-ca"), "backend.example.com", List.of(), Optional.empty())));
        clusters.add(tlsCluster(
                "mtls",
                https,
                UpstreamProtocol.HTTP_1_1,
                new UpstreamTls(List.of("ns/ca"), "backend.example.com", List.of(), Optional.of("ns/client"))));
        clusters.add(tlsCluster("h2", https, UpstreamProtocol.H2, tls("backend.example.com", List.of())));
        ConfigSnapshot.Builder b = ConfigSnapshot.builder("v1")
                .addSecret(new Secret.CaBundle("ns/ca", ca.certificatePem()))
                .addSecret(new Secret.CaBundle("ns/other-ca", other.certificatePem()))
                .addSecret(new Secret.TlsKeyPair(
                        "ns/client", client.certificatePem(), client.keyPem(TestPki.KeyFormat.TRADITIONAL)));
        List<dev.nantian.core.model.HttpRoute> routes = new ArrayList<>();
        for (Cluster c : clusters) {
            b.addCluster(c);
            routes.add(Fixtures.prefixTo(c.name(), "/" + c.name(), c.name()));
        }
        b.addListener(Fixtures.httpListener("http", port, routes));
        proxy = NantianProxy.builder()
                .eventLoopThreads(2)
                .initialSnapshot(b.build())
                .build();
        proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    void stop() {
        proxy.close();
        echo.close();
    }

    private static UpstreamTls tls(String sni, List<SubjectAltName> sans) {
        return new UpstreamTls(List.of("ns/ca"), sni, sans, Optional.empty());
    }

    private static Cluster tlsCluster(String name, int port, UpstreamProtocol protocol, UpstreamTls tls) {
        return Cluster.builder(name)
                .protocol(protocol)
                .tls(tls)
                .addEndpoint(Endpoint.of("127.0.0.1", port))
                .build();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void trustsTheCaBundleAndSendsTheSni() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = get("/ok/" + i);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body())
                    .contains("\"serverName\": \"backend.example.com\"")
                    .contains("\"negotiatedProtocol\": \"http/1.1\"")
                    .doesNotContain("peerCertificates");
        }
    }

    @Test
    void certificateWithoutTheSniNameIsRefused() throws Exception {
        assertThat(get("/wrong-sni").statusCode()).isEqualTo(503);
    }

    @Test
    void configuredSubjectAltNamesReplaceTheSniCheck() throws Exception {
        HttpResponse<String> uri = get("/uri-san");
        assertThat(uri.statusCode()).isEqualTo(200);
        assertThat(uri.body()).contains("\"serverName\": \"nope.example.com\"");
        assertThat(get("/dns-san").statusCode()).isEqualTo(200);
        assertThat(get("/bad-san").statusCode()).isEqualTo(503);
    }

    @Test
    void untrustedBackendIsRefused() throws Exception {
        assertThat(get("/untrusted").statusCode()).isEqualTo(503);
    }

    @Test
    void presentsTheClientCertificate() throws Exception {
        HttpResponse<String> r = get("/mtls");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("peerCertificates");
    }

    @Test
    void http2ClustersNegotiateH2() throws Exception {
        HttpResponse<String> r = get("/h2");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"proto\": \"HTTP/2.0\"").contains("\"negotiatedProtocol\": \"h2\"");
    }
}
