package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The certificates and CA bundles that the upstream suite creates at start ({@code suiteCreatedResources}), generated
 * fresh for every run: same Secret and ConfigMap names, SANs and trust relationships, never shipped keys.
 *
 * <ul>
 *   <li>CA A signs {@code tls-validity-checks-client-certificate}, CA B the per-port client certificate, CA C the
 *       backend server certificates and {@code tls-checks-client-certificate}; a fourth, unrelated CA backs
 *       {@code mismatch-ca-certificate}.
 *   <li>{@code certificate} and {@code tls-validity-checks-certificate} are self-signed (so they are their own CA).
 * </ul>
 *
 * Keys are ECDSA P-256 in PKCS#8 PEM ({@code BEGIN PRIVATE KEY}), which the JDK TLS stack reads directly.
 * Immutable once generated.
 */
public final class SuiteCertificates {

    /** A generated certificate with its key and the certificate of its issuer. */
    public record Material(X509Certificate certificate, PrivateKey key, X509Certificate issuer) {
        /** The certificate as PEM. */
        public String certificatePem() {
            return pem(certificate);
        }

        /** The private key as PKCS#8 PEM. */
        public String keyPem() {
            return pemKey(key);
        }
    }

    /** A Secret or ConfigMap to write into the gateway's configuration. */
    public record Resource(String kind, String namespace, String name, Map<String, String> data) {
        public Resource {
            data = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(data));
        }
    }

    private static final String INFRA = "gateway-conformance-infra";
    private static final String WEB = "gateway-conformance-web-backend";
    private static final String APP = "gateway-conformance-app-backend";

    private final Map<String, Material> secrets = new LinkedHashMap<>();
    private final List<Resource> resources = new ArrayList<>();

    private SuiteCertificates() {}

    /**
     * Generates every suite-created resource.
     *
     * @param clock the validity starts an hour before now, and lasts a year
     */
    public static SuiteCertificates generate(Clock clock) {
        requireNonNull(clock, "clock");
        SuiteCertificates out = new SuiteCertificates();
        Generator gen = new Generator(clock.instant());

        Material web = gen.selfSigned("certificate", List.of("*"));
        out.tlsSecret(WEB, "certificate", web);
        out.caConfigMap(WEB, "web-backend-cm", web.certificate());

        Material validity = gen.selfSigned("tls-validity-checks-certificate", List.of("*", "*.org", "*.wildcard.org"));
        out.tlsSecret(INFRA, "tls-validity-checks-certificate", validity);

        Material caA = gen.ca("Nantian conformance CA A");
        out.caConfigMap(INFRA, "tls-validity-checks-ca-certificate", caA.certificate());
        out.tlsSecret(INFRA, "tls-validity-checks-client-certificate", gen.client("client-a", caA));

        Material caB = gen.ca("Nantian conformance CA B");
        out.caConfigMap(INFRA, "tls-validity-checks-per-port-ca-certificate", caB.certificate());
        out.tlsSecret(INFRA, "tls-validity-checks-per-port-client-certificate", gen.client("client-b", caB));

        Material caC = gen.ca("Nantian conformance CA C");
        out.caConfigMap(INFRA, "tls-checks-ca-certificate", caC.certificate());
        out.tlsSecret(
                INFRA,
                "tls-checks-certificate",
                gen.server(
                        "abc.example.com",
                        List.of("abc.example.com", "spiffe://abc.example.com/test-identity", "other.example.com"),
                        caC));
        out.tlsSecret(INFRA, "tls-checks-client-certificate", gen.client("client-c", caC));
        Material passthrough = gen.server("abc.example.com", List.of("abc.example.com"), caC);
        out.tlsSecret(INFRA, "tls-passthrough-checks-certificate", passthrough);
        out.tlsSecret(APP, "tls-passthrough-checks-certificate", passthrough);
        out.tlsSecret(
                INFRA,
                "tls-terminate-checks-certificate",
                gen.server("tls.example.com", List.of("tls.example.com"), caC));

        Material unrelated = gen.ca("Nantian conformance unrelated CA");
        out.caConfigMap(INFRA, "mismatch-ca-certificate", unrelated.certificate());
        return out;
    }

    /** Every generated Secret ({@code kubernetes.io/tls}) and ConfigMap ({@code ca.crt}). */
    public List<Resource> resources() {
        return List.copyOf(resources);
    }

    /** The material of a generated TLS Secret, or null. */
    public Material secret(String namespace, String name) {
        return secrets.get(namespace + "/" + name);
    }

    /** The resources as one multi-document YAML text. */
    public String toYaml() {
        StringBuilder sb = new StringBuilder(
                "# Generated by the conformance runner (suiteCreatedResources); fresh keys every run.\n");
        for (Resource r : resources) {
            sb.append("---\napiVersion: v1\nkind: ").append(r.kind()).append('\n');
            sb.append("metadata:\n  name: ")
                    .append(r.name())
                    .append("\n  namespace: ")
                    .append(r.namespace());
            sb.append('\n');
            if (r.kind().equals("Secret")) {
                sb.append("type: kubernetes.io/tls\n");
            }
            sb.append("data:\n");
            for (Map.Entry<String, String> e : r.data().entrySet()) {
                String value = r.kind().equals("Secret")
                        ? Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8))
                        : null;
                if (value != null) {
                    sb.append("  ")
                            .append(e.getKey())
                            .append(": ")
                            .append(value)
                            .append('\n');
                } else {
                    sb.append("  ").append(e.getKey()).append(": |\n");
                    for (String line : e.getValue().split("\n")) {
                        sb.append("    ").append(line).append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    private void tlsSecret(String namespace, String name, Material material) {
        secrets.put(namespace + "/" + name, material);
        resources.add(new Resource(
                "Secret", namespace, name, Map.of("tls.crt", material.certificatePem(), "tls.key", material.keyPem())));
    }

    private void caConfigMap(String namespace, String name, X509Certificate ca) {
        resources.add(new Resource("ConfigMap", namespace, name, Map.of("ca.crt", pem(ca))));
    }

    static String pem(X509Certificate certificate) {
        try {
            return pem(new PemObject("CERTIFICATE", certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode " + certificate.getSubjectX500Principal(), e);
        }
    }

    static String pemKey(PrivateKey key) {
        // PrivateKey.getEncoded() of a JCA key is PKCS#8.
        return pem(new PemObject("PRIVATE KEY", key.getEncoded()));
    }

    private static String pem(PemObject object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Issues certificates; one instance per run. */
    private static final class Generator {
        private final SecureRandom random = new SecureRandom();
        private final Date notBefore;
        private final Date notAfter;
        private final KeyPairGenerator keys;

        Generator(Instant now) {
            this.notBefore = Date.from(now.minus(Duration.ofHours(1)));
            this.notAfter = Date.from(now.plus(Duration.ofDays(365)));
            try {
                keys = KeyPairGenerator.getInstance("EC");
                keys.initialize(new ECGenParameterSpec("secp256r1"), random);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks EC P-256", e);
            }
        }

        Material ca(String commonName) {
            KeyPair pair = keys.generateKeyPair();
            X509Certificate cert = issue(commonName, List.of(), pair, pair.getPrivate(), null, true, null);
            return new Material(cert, pair.getPrivate(), cert);
        }

        /** Self-signed and usable both as server certificate and as its own trust anchor, like upstream's. */
        Material selfSigned(String commonName, List<String> sans) {
            KeyPair pair = keys.generateKeyPair();
            X509Certificate cert =
                    issue(commonName, sans, pair, pair.getPrivate(), null, true, KeyPurposeId.id_kp_serverAuth);
            return new Material(cert, pair.getPrivate(), cert);
        }

        Material server(String commonName, List<String> sans, Material ca) {
            KeyPair pair = keys.generateKeyPair();
            X509Certificate cert =
                    issue(commonName, sans, pair, ca.key(), ca.certificate(), false, KeyPurposeId.id_kp_serverAuth);
            return new Material(cert, pair.getPrivate(), ca.certificate());
        }

        Material client(String commonName, Material ca) {
            KeyPair pair = keys.generateKeyPair();
            X509Certificate cert = issue(
                    commonName, List.of(), pair, ca.key(), ca.certificate(), false, KeyPurposeId.id_kp_clientAuth);
            return new Material(cert, pair.getPrivate(), ca.certificate());
        }

        private X509Certificate issue(
                String commonName,
                List<String> sans,
                KeyPair subject,
                PrivateKey issuerKey,
                X509Certificate issuer,
                boolean ca,
                KeyPurposeId purpose) {
            try {
                X500Name subjectName = new X500Name("CN=" + commonName + ",O=Nantian conformance");
                X500Name issuerName = issuer == null
                        ? subjectName
                        : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded());
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                        issuerName,
                        new BigInteger(127, random).add(BigInteger.ONE),
                        notBefore,
                        notAfter,
                        subjectName,
                        subject.getPublic());
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
                int usage = KeyUsage.digitalSignature | (ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : 0);
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
                builder.addExtension(
                        Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subject.getPublic()));
                if (issuer != null) {
                    builder.addExtension(
                            Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer));
                }
                if (purpose != null) {
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
                }
                if (!sans.isEmpty()) {
                    GeneralName[] names = sans.stream()
                            .map(san -> san.contains("://")
                                    ? new GeneralName(GeneralName.uniformResourceIdentifier, san)
                                    : new GeneralName(GeneralName.dNSName, san))
                            .toArray(GeneralName[]::new);
                    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
                }
                return new JcaX509CertificateConverter()
                        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
            } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
                throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
            }
        }
    }
}
