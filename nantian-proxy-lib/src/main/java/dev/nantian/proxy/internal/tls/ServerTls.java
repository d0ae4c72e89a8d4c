package dev.nantian.proxy.internal.tls;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.Secret;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The server side TLS of one terminating listener: an {@link SslContext} per certificate, chosen by the client's SNI
 * against each certificate's DNS names (exact names first, then wildcards, then the first certificate), all with the
 * listener's client-certificate policy. Built once per config snapshot, off the event loop; immutable and shared by
 * every connection.
 *
 * <p>Contexts use the JDK provider, so they hold no native memory and need no release.
 */
public final class ServerTls {
    private final List<Entry> entries;

    private ServerTls(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Builds the contexts of a terminating listener.
     *
     * @param listener an HTTPS listener, or a TLS listener in {@code Terminate} mode
     * @param snapshot where the listener's certificate and CA secrets are
     * @param alpn offer {@code h2} and {@code http/1.1} with ALPN (HTTPS listeners)
     * @throws IllegalArgumentException naming the listener and secret when material is missing or unreadable
     */
    public static ServerTls build(Listener listener, ConfigSnapshot snapshot, boolean alpn) {
        requireNonNull(listener, "listener");
        ListenerTls tls = listener.tls()
                .orElseThrow(
                        () -> new IllegalArgumentException("listener " + listener.name() + " has no TLS settings"));
        String where = "listener " + listener.name();
        TrustManagerFactory clientTrust = null;
        ClientAuth clientAuth = ClientAuth.NONE;
        Optional<ListenerTls.ClientValidation> validation = tls.clientValidation();
        if (validation.isPresent()) {
            List<X509Certificate> cas = new ArrayList<>();
            for (String name : validation.get().caCertificates()) {
                cas.addAll(caBundle(snapshot, name, where));
            }
            TrustManagerFactory strict = trustFactory(cas, where);
            if (validation.get().insecureFallback()) {
                // AllowInsecureFallback: ask for a certificate, accept the connection whatever was (not) presented.
                clientTrust = LenientTrustManagerFactory.wrap(strict);
                clientAuth = ClientAuth.OPTIONAL;
            } else {
                clientTrust = strict;
                clientAuth = ClientAuth.REQUIRE;
            }
        }
        List<Entry> entries = new ArrayList<>();
        for (String secretName : tls.certificates()) {
            String what = where + " certificate " + secretName;
            Secret secret = snapshot.secret(secretName)
                    .orElseThrow(() -> new IllegalArgumentException(what + ": secret not found"));
            if (!(secret instanceof Secret.TlsKeyPair pair)) {
                throw new IllegalArgumentException(what + ": not a TLS key pair");
            }
            Pem.KeyMaterial material = Pem.keyPair(pair.certificateChainPem(), pair.privateKeyPem(), what);
            SslContextBuilder b = SslContextBuilder.forServer(material.key(), material.chainArray())
                    .sslProvider(SslProvider.JDK)
                    .clientAuth(clientAuth);
            if (clientTrust != null) {
                b.trustManager(clientTrust);
            }
            if (alpn) {
                b.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                        .applicationProtocolConfig(new ApplicationProtocolConfig(
                                ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                                ApplicationProtocolNames.HTTP_2,
                                ApplicationProtocolNames.HTTP_1_1));
            }
            try {
                entries.add(new Entry(Names.dnsNames(material.chain().get(0)), b.build()));
            } catch (SSLException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
            }
        }
        return new ServerTls(entries);
    }

    /**
     * The context for a client's server name: the first certificate with an exact name equal to it, else the first
     * whose wildcard covers it, else the listener's first certificate. Allocation-free; any thread.
     *
     * @param serverName the SNI name, or {@code null} when the client sent none
     */
    public SslContext select(String serverName) {
        if (serverName != null && entries.size() > 1) {
            for (Entry e : entries) {
                for (String n : e.names) {
                    if (Names.isExact(n) && n.equalsIgnoreCase(serverName)) {
                        return e.context;
                    }
                }
            }
            for (Entry e : entries) {
                for (String n : e.names) {
                    if (!Names.isExact(n) && Names.matches(n, serverName)) {
                        return e.context;
                    }
                }
            }
        }
        return entries.get(0).context;
    }

    static List<X509Certificate> caBundle(ConfigSnapshot snapshot, String name, String where) {
        String what = where + " CA bundle " + name;
        Secret secret =
                snapshot.secret(name).orElseThrow(() -> new IllegalArgumentException(what + ": secret not found"));
        if (secret instanceof Secret.CaBundle bundle) {
            return Pem.certificates(bundle.pem(), what);
        }
        if (secret instanceof Secret.TlsKeyPair pair) {
            // A TLS Secret used as trust anchor: its certificates are the CAs.
            return Pem.certificates(pair.certificateChainPem(), what);
        }
        throw new IllegalArgumentException(what + ": not a CA bundle");
    }

    static TrustManagerFactory trustFactory(List<X509Certificate> cas, String where) {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (X509Certificate ca : cas) {
                ks.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException(where + ": cannot build a trust store: " + e.getMessage(), e);
        }
    }

    private static final class Entry {
        final List<String> names;
        final SslContext context;

        Entry(List<String> names, SslContext context) {
            this.names = List.copyOf(names);
            this.context = context;
        }
    }
}
