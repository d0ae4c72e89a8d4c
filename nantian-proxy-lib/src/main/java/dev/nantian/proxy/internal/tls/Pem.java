package dev.nantian.proxy.internal.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys with the JDK alone. Private keys may be PKCS#8 ({@code BEGIN PRIVATE KEY}),
 * PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY}); the last two are rewrapped
 * into PKCS#8, which is all the JDK's {@link KeyFactory} reads. Encrypted keys are not supported: Kubernetes TLS
 * Secrets hold plain keys. Error messages never quote key material.
 */
final class Pem {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    // rsaEncryption 1.2.840.113549.1.1.1 and id-ecPublicKey 1.2.840.10045.2.1, DER-encoded OIDs.
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 1, 1, 1
    };
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 2, 1};
    private static final byte[] DER_NULL = {0x05, 0x00};
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

    private Pem() {}

    /** Every certificate in {@code pem}, in order; at least one. */
    static List<X509Certificate> certificates(String pem, String what) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            Matcher m = BLOCK.matcher(pem);
            while (m.find()) {
                if (!m.group(1).equals("CERTIFICATE")) {
                    continue;
                }
                Certificate c = cf.generateCertificate(new ByteArrayInputStream(decode(m.group(2), what)));
                out.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(what + ": invalid certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(what + ": no PEM certificate found");
        }
        return out;
    }

    /** The first private key in {@code pem}. */
    static PrivateKey privateKey(String pem, String what) {
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            switch (type) {
                case "PRIVATE KEY":
                    return pkcs8(decode(m.group(2), what), what);
                case "RSA PRIVATE KEY":
                    return pkcs8(wrap(sequence(RSA_OID, DER_NULL), decode(m.group(2), what)), what);
                case "EC PRIVATE KEY":
                    byte[] sec1 = decode(m.group(2), what);
                    return pkcs8(wrap(sequence(EC_OID, curveOid(sec1, what)), sec1), what);
                case "ENCRYPTED PRIVATE KEY":
                    throw new IllegalArgumentException(what + ": encrypted private keys are not supported");
                default:
                // Skip EC PARAMETERS and anything else that may precede the key.
            }
        }
        throw new IllegalArgumentException(what + ": no PEM private key found");
    }

    private static PrivateKey pkcs8(byte[] der, String what) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS", "DSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // Try the next algorithm; PKCS#8 names it, but KeyFactory wants to be told.
            }
        }
        throw new IllegalArgumentException(what + ": unreadable private key (not RSA, EC, Ed25519 or DSA)");
    }

    private static byte[] decode(String base64, String what) {
        try {
            return Base64.getMimeDecoder().decode(base64.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": invalid PEM base64", e);
        }
    }

    /** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING privateKey }. */
    private static byte[] wrap(byte[] algorithmIdentifier, byte[] key) {
        return tlv(0x30, concat(VERSION_0, algorithmIdentifier, tlv(0x04, key)));
    }

    private static byte[] sequence(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    /**
     * The named-curve OID of a SEC1 {@code ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING,
     * [0] parameters OPTIONAL, [1] publicKey OPTIONAL }}, as a complete DER OID element.
     */
    private static byte[] curveOid(byte[] sec1, String what) {
        Der seq = new Der(sec1, what);
        seq.expect(0x30);
        Der body = seq.enter();
        body.skip(); // version
        body.skip(); // privateKey
        while (body.hasMore()) {
            int tag = body.peekTag();
            if (tag == 0xa0) {
                Der params = body.enter();
                if (params.peekTag() == 0x06) {
                    return params.element();
                }
                break;
            }
            body.skip();
        }
        throw new IllegalArgumentException(what + ": SEC1 EC key without a named curve; use PKCS#8");
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A minimal DER reader: enough to walk a SEC1 key. */
    private static final class Der {
        private final byte[] buf;
        private final int end;
        private final String what;
        private int pos;

        Der(byte[] buf, String what) {
            this(buf, 0, buf.length, what);
        }

        private Der(byte[] buf, int start, int end, String what) {
            this.buf = buf;
            this.pos = start;
            this.end = end;
            this.what = what;
        }

        boolean hasMore() {
            return pos < end;
        }

        int peekTag() {
            check(pos < end);
            return buf[pos] & 0xff;
        }

        void expect(int tag) {
            check(peekTag() == tag);
        }

        /** The contents of the next element; the reader moves past it. */
        Der enter() {
            int[] hl = header();
            Der inner = new Der(buf, hl[0], hl[0] + hl[1], what);
            pos = hl[0] + hl[1];
            return inner;
        }

        /** The next element with its tag and length; the reader moves past it. */
        byte[] element() {
            int start = pos;
            int[] hl = header();
            pos = hl[0] + hl[1];
            return java.util.Arrays.copyOfRange(buf, start, pos);
        }

        void skip() {
            int[] hl = header();
            pos = hl[0] + hl[1];
        }

        /** Reads tag and length at {@code pos}; returns {contentStart, length}. */
        private int[] header() {
            check(pos + 2 <= end);
            int p = pos + 1;
            int len = buf[p++] & 0xff;
            if (len >= 0x80) {
                int n = len & 0x7f;
                check(n >= 1 && n <= 3 && p + n <= end);
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (buf[p++] & 0xff);
                }
            }
            check(p + len <= end);
            return new int[] {p, len};
        }

        private void check(boolean ok) {
            if (!ok) {
                throw new IllegalArgumentException(what + ": malformed SEC1 EC private key");
            }
        }
    }

    /** Reads a key pair's chain and key, checking that the key belongs to the leaf certificate. */
    static KeyMaterial keyPair(String certificateChainPem, String privateKeyPem, String what) {
        List<X509Certificate> chain = certificates(certificateChainPem, what);
        PrivateKey key = privateKey(privateKeyPem, what);
        if (!key.getAlgorithm().equals(chain.get(0).getPublicKey().getAlgorithm())) {
            throw new IllegalArgumentException(
                    what + ": the private key (" + key.getAlgorithm() + ") does not fit the certificate ("
                            + chain.get(0).getPublicKey().getAlgorithm() + ")");
        }
        return new KeyMaterial(chain, key);
    }

    /** A certificate chain (leaf first) and its private key. */
    record KeyMaterial(List<X509Certificate> chain, PrivateKey key) {
        KeyMaterial {
            chain = List.copyOf(chain);
        }

        X509Certificate[] chainArray() {
            return chain.toArray(X509Certificate[]::new);
        }

        @Override
        public String toString() {
            return "KeyMaterial[" + chain.get(0).getSubjectX500Principal() + ", key=<redacted>]";
        }
    }
}
