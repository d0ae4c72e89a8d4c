package dev.nantian.proxy.internal.tls;

import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gateway API's {@code AllowInsecureFallback} for client certificates: the server still asks for a certificate
 * (advertising the trusted CAs), validates what is presented, and logs a failure instead of failing the handshake.
 */
final class LenientTrustManagerFactory extends SimpleTrustManagerFactory {
    private static final Logger log = LoggerFactory.getLogger(LenientTrustManagerFactory.class);

    private final TrustManager manager;

    private LenientTrustManagerFactory(X509TrustManager strict) {
        this.manager = new Lenient(strict);
    }

    static TrustManagerFactory wrap(TrustManagerFactory strict) {
        for (TrustManager tm : strict.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) {
                return new LenientTrustManagerFactory(x509);
            }
        }
        throw new IllegalArgumentException("no X.509 trust manager");
    }

    @Override
    protected void engineInit(KeyStore keyStore) {}

    @Override
    protected void engineInit(ManagerFactoryParameters params) {}

    @Override
    protected TrustManager[] engineGetTrustManagers() {
        return new TrustManager[] {manager};
    }

    private static final class Lenient extends X509ExtendedTrustManager {
        private final X509TrustManager strict;

        Lenient(X509TrustManager strict) {
            this.strict = strict;
        }

        private void check(X509Certificate[] chain, String authType) {
            try {
                strict.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                log.debug("accepting an untrusted client certificate (insecure fallback): {}", e.toString());
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            check(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            check(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            check(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a server-side trust manager does not check servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return strict.getAcceptedIssuers();
        }
    }
}
