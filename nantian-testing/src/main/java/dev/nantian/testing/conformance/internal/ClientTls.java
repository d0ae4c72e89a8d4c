package dev.nantian.testing.conformance.internal;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS side of one conformance round trip, as Go's {@code crypto/tls} client of the upstream suite behaves: trust
 * only the given roots, check the server name against the certificate's DNS SANs with Go's wildcard rules, present
 * a client certificate when one is given, and remember whether the server asked for one. One instance per
 * handshake (the flag is per handshake); its {@link SSLContext} also keeps sessions from being resumed across
 * round trips.
 */
public final class ClientTls {

    private final SSLContext context;
    private final AtomicBoolean clientCertificateRequested = new AtomicBoolean();

    /**
     * @param roots trusted certificates (any certificate in the server's chain may be one of them)
     * @param serverName the name to verify (and the SNI), or null to check only the chain
     * @param clientChain the client certificate chain, or null
     * @param clientKey the client key, or null
     */
    public ClientTls(
            List<X509Certificate> roots, String serverName, List<X509Certificate> clientChain, PrivateKey clientKey) {
        try {
            context = SSLContext.getInstance("TLS");
            context.init(
                    new KeyManager[] {new RecordingKeyManager(clientChain, clientKey)},
                    new TrustManager[] {new GoTrustManager(List.copyOf(roots), serverName)},
                    null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS", e);
        }
    }

    /** The context to create the client engine from. */
    public SSLContext context() {
        return context;
    }

    /** Whether the server sent a CertificateRequest in the handshake. */
    public boolean clientCertificateRequested() {
        return clientCertificateRequested.get();
    }

    /** Parses every certificate in a PEM text. */
    public static List<X509Certificate> parseCertificates(String pem) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            factory.generateCertificates(
                            new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                    .forEach(c -> out.add((X509Certificate) c));
            return List.copyOf(out);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate list", e);
        }
    }

    /**
     * Go's {@code matchHostnames}: case-insensitive, a trailing dot ignored, and {@code *} matches exactly one whole
     * label, only as the leftmost label of a pattern with more than one label ({@code *.org} matches
     * {@code example.org}; {@code *} alone matches nothing).
     */
    static boolean matchHostname(String pattern, String host) {
        pattern = trimDot(pattern.toLowerCase(Locale.ROOT));
        host = trimDot(host.toLowerCase(Locale.ROOT));
        if (pattern.isEmpty() || host.isEmpty()) {
            return false;
        }
        String[] p = pattern.split("\\.", -1);
        String[] h = host.split("\\.", -1);
        if (p.length != h.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (i == 0 && p[i].equals("*") && p.length > 1) {
                continue;
            }
            if (!p[i].equals(h[i])) {
                return false;
            }
        }
        return true;
    }

    private static String trimDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private final class RecordingKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "client";
        private final X509Certificate[] chain;
        private final PrivateKey key;

        RecordingKeyManager(List<X509Certificate> chain, PrivateKey key) {
            this.chain = chain == null ? null : chain.toArray(new X509Certificate[0]);
            this.key = key;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return chooseClientAlias(keyType, issuers, null);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            // The JDK calls this only when the server sent a CertificateRequest.
            clientCertificateRequested.set(true);
            if (chain == null || key == null) {
                return null;
            }
            // Go sends its certificate whatever CA names the server hints at; so do we.
            return ALIAS;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return chain == null ? null : new String[] {ALIAS};
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    private static final class GoTrustManager extends X509ExtendedTrustManager {
        private final List<X509Certificate> roots;
        private final String serverName;

        GoTrustManager(List<X509Certificate> roots, String serverName) {
            this.roots = roots;
            this.serverName = serverName;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("server sent no certificate");
            }
            verifyChain(chain);
            if (serverName != null && !serverName.isEmpty()) {
                verifyName(chain[0]);
            }
        }

        private void verifyChain(X509Certificate[] chain) throws CertificateException {
            // A root that is itself the leaf (self-signed serving certificates) is trusted directly, as Go does.
            for (X509Certificate root : roots) {
                if (root.equals(chain[0])) {
                    chain[0].checkValidity();
                    return;
                }
            }
            try {
                Set<TrustAnchor> anchors = new HashSet<>();
                roots.forEach(r -> anchors.add(new TrustAnchor(r, null)));
                if (anchors.isEmpty()) {
                    throw new CertificateException("no trusted roots configured");
                }
                List<X509Certificate> path = new ArrayList<>();
                for (X509Certificate c : chain) {
                    if (roots.contains(c)) {
                        break;
                    }
                    path.add(c);
                }
                PKIXParameters params = new PKIXParameters(anchors);
                params.setRevocationEnabled(false);
                CertPathValidator.getInstance("PKIX")
                        .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
            } catch (GeneralSecurityException e) {
                throw new CertificateException("server certificate is not trusted: " + e.getMessage(), e);
            }
        }

        private void verifyName(X509Certificate leaf) throws CertificateException {
            List<String> names = new ArrayList<>();
            try {
                if (leaf.getSubjectAlternativeNames() != null) {
                    for (List<?> san : leaf.getSubjectAlternativeNames()) {
                        if (Integer.valueOf(2).equals(san.get(0))) {
                            names.add((String) san.get(1));
                        }
                    }
                }
            } catch (CertificateParsingException e) {
                throw new CertificateException("cannot read SANs", e);
            }
            for (String name : names) {
                if (matchHostname(name, serverName)) {
                    return;
                }
            }
            throw new CertificateException("certificate is valid for " + names + ", not " + serverName);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return roots.toArray(new X509Certificate[0]);
        }
    }
}
