package dev.nantian.testing.echo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates for tests, generated at run time with the running JDK's {@code keytool} (no BouncyCastle,
 * no {@code sun.security} internals, no keys checked in), then exported as the PEM the echo server takes.
 */
final class TestCertificates {

    private static final char[] PASSWORD = "changeit".toCharArray();

    final KeyStore keyStore;
    final Certificate certificate;
    final String certificatePem;
    final String privateKeyPem;

    private TestCertificates(KeyStore keyStore) throws GeneralSecurityException {
        this.keyStore = keyStore;
        this.certificate = keyStore.getCertificate("test");
        this.certificatePem = pem("CERTIFICATE", certificate.getEncoded());
        // PKCS#12 hands the key out in PKCS#8 form, which is what the JDK TLS provider reads.
        this.privateKeyPem = pem("PRIVATE KEY", ((PrivateKey) keyStore.getKey("test", PASSWORD)).getEncoded());
    }

    /** A P-256 key and a self-signed certificate for {@code dnsName} and the given IP addresses. */
    static TestCertificates generate(Path directory, String dnsName, String... ips)
            throws IOException, InterruptedException, GeneralSecurityException {
        Path store = Files.createTempFile(directory, "cert", ".p12");
        Files.delete(store);
        StringBuilder san = new StringBuilder("SAN=dns:" + dnsName);
        for (String ip : ips) {
            san.append(",ip:").append(ip);
        }
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(List.of(
                        keytool.toString(),
                        "-genkeypair",
                        "-alias",
                        "test",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=" + dnsName,
                        "-ext",
                        san.toString(),
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        store.toString(),
                        "-storepass",
                        new String(PASSWORD),
                        "-keypass",
                        new String(PASSWORD)))
                .redirectErrorStream(true)
                .start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(output);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool failed: " + output.toString(StandardCharsets.UTF_8));
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD);
        }
        return new TestCertificates(keyStore);
    }

    TrustManagerFactory trustManagerFactory() throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("trusted", certificate);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        return factory;
    }

    KeyManagerFactory keyManagerFactory() throws GeneralSecurityException {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keyStore, PASSWORD);
        return factory;
    }

    static String pem(String type, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n";
    }
}
