package dev.nantian.testing.conformance.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorSetTest {

    /** The repository's copy of the upstream vectors (surefire runs in the module directory). */
    static final Path REPO_VECTORS = Path.of("..", "conformance", "vectors");

    @Test
    void loadsEveryTestAndCaseOfTheRepositoryVectors() {
        VectorSet vectors = VectorSet.load(REPO_VECTORS);

        assertThat(vectors.tests().stream().mapToInt(t -> t.httpCases().size()).sum())
                .isEqualTo(318);
        assertThat(vectors.tests().stream()
                        .mapToInt(t -> t.statusChecks().size())
                        .sum())
                .isEqualTo(421);
        assertThat(vectors.tests().stream().filter(t -> !t.httpCases().isEmpty()))
                .hasSize(51);
        assertThat(vectors.suiteCreatedResources()).hasSize(14);
        assertThat(vectors.baseManifests()).contains("{GATEWAY_CLASS_NAME}");
    }

    @Test
    void appliesTheClientDefaultsToAPlainCase() {
        HttpCase c = test(VectorSet.load(REPO_VECTORS), "HTTPRouteSimpleSameNamespace")
                .httpCases()
                .get(0);

        assertThat(c.mode()).isEqualTo(HttpCase.Mode.HTTP);
        assertThat(c.request().method()).isEqualTo("GET");
        assertThat(c.request().protocol()).isEqualTo(HttpCase.Protocol.HTTP_1_1);
        assertThat(c.response().statusCodes()).containsExactly(200);
        assertThat(c.expectedRequest().path()).isEqualTo(c.request().path());
        assertThat(c.backend().service()).isEqualTo("infra-backend-v1");
        assertThat(c.target().gateway())
                .isEqualTo(new HttpCase.ObjectRef("gateway-conformance-infra", "same-namespace"));
    }

    @Test
    void parsesRedirectsTlsTargetsAndProtocols() {
        VectorSet vectors = VectorSet.load(REPO_VECTORS);

        HttpCase redirect = test(vectors, "HTTPRouteRedirectPortAndScheme").httpCases().stream()
                .filter(c -> c.redirect() != null && "8443".equals(c.redirect().port()))
                .findFirst()
                .orElseThrow();
        assertThat(redirect.redirect().scheme()).isEqualTo("https");
        assertThat(redirect.redirect().host()).isEqualTo("example.org");

        HttpCase h2 = test(vectors, "HTTPRouteHTTPSListenerDetectMisdirectedRequests").httpCases().stream()
                .filter(c -> c.request().protocol() == HttpCase.Protocol.H2)
                .findFirst()
                .orElseThrow();
        assertThat(h2.mode()).isEqualTo(HttpCase.Mode.HTTPS);
        assertThat(h2.target().trustCaFromSecret().name()).isEqualTo("tls-validity-checks-certificate");
        assertThat(h2.target().tlsServerName()).isNotBlank();

        List<HttpCase> failures =
                test(vectors, "GatewayFrontendClientCertificateValidation").httpCases();
        assertThat(failures).anySatisfy(c -> {
            assertThat(c.mode()).isEqualTo(HttpCase.Mode.HTTPS_EXPECT_FAILURE);
            assertThat(c.clientCertificateMustBeRequested()).isTrue();
        });
    }

    @Test
    void expectedRequestWithoutPathMeansTheResponseMustNotComeFromTheEcho() {
        HttpCase preflight = test(VectorSet.load(REPO_VECTORS), "HTTPRouteCORS").httpCases().stream()
                .filter(c -> c.request().method().equals("OPTIONS"))
                .findFirst()
                .orElseThrow();
        assertThat(preflight.expectedRequest().path()).isEmpty();
        assertThat(preflight.response().ignoreWhitespace()).isTrue();
        assertThat(preflight.response().validHeaderValues()).containsKey("access-control-allow-methods");
    }

    @Test
    void marksPercentageMirrorCasesAsStatistics() {
        ConformanceTest test = test(VectorSet.load(REPO_VECTORS), "HTTPRouteRequestPercentageMirror");
        assertThat(test.httpCases()).allMatch(HttpCase::mirrorDistribution);
        assertThat(test.httpCases())
                .flatMap(HttpCase::mirroredTo)
                .extracting(HttpCase.MirroredBackend::service, HttpCase.MirroredBackend::percent)
                .containsExactly(
                        tuple("infra-backend-v2", 20), tuple("infra-backend-v2", 50), tuple("infra-backend-v2", 35));
    }

    @Test
    void rejectsADirectoryWithoutVectors(@TempDir Path empty) {
        assertThatThrownBy(() -> VectorSet.load(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a vectors directory");
    }

    @Test
    void manifestsGiveListenersDeploymentsAndServices() {
        VectorSet vectors = VectorSet.load(REPO_VECTORS);
        Manifests manifests = Manifests.parse(List.of(Manifests.substitute(vectors.baseManifests(), "nantian", "c")));

        assertThat(manifests.listeners("gateway-conformance-infra", "same-namespace"))
                .containsExactly(new Manifests.Listener("http", 80, "HTTP"));
        Manifests.Deployment v1 = manifests.deployments().stream()
                .filter(d -> d.name().equals("infra-backend-v1"))
                .findFirst()
                .orElseThrow();
        assertThat(v1.replicas()).isEqualTo(2);
        assertThat(v1.podLabels()).containsEntry("app", "infra-backend-v1");
        assertThat(manifests.services()).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("infra-backend-v1");
            assertThat(s.ports()).extracting(Manifests.ServicePort::targetPort).containsExactly("3000", "3001", "3000");
        });
    }

    @Test
    void loadsTheOtherTrafficTestsAndUpstreamsFeatureGuards() {
        VectorSet vectors = VectorSet.load(REPO_VECTORS);

        assertThat(vectors.tests().stream().filter(t -> t.otherTraffic() != null))
                .extracting(ConformanceTest::name)
                .hasSize(15)
                .contains("GRPCRouteWeight", "TCPRouteWeightedRouting", "TLSRouteMixedTerminationSameNamespace");
        assertThat(test(vectors, "TLSRouteListenerTerminateNotSupported").exemptFeatures())
                .containsExactly("TLSRouteModeTerminate");
        assertThat(test(vectors, "TLSRouteListenerMixedTerminationNotSupported").exemptFeatures())
                .containsExactly("TLSRouteModeMixed");
        assertThat(test(vectors, "TLSRouteSimpleSameNamespace").exemptFeatures())
                .isEmpty();
    }

    @Test
    void aTestsOwnExemptFeaturesWinOverUpstreamsTable(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("base-manifests.yaml"), "");
        java.nio.file.Files.writeString(
                dir.resolve("status.json"),
                "{\"tests\": [{\"name\": \"TLSRouteListenerTerminateNotSupported\", \"features\": [\"Gateway\"],"
                        + " \"exemptFeatures\": [\"SomethingElse\"], \"checks\": []}]}");

        assertThat(test(VectorSet.load(dir), "TLSRouteListenerTerminateNotSupported")
                        .exemptFeatures())
                .containsExactly("SomethingElse");
    }

    static ConformanceTest test(VectorSet vectors, String name) {
        return vectors.tests().stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
