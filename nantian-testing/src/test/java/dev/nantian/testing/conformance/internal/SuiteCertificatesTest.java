package dev.nantian.testing.conformance.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyFactory;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SuiteCertificatesTest {

    private static final String INFRA = "gateway-conformance-infra";

    private final SuiteCertificates certs = SuiteCertificates.generate(Clock.systemUTC());

    @Test
    void generatesEverySuiteCreatedResourceOfTheVectors() {
        VectorSet vectors = VectorSet.load(VectorSetTest.REPO_VECTORS);
        List<String> generated = new ArrayList<>();
        certs.resources().forEach(r -> generated.add(r.kind() + " " + r.namespace() + "/" + r.name()));
        vectors.suiteCreatedResources().forEach(r -> assertThat(generated)
                .contains(Json.text(r, "kind") + " " + Json.text(r, "namespace") + "/" + Json.text(r, "name")));
    }

    @Test
    void serverCertificatesCarryTheUpstreamSans() throws Exception {
        assertThat(sans(certs.secret(INFRA, "tls-checks-certificate").certificate()))
                .containsExactlyInAnyOrder(
                        "2:abc.example.com", "6:spiffe://abc.example.com/test-identity", "2:other.example.com");
        assertThat(sans(certs.secret(INFRA, "tls-validity-checks-certificate").certificate()))
                .containsExactlyInAnyOrder("2:*", "2:*.org", "2:*.wildcard.org");
        assertThat(sans(certs.secret("gateway-conformance-web-backend", "certificate")
                        .certificate()))
                .containsExactly("2:*");
        assertThat(sans(certs.secret("gateway-conformance-app-backend", "tls-passthrough-checks-certificate")
                        .certificate()))
                .containsExactly("2:abc.example.com");
    }

    @Test
    void chainsVerifyAgainstTheirOwnCaOnly() throws Exception {
        X509Certificate caA = caFromConfigMap("tls-validity-checks-ca-certificate");
        X509Certificate caB = caFromConfigMap("tls-validity-checks-per-port-ca-certificate");
        X509Certificate caC = caFromConfigMap("tls-checks-ca-certificate");

        validate(certs.secret(INFRA, "tls-validity-checks-client-certificate").certificate(), caA);
        validate(
                certs.secret(INFRA, "tls-validity-checks-per-port-client-certificate")
                        .certificate(),
                caB);
        validate(certs.secret(INFRA, "tls-checks-certificate").certificate(), caC);
        validate(certs.secret(INFRA, "tls-checks-client-certificate").certificate(), caC);
        validate(certs.secret(INFRA, "tls-terminate-checks-certificate").certificate(), caC);

        assertThatThrownBy(() -> validate(
                        certs.secret(INFRA, "tls-validity-checks-client-certificate")
                                .certificate(),
                        caB))
                .isInstanceOf(CertPathValidatorException.class);
        assertThatThrownBy(() -> validate(
                        certs.secret(INFRA, "tls-checks-certificate").certificate(),
                        caFromConfigMap("mismatch-ca-certificate")))
                .isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void selfSignedCertificatesAreTheirOwnTrustAnchor() throws Exception {
        X509Certificate web =
                certs.secret("gateway-conformance-web-backend", "certificate").certificate();
        web.verify(web.getPublicKey());
        assertThat(web.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void keysArePkcs8PemThatTheJdkReads() throws Exception {
        String pem = certs.secret(INFRA, "tls-checks-certificate").keyPem();
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
        byte[] der = Base64.getMimeDecoder()
                .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
        assertThat(KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der)))
                .isEqualTo(certs.secret(INFRA, "tls-checks-certificate").key());
    }

    @Test
    void yamlRoundTripsThroughTheManifestReader() {
        Manifests manifests = Manifests.parse(List.of(certs.toYaml()));
        assertThat(manifests.secret(INFRA, "tls-checks-certificate"))
                .containsEntry(
                        "tls.crt", certs.secret(INFRA, "tls-checks-certificate").certificatePem())
                .containsEntry(
                        "tls.key", certs.secret(INFRA, "tls-checks-certificate").keyPem());
        assertThat(manifests.configMap(INFRA, "tls-checks-ca-certificate").get("ca.crt"))
                .startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void hostnamesMatchLikeGo() {
        assertThat(ClientTls.matchHostname("*.org", "example.org")).isTrue();
        assertThat(ClientTls.matchHostname("*.wildcard.org", "third-example.wildcard.org"))
                .isTrue();
        assertThat(ClientTls.matchHostname("*.org", "a.example.org")).isFalse();
        assertThat(ClientTls.matchHostname("*", "example.org")).isFalse();
        assertThat(ClientTls.matchHostname("ABC.example.com", "abc.example.com."))
                .isTrue();
    }

    private X509Certificate caFromConfigMap(String name) {
        Manifests manifests = Manifests.parse(List.of(certs.toYaml()));
        return ClientTls.parseCertificates(manifests.configMap(INFRA, name).get("ca.crt"))
                .get(0);
    }

    private static void validate(X509Certificate leaf, X509Certificate ca) throws Exception {
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
    }

    private static List<String> sans(X509Certificate cert) throws Exception {
        List<String> out = new ArrayList<>();
        for (List<?> san : cert.getSubjectAlternativeNames()) {
            out.add(san.get(0) + ":" + san.get(1));
        }
        return out;
    }
}
