package dev.nantian.k8s.translate;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway self-signed certificate and key, made with the JDK's own keytool at test time so that no key material
 * is checked in.
 */
public final class TestCertificates {
    private TestCertificates() {}

    /** PEM certificate and PKCS#8 key. */
    public record Pem(String certificate, String key) {}

    public static Pem generate(Path dir) throws Exception {
        Path store = dir.resolve("test.p12");
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(
                        keytool,
                        "-genkeypair",
                        "-alias",
                        "test",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=example.com",
                        "-ext",
                        "SAN=dns:example.com,dns:*.example.com",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        store.toString(),
                        "-storepass",
                        "changeit",
                        "-keypass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        Certificate cert = ks.getCertificate("test");
        Key key = ks.getKey("test", "changeit".toCharArray());
        return new Pem(pem("CERTIFICATE", cert.getEncoded()), pem("PRIVATE KEY", key.getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** A ConfigMap manifest whose {@code ca.crt} holds the pair's (self-signed) certificate, as a CA bundle. */
    public static String caConfigMapYaml(String namespace, String name, Pem pem) {
        StringBuilder sb = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ")
                .append(name)
                .append("\n  namespace: ")
                .append(namespace)
                .append("\ndata:\n  ca.crt: |\n");
        pem.certificate().lines().forEach(l -> sb.append("    ").append(l).append('\n'));
        return sb.toString();
    }

    /** A {@code kubernetes.io/tls} Secret manifest holding the pair. */
    public static String secretYaml(String namespace, String name, Pem pem) {
        Base64.Encoder b64 = Base64.getEncoder();
        return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\n  namespace: " + namespace
                + "\ntype: kubernetes.io/tls\ndata:\n  tls.crt: "
                + b64.encodeToString(pem.certificate().getBytes())
                + "\n  tls.key: " + b64.encodeToString(pem.key().getBytes()) + "\n";
    }
}
