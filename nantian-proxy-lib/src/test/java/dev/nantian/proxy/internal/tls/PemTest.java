package dev.nantian.proxy.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;

class PemTest {

    @Test
    void readsPkcs8Pkcs1AndSec1Keys() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair rsaPair = rsa.generateKeyPair();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair ecPair = ec.generateKeyPair();

        String pkcs1 = write(rsaPair.getPrivate());
        String sec1 = dev.nantian.proxy.TestPkiAccess.traditional(ecPair.getPrivate());
        assertThat(pkcs1).contains("BEGIN RSA PRIVATE KEY");
        assertThat(sec1).contains("BEGIN EC PRIVATE KEY");

        assertThat(Pem.privateKey(pkcs1, "k").getEncoded())
                .isEqualTo(rsaPair.getPrivate().getEncoded());
        PrivateKey ecKey = Pem.privateKey(sec1, "k");
        assertThat(ecKey.getAlgorithm()).isEqualTo("EC");
        assertThat(((java.security.interfaces.ECPrivateKey) ecKey).getS())
                .isEqualTo(((java.security.interfaces.ECPrivateKey) ecPair.getPrivate()).getS());
        String pkcs8 = write(new PemObject("PRIVATE KEY", ecPair.getPrivate().getEncoded()));
        assertThat(Pem.privateKey(pkcs8, "k").getEncoded())
                .isEqualTo(ecPair.getPrivate().getEncoded());
    }

    @Test
    void rejectsMissingAndEncryptedKeysWithoutQuotingThem() {
        assertThatThrownBy(() -> Pem.privateKey("nothing here", "secret ns/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secret ns/x: no PEM private key found");
        assertThatThrownBy(() -> Pem.privateKey(
                        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----", "s"))
                .hasMessageContaining("encrypted private keys are not supported");
        assertThatThrownBy(
                        () -> Pem.privateKey("-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----", "s"))
                .hasMessage("s: unreadable private key (not RSA, EC, Ed25519 or DSA)");
        assertThatThrownBy(() -> Pem.certificates("-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----", "c"))
                .hasMessage("c: no PEM certificate found");
    }

    @Test
    void wildcardNamesCoverExactlyOneLabel() {
        assertThat(Names.matches("*.example.com", "a.example.com")).isTrue();
        assertThat(Names.matches("*.example.com", "A.Example.COM")).isTrue();
        assertThat(Names.matches("*.example.com", "a.b.example.com")).isFalse();
        assertThat(Names.matches("*.example.com", "example.com")).isFalse();
        assertThat(Names.matches("a.example.com", "A.example.com")).isTrue();
        assertThat(Names.matches("*", "anything")).isTrue();
        assertThat(Names.matches("*.example.com", null)).isFalse();
    }

    private static String write(Object o) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
