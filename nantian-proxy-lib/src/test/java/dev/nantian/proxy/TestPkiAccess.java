package dev.nantian.proxy;

import java.security.PrivateKey;

/** Lets tests in other packages write keys the way {@link TestPki} does. */
public final class TestPkiAccess {
    private TestPkiAccess() {}

    /** PKCS#1 (RSA) or SEC1 with named curve (EC) PEM. */
    public static String traditional(PrivateKey key) {
        return TestPki.traditional(key);
    }
}
