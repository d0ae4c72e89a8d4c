package dev.nantian.proxy;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** Generates certificates for tests (BouncyCastle, test scope only): CAs, servers with SANs, clients. */
final class TestPki {
    /** How a private key is written. */
    enum KeyFormat {
        PKCS8,
        /** {@code RSA PRIVATE KEY} or {@code EC PRIVATE KEY}, whichever fits the key. */
        TRADITIONAL
    }

    /** A certificate with its key. */
    record Issued(X509Certificate certificate, PrivateKey key) {
        String certificatePem() {
            return pem(certificate);
        }

        String keyPem(KeyFormat format) {
            return format == KeyFormat.PKCS8 ? pkcs8(key) : traditional(key);
        }

        String keyPem() {
            return keyPem(KeyFormat.PKCS8);
        }
    }

    private final SecureRandom random = new SecureRandom();
    private final Date notBefore = Date.from(Instant.now().minus(Duration.ofHours(1)));
    private final Date notAfter = Date.from(Instant.now().plus(Duration.ofDays(30)));

    Issued ca(String cn) {
        KeyPair pair = ec();
        return new Issued(issue(cn, List.of(), pair, pair.getPrivate(), null, true), pair.getPrivate());
    }

    /** A server (or client) certificate; SANs with {@code ://} are URIs, others DNS names. */
    Issued leaf(String cn, List<String> sans, Issued ca) {
        KeyPair pair = ec();
        return new Issued(issue(cn, sans, pair, ca.key(), ca.certificate(), false), pair.getPrivate());
    }

    /** As {@link #leaf} with an RSA key. */
    Issued rsaLeaf(String cn, List<String> sans, Issued ca) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, random);
            KeyPair pair = g.generateKeyPair();
            return new Issued(issue(cn, sans, pair, ca.key(), ca.certificate(), false), pair.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), random);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private X509Certificate issue(
            String cn, List<String> sans, KeyPair subject, PrivateKey issuerKey, X509Certificate issuer, boolean ca) {
        try {
            X500Name name = new X500Name("CN=" + cn);
            X500Name issuerName = issuer == null
                    ? name
                    : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    issuerName,
                    new BigInteger(64, random).add(BigInteger.ONE),
                    notBefore,
                    notAfter,
                    name,
                    subject.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(
                            ca
                                    ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature
                                    : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (!sans.isEmpty()) {
                GeneralName[] names = sans.stream()
                        .map(s -> s.contains("://")
                                ? new GeneralName(GeneralName.uniformResourceIdentifier, s)
                                : Character.isDigit(s.charAt(0))
                                        ? new GeneralName(GeneralName.iPAddress, s)
                                        : new GeneralName(GeneralName.dNSName, s))
                        .toArray(GeneralName[]::new);
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot issue " + cn, e);
        }
    }

    static String pem(X509Certificate cert) {
        try {
            return write(new PemObject("CERTIFICATE", cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pkcs8(PrivateKey key) {
        return write(new PemObject("PRIVATE KEY", key.getEncoded()));
    }

    /**
     * PKCS#1 for RSA keys, SEC1 for EC keys with the named curve as OpenSSL writes them (BouncyCastle's writer would
     * leave out the curve, which the JDK keeps only in the PKCS#8 wrapper).
     */
    static String traditional(PrivateKey key) {
        if (key instanceof java.security.interfaces.ECPrivateKey ec) {
            try {
                org.bouncycastle.asn1.ASN1Encodable curve = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(
                                key.getEncoded())
                        .getPrivateKeyAlgorithm()
                        .getParameters();
                byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                                ec.getParams().getOrder().bitLength(), ec.getS(), curve)
                        .getEncoded();
                return write(new PemObject("EC PRIVATE KEY", sec1));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return write(key);
    }

    private static String write(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
