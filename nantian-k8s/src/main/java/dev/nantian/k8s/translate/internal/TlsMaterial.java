package dev.nantian.k8s.translate.internal;

import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads and checks the certificate and key of a {@code kubernetes.io/tls} Secret, and CA bundles. */
final class TlsMaterial {
    private TlsMaterial() {}

    private static final Pattern KEY_BLOCK = Pattern.compile(
            "-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

    /** A certificate chain and key in PEM, or the reason the Secret does not hold one. */
    record Result(String certificatePem, String keyPem, String problem) {}

    static Result read(Secret secret) {
        if (!"kubernetes.io/tls".equals(secret.getType())) {
            return problem("is of type " + secret.getType() + ", not kubernetes.io/tls");
        }
        String cert = value(secret, "tls.crt");
        String key = value(secret, "tls.key");
        if (cert == null || key == null) {
            return problem("lacks tls.crt or tls.key");
        }
        try {
            if (CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(cert.getBytes(StandardCharsets.US_ASCII)))
                    .isEmpty()) {
                return problem("tls.crt holds no certificate");
            }
        } catch (CertificateException | RuntimeException e) {
            return problem("tls.crt is not a PEM certificate chain");
        }
        Matcher m = KEY_BLOCK.matcher(key);
        if (!m.find()) {
            return problem("tls.key is not a PEM private key");
        }
        try {
            Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            return problem("tls.key is not a PEM private key");
        }
        return new Result(cert, key, null);
    }

    /** Why {@code pem} is not a bundle of one or more PEM certificates, or null when it is. */
    static String caBundleProblem(String pem) {
        if (pem == null || pem.isBlank()) {
            return "has no ca.crt";
        }
        try {
            if (CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                    .isEmpty()) {
                return "ca.crt holds no certificate";
            }
            return null;
        } catch (CertificateException | RuntimeException e) {
            return "ca.crt is not a PEM certificate bundle";
        }
    }

    /** A value of a Secret, from {@code data} (base64) or {@code stringData}; null when absent or not base64. */
    static String secretValue(Secret secret, String key) {
        return value(secret, key);
    }

    private static Result problem(String text) {
        return new Result(null, null, text);
    }

    private static String value(Secret secret, String key) {
        Map<String, String> data = secret.getData();
        if (data != null && data.get(key) != null) {
            try {
                return new String(Base64.getMimeDecoder().decode(data.get(key)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        Map<String, String> stringData = secret.getStringData();
        return stringData == null ? null : stringData.get(key);
    }
}
