package dev.nantian.testing.conformance.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.testing.echo.EchoServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The comparison semantics judged against real echo-server responses over loopback sockets. */
class CaseJudgeIT {

    private static final String INFRA = "gateway-conformance-infra";

    private static SuiteCertificates certs;
    private static EchoServer echo;
    private static ProbeClient client;
    private static CaseJudge judge;

    @BeforeAll
    static void start() throws Exception {
        certs = SuiteCertificates.generate(Clock.systemUTC());
        SuiteCertificates.Material serving = certs.secret(INFRA, "tls-checks-certificate");
        echo = EchoServer.builder("infra-backend-v1-0123456789-0", INFRA)
                .bindAddress(InetAddress.getLoopbackAddress())
                .httpPort(0)
                .h2cPort(0)
                .httpsPort(0)
                .tlsCertificate(serving.certificatePem(), serving.keyPem())
                .build();
        echo.start().toCompletableFuture().get();
        client = new ProbeClient(1);
        judge = new CaseJudge(ref -> {
            SuiteCertificates.Material m = certs.secret(ref.namespace(), ref.name());
            return m == null ? null : m.certificatePem();
        });
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    @Test
    void echoOfTheExpectedRequestMatches() throws Exception {
        HttpCase c = parse(
                "{\"request\":{\"host\":\"example.com\",\"path\":\"/match?x=1\",\"headers\":{\"X-Test\":\"yes\"}},"
                        + backend("infra-backend-v1") + "}");
        assertThat(judge(c)).isNull();
    }

    @Test
    void wrongEchoedPathIsReported() throws Exception {
        HttpCase c = parse("{\"request\":{\"path\":\"/sent\"},\"expectedRequest\":{\"path\":\"/rewritten\"},"
                + backend("infra-backend-v1") + "}");
        assertThat(judge(c)).contains("echoed path \"/sent\", want \"/rewritten\"");
    }

    @Test
    void missingRequestHeaderIsReported() throws Exception {
        HttpCase c = parse("{\"request\":{\"path\":\"/h\"},"
                + "\"expectedRequest\":{\"path\":\"/h\",\"headers\":{\"X-Header-Set\":\"set-overwrites-values\"}},"
                + backend("infra-backend-v1") + "}");
        assertThat(judge(c)).contains("request header X-Header-Set missing");
    }

    @Test
    void headerThatShouldHaveBeenRemovedIsReported() throws Exception {
        HttpCase c = parse("{\"request\":{\"path\":\"/r\",\"headers\":{\"X-Header-Remove\":\"v\"}},"
                + "\"expectedRequest\":{\"path\":\"/r\",\"absentHeaders\":[\"x-header-remove\"]},"
                + backend("infra-backend-v1") + "}");
        assertThat(judge(c)).contains("x-header-remove reached the backend");
    }

    @Test
    void wrongPodPrefixIsReported() throws Exception {
        HttpCase c = parse("{\"request\":{\"path\":\"/\"}," + backend("infra-backend-v2") + "}");
        assertThat(judge(c)).contains("echoed pod \"infra-backend-v1-0123456789-0\", want prefix \"infra-backend-v2\"");
    }

    @Test
    void responseHeadersSetByTheBackendAreCompared() throws Exception {
        String base = "{\"request\":{\"path\":\"/resp\"},\"backendSetResponseHeaders\":{\"X-Header-Set\":\"a b\"},"
                + backend("infra-backend-v1") + ",";
        assertThat(judge(parse(base + "\"response\":{\"headers\":{\"x-header-set\":\"a b\"}}}")))
                .isNull();
        assertThat(judge(parse(base + "\"response\":{\"headers\":{\"x-header-set\":\"ab\"}}}")))
                .contains("response header x-header-set is \"a b\", want \"ab\"");
        assertThat(judge(parse(
                        base + "\"response\":{\"headers\":{\"x-header-set\":\"ab\"},\"ignoreWhitespace\":true}}")))
                .isNull();
        assertThat(judge(parse(base + "\"response\":{\"absentHeaders\":[\"X-Header-Set\"]}}")))
                .contains("X-Header-Set present");
    }

    @Test
    void redirectLocationIsResolvedAndComparedPartByPart() throws Exception {
        String base =
                "{\"request\":{\"path\":\"/a/../b\",\"unfollowRedirect\":true},\"response\":{\"statusCodes\":[301]},";
        assertThat(judge(parse(base + "\"redirect\":{\"path\":\"/b\"}}"))).isNull();
        assertThat(judge(parse(base + "\"redirect\":{\"path\":\"/c\"}}")))
                .contains("Location path \"/b\", want \"/c\"");
        assertThat(judge(parse(base + "\"redirect\":{\"scheme\":\"https\"}}"))).contains("Location scheme");
        assertThat(judge(parse(base + "\"redirect\":{\"path\":\"/b\",\"host\":\"example.org\"}}")))
                .contains("Location host \"127.0.0.1\", want \"example.org\"");
        assertThat(judge(parse(base + "\"redirect\":{\"path\":\"/b\",\"port\":\"8080\"}}")))
                .contains("Location port");
    }

    @Test
    void responseThatIsNotJsonCountsAsAnEmptyEcho() throws Exception {
        // /health answers text/plain: only a case expecting "no echo" (like a CORS preflight) matches it.
        assertThat(judge(parse("{\"request\":{\"path\":\"/health\"},\"expectedRequest\":{}}")))
                .isNull();
        assertThat(judge(parse("{\"request\":{\"path\":\"/health\"}," + backend("infra-backend-v1") + "}")))
                .contains("echoed path \"\"");
    }

    @Test
    void statusOutsideTheExpectedSetFailsAndTimeoutStatusesShortCut() throws Exception {
        assertThat(judge(parse("{\"request\":{\"path\":\"/status/503\"}," + backend("infra-backend-v1") + "}")))
                .isEqualTo("status 503, want one of [200]");
        HttpCase timeout = parse("{\"request\":{\"path\":\"/x\"},\"response\":{\"statusCodes\":[200,504]},"
                + backend("infra-backend-v2") + "}");
        RoundTrip gatewayTimeout = new RoundTrip(504, "HTTP/1.1", Map.of(), new byte[0], false);
        assertThat(judge.judge(timeout, new CaseJudge.Sent("http", "gw", "/x", "/x"), gatewayTimeout))
                .isNull();
    }

    @Test
    void http2OverTlsReportsProtoAndSni() throws Exception {
        HttpCase c = parse("{\"request\":{\"host\":\"abc.example.com\",\"path\":\"/tls\",\"protocol\":\"H2\","
                + "\"sni\":\"abc.example.com\"},\"response\":{\"protocol\":\"HTTP/2.0\"},"
                + backend("infra-backend-v1") + "}");
        RoundTrip rt = client.send(
                probe(c, tlsPort(), tls("abc.example.com", "tls-checks-ca-certificate"), "abc.example.com"));
        assertThat(rt.proto()).isEqualTo("HTTP/2.0");
        assertThat(judge.judge(c, sent(c), rt)).isNull();

        HttpCase otherSni = parse("{\"request\":{\"host\":\"abc.example.com\",\"path\":\"/tls\",\"protocol\":\"H2\","
                + "\"sni\":\"other.example.com\"}," + backend("infra-backend-v1") + "}");
        assertThat(judge.judge(otherSni, sent(otherSni), rt)).contains("backend saw SNI \"abc.example.com\"");
    }

    @Test
    void h2cWithPriorKnowledgeIsEchoedAsHttp2() throws Exception {
        HttpCase c = parse("{\"request\":{\"path\":\"/h2c\",\"protocol\":\"H2C_PRIOR_KNOWLEDGE\"},"
                + "\"response\":{\"protocol\":\"HTTP/2.0\"}," + backend("infra-backend-v1") + "}");
        RoundTrip rt = client.send(
                probe(c, new InetSocketAddress(echo.address(), echo.h2cPort().getAsInt()), null, null));
        assertThat(judge.judge(c, sent(c), rt)).isNull();
    }

    @Test
    void untrustedOrMisnamedServerCertificateIsATransportError() {
        HttpCase c = parse("{\"request\":{\"path\":\"/\"}," + backend("infra-backend-v1") + "}");
        assertThatThrownBy(() -> client.send(
                        probe(c, tlsPort(), tls("abc.example.com", "mismatch-ca-certificate"), "abc.example.com")))
                .isInstanceOf(ProbeClient.TransportException.class);
        assertThatThrownBy(() -> client.send(probe(
                        c, tlsPort(), tls("wrong.example.com", "tls-checks-ca-certificate"), "wrong.example.com")))
                .isInstanceOf(ProbeClient.TransportException.class)
                .hasMessageContaining("not wrong.example.com");
    }

    private static InetSocketAddress tlsPort() {
        return new InetSocketAddress(echo.address(), echo.httpsPort().getAsInt());
    }

    private static ClientTls tls(String serverName, String caConfigMap) {
        Manifests m = Manifests.parse(List.of(certs.toYaml()));
        return new ClientTls(
                ClientTls.parseCertificates(m.configMap(INFRA, caConfigMap).get("ca.crt")), serverName, null, null);
    }

    private static String backend(String service) {
        return "\"backend\":{\"namespace\":\"" + INFRA + "\",\"service\":\"" + service + "\"}";
    }

    private static HttpCase parse(String json) {
        String withTarget = json.substring(0, json.length() - 1)
                + ",\"target\":{\"gateway\":{\"namespace\":\"ns\",\"name\":\"gw\"},\"scheme\":\"http\"}}";
        return HttpCase.parse(0, Json.JSON.readTree(withTarget));
    }

    private static CaseJudge.Sent sent(HttpCase c) {
        return new CaseJudge.Sent(
                "http", "127.0.0.1", c.request().path(), c.expectedRequest().path());
    }

    private static String judge(HttpCase c) throws Exception {
        RoundTrip rt = client.send(probe(c, new InetSocketAddress(echo.address(), echo.httpPort()), null, null));
        return judge.judge(c, sent(c), rt);
    }

    private static ProbeClient.Probe probe(HttpCase c, InetSocketAddress address, ClientTls tls, String sni) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        List<String> echoSet = new ArrayList<>();
        c.request().backendSetResponseHeaders().forEach((k, v) -> echoSet.add(k + ":" + v));
        headers.add(new AbstractMap.SimpleImmutableEntry<>("X-Echo-Set-Header", String.join(",", echoSet)));
        c.request().headers().forEach((k, v) -> headers.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        return new ProbeClient.Probe(
                address,
                tls,
                sni,
                c.request().protocol(),
                c.request().method(),
                c.request().host() != null ? c.request().host() : "127.0.0.1",
                c.request().path(),
                headers,
                Duration.ofSeconds(5));
    }
}
