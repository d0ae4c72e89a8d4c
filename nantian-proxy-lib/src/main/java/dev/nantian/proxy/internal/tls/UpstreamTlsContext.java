package dev.nantian.proxy.internal.tls;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.UpstreamTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS from the proxy to a cluster (Gateway API BackendTLSPolicy): trust in the given CA bundles or the JDK's system
 * store, the configured SNI, verification of the server certificate's names (the SNI as a DNS or IP name, or, when
 * subject alternative names are configured, at least one of those: DNS names with wildcards, URIs exactly), an
 * optional client certificate, and ALPN ({@code h2} for HTTP/2 clusters, {@code http/1.1} otherwise).
 *
 * <p>Built once per snapshot off the event loop. Two contexts built from the same settings and the same secret
 * contents are {@linkplain #equals equal}, so that unchanged clusters keep their pooled connections across config
 * swaps.
 */
public final class UpstreamTlsContext {
    private final UpstreamTls settings;
    private final boolean http2;
    private final List<String> material;
    private final SslContext context;

    private UpstreamTlsContext(UpstreamTls settings, boolean http2, List<String> material, SslContext context) {
        this.settings = settings;
        this.http2 = http2;
        this.material = material;
        this.context = context;
    }

    /**
     * Builds the context of a cluster with TLS, or returns {@code null} for a cluster without.
     *
     * @throws IllegalArgumentException naming the cluster and secret when material is missing or unreadable
     */
    public static UpstreamTlsContext build(Cluster cluster, ConfigSnapshot snapshot) {
        if (cluster.tls().isEmpty()) {
            return null;
        }
        UpstreamTls tls = cluster.tls().get();
        String where = "cluster " + cluster.name();
        boolean http2 = cluster.protocol() == UpstreamProtocol.H2;
        List<String> material = new ArrayList<>();
        TrustManagerFactory trust;
        if (tls.caCertificates().isEmpty()) {
            trust = systemTrust(where);
        } else {
            List<X509Certificate> cas = new ArrayList<>();
            for (String name : tls.caCertificates()) {
                cas.addAll(ServerTls.caBundle(snapshot, name, where));
                material.add(pemOf(snapshot, name));
            }
            trust = ServerTls.trustFactory(cas, where);
        }
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .trustManager(new VerifyingTrustManagerFactory(x509(trust, where), tls))
                // Names are checked by our trust manager (SNI or the configured SANs), not by the engine.
                .endpointIdentificationAlgorithm(null)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        http2 ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1));
        if (tls.clientCertificate().isPresent()) {
            String name = tls.clientCertificate().get();
            String what = where + " client certificate " + name;
            Secret secret =
                    snapshot.secret(name).orElseThrow(() -> new IllegalArgumentException(what + ": secret not found"));
            if (!(secret instanceof Secret.TlsKeyPair pair)) {
                throw new IllegalArgumentException(what + ": not a TLS key pair");
            }
            Pem.KeyMaterial km = Pem.keyPair(pair.certificateChainPem(), pair.privateKeyPem(), what);
            b.keyManager(km.key(), km.chainArray());
            material.add(pair.certificateChainPem());
            material.add(pair.privateKeyPem());
        }
        try {
            return new UpstreamTlsContext(tls, http2, List.copyOf(material), b.build());
        } catch (SSLException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** A new client handler that sends the configured SNI. Runs on the connection's event loop. */
    public SslHandler newHandler(ByteBufAllocator alloc, int port) {
        // The peer host given here becomes the SNI; name checks happen in our trust manager, not the engine's.
        return context.newHandler(alloc, settings.sni(), port);
    }

    /** True when the cluster speaks HTTP/2 over this TLS (ALPN h2 required). */
    public boolean http2() {
        return http2;
    }

    /** The SNI sent. */
    public String sni() {
        return settings.sni();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UpstreamTlsContext other
                && settings.equals(other.settings)
                && http2 == other.http2
                && material.equals(other.material);
    }

    @Override
    public int hashCode() {
        return Objects.hash(settings, http2, material);
    }

    @Override
    public String toString() {
        return "UpstreamTls[sni=" + settings.sni() + (http2 ? ", h2" : "") + "]";
    }

    private static String pemOf(ConfigSnapshot snapshot, String name) {
        Secret s = snapshot.secret(name).orElseThrow();
        return s instanceof Secret.CaBundle ca ? ca.pem() : ((Secret.TlsKeyPair) s).certificateChainPem();
    }

    private static TrustManagerFactory systemTrust(String where) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            return tmf;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(where + ": cannot load the system trust store: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager x509(TrustManagerFactory tmf, String where) {
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalArgumentException(where + ": no X.509 trust manager");
    }

    /**
     * True when the leaf certificate carries a name the policy asks for: one of the configured SANs or, without
     * any, the SNI (as an IP SAN when it is an IP literal, else a DNS name).
     */
    static boolean namesMatch(X509Certificate leaf, UpstreamTls tls) {
        if (tls.subjectAltNames().isEmpty()) {
            return hostMatches(leaf, tls.sni());
        }
        for (UpstreamTls.SubjectAltName san : tls.subjectAltNames()) {
            if (san.type() == UpstreamTls.SubjectAltName.Type.URI) {
                if (Names.uriNames(leaf).contains(san.value())) {
                    return true;
                }
            } else if (hostMatches(leaf, san.value())) {
                return true;
            }
        }
        return false;
    }

    private static boolean hostMatches(X509Certificate leaf, String host) {
        if (Names.isIpLiteral(host)) {
            for (String ip : Names.ipNames(leaf)) {
                if (Names.sameAddress(ip, host)) {
                    return true;
                }
            }
            return false;
        }
        for (String n : Names.dnsNames(leaf)) {
            if (!n.equals("*") && Names.matches(n, host)) {
                return true;
            }
        }
        return false;
    }

    /** Chain validation by the trust store, then the policy's name check on the leaf. */
    private static final class VerifyingTrustManagerFactory extends SimpleTrustManagerFactory {
        private final TrustManager manager;

        VerifyingTrustManagerFactory(X509TrustManager trust, UpstreamTls tls) {
            this.manager = new Verifying(trust, tls);
        }

        @Override
        protected void engineInit(KeyStore keyStore) {}

        @Override
        protected void engineInit(ManagerFactoryParameters params) {}

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return new TrustManager[] {manager};
        }
    }

    private static final class Verifying extends X509ExtendedTrustManager {
        private final X509TrustManager trust;
        private final UpstreamTls tls;

        Verifying(X509TrustManager trust, UpstreamTls tls) {
            this.trust = trust;
            this.tls = tls;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            if (trust instanceof X509ExtendedTrustManager ext) {
                // The engine has no endpoint identification algorithm set, so this validates the chain only.
                ext.checkServerTrusted(chain, authType, engine);
            } else {
                trust.checkServerTrusted(chain, authType);
            }
            checkNames(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            trust.checkServerTrusted(chain, authType);
            checkNames(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        private void checkNames(X509Certificate[] chain) throws CertificateException {
            if (chain.length == 0 || !namesMatch(chain[0], tls)) {
                throw new CertificateException("the backend certificate does not match "
                        + (tls.subjectAltNames().isEmpty() ? "the SNI " + tls.sni() : "any configured SAN"));
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client-side trust manager does not check clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return trust.getAcceptedIssuers();
        }
    }
}
