package dev.nantian.proxy;

import static dev.nantian.proxy.TestFilters.config;
import static dev.nantian.proxy.TestFilters.ref;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.testing.echo.EchoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Extension filters behind terminated TLS (HTTP/1.1 and HTTP/2 by ALPN) and in front of TLS upstreams. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FilterChainTlsIT {
    private final TestPki pki = new TestPki();
    private final TestFilters filters = new TestFilters();
    private TestPki.Issued ca;
    private TestBackend plain;
    private EchoServer echo;
    private NantianProxy proxy;
    private int port;

    @BeforeAll
    void start() throws Exception {
        ca = pki.ca("test CA");
        TestPki.Issued gateway = pki.leaf("gateway", List.of("gw.example.com", "127.0.0.1"), ca);
        TestPki.Issued backend = pki.leaf("backend", List.of("backend.example.com"), ca);
        plain = TestBackend.http1("plain");
        echo = EchoServer.builder("tls-backend-0", "ns")
                .httpPort(0)
                .httpsPort(0)
                .tlsCertificate(backend.certificatePem(), backend.keyPem())
                .build();
        echo.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        int https = echo.httpsPort().getAsInt();
        port = Fixtures.freePort();
        UpstreamTls upstreamTls = new UpstreamTls(List.of("ns/ca"), "backend.example.com", List.of(), Optional.empty());
        List<HttpRoute> routes = List.of(
                route("conn", "/conn", "plain", ref("ConnInfo", "conn")),
                route("up-h1", "/up-h1", "tls-h1", ref("AddHeader", "hdr")),
                route("up-h2", "/up-h2", "tls-h2", ref("AddHeader", "hdr"), ref("Upper", "upper")));
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addCluster(Fixtures.cluster("plain", plain.port()))
                .addCluster(tlsCluster("tls-h1", https, UpstreamProtocol.HTTP_1_1, upstreamTls))
                .addCluster(tlsCluster("tls-h2", https, UpstreamProtocol.H2, upstreamTls))
                .addSecret(new Secret.CaBundle("ns/ca", ca.certificatePem()))
                .addSecret(new Secret.TlsKeyPair("ns/gw", gateway.certificatePem(), gateway.keyPem()))
                .addExtension(config("ConnInfo", "conn", Map.of()))
                .addExtension(config("AddHeader", "hdr", Map.of("request", Map.of("x-ext", "on"))))
                .addExtension(config("Upper", "upper", Map.of()))
                .addListener(Listener.builder(
                                "https",
                                port,
                                ListenerProtocol.HTTPS,
                                new ListenerRoutes.Http(List.of(new VirtualHost("any", List.of("*"), routes))))
                        .address("127.0.0.1")
                        .tls(ListenerTls.terminate(List.of("ns/gw")))
                        .build())
                .build();
        proxy = NantianProxy.builder()
                .eventLoopThreads(2)
                .filterRegistry(filters.registry())
                .initialSnapshot(snapshot)
                .build();
        proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static HttpRoute route(String name, String path, String cluster, RouteFilter... routeFilters) {
        return Fixtures.prefix(name, path, Fixtures.forward(cluster))
                .filters(List.of(routeFilters))
                .build();
    }

    private static Cluster tlsCluster(String name, int port, UpstreamProtocol protocol, UpstreamTls tls) {
        return Cluster.builder(name)
                .protocol(protocol)
                .tls(tls)
                .addEndpoint(Endpoint.of("127.0.0.1", port))
                .build();
    }

    @AfterAll
    void stop() {
        proxy.close();
        plain.close();
        echo.close();
    }

    private HttpResponse<String> get(HttpClient.Version version, String path) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpClient client =
                HttpClient.newBuilder().version(version).sslContext(tls).build();
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.version()).isEqualTo(version);
        return r;
    }

    @Test
    void filtersSeeTheTlsConnectionOverHttp11AndHttp2() throws Exception {
        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            HttpResponse<String> r = get(version, "/conn/" + version);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body())
                    .startsWith("plain GET /conn/" + version)
                    .contains("x-conn: tls=true")
                    .contains("x-forwarded-proto: https");
        }
    }

    @Test
    void chainedRequestsReachTlsUpstreamsOverHttp11AndHttp2() throws Exception {
        HttpResponse<String> h1 = get(HttpClient.Version.HTTP_2, "/up-h1/x");
        assertThat(h1.statusCode()).isEqualTo(200);
        assertThat(h1.body())
                .contains("\"X-Ext\"")
                .contains("\"serverName\": \"backend.example.com\"")
                .contains("\"negotiatedProtocol\": \"http/1.1\"");
        HttpResponse<String> h2 = get(HttpClient.Version.HTTP_1_1, "/up-h2/x");
        assertThat(h2.statusCode()).isEqualTo(200);
        // Upper-cased on the way back: the response body went through the chain.
        assertThat(h2.body())
                .contains("\"X-EXT\"")
                .contains("\"SERVERNAME\": \"BACKEND.EXAMPLE.COM\"")
                .contains("\"NEGOTIATEDPROTOCOL\": \"H2\"");
    }
}
