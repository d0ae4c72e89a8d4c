package dev.nantian.testing.echo.internal;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * Turns PEM material into the TLS handler of the HTTPS listener: one default certificate, optional per-SNI
 * certificates, ALPN {@code h2} and {@code http/1.1}, and optional client certificate requests.
 *
 * <p>Uses the JDK provider so no native library is needed; private keys must therefore be PKCS#8
 * ({@code BEGIN PRIVATE KEY}), which is what {@code openssl genpkey}, {@code openssl req -newkey} and Go emit.
 */
public final class ServerTls {

    /** How the server asks for client certificates. */
    public enum ClientCertificates {
        /** Never asks. */
        NONE,
        /** Asks, accepts any certificate (or none) and echoes what it got. */
        REQUEST_ANY,
        /** Asks and verifies a presented certificate against the configured CAs (Go's VerifyClientCertIfGiven). */
        VERIFY_IF_GIVEN
    }

    private ServerTls() {}

    /**
     * Builds the per-connection TLS handler factory.
     *
     * @param defaultChain certificate chain PEM used when no SNI entry matches
     * @param defaultKey PKCS#8 private key PEM of {@code defaultChain}
     * @param sniCertificates host name (wildcards like {@code *.example.com} allowed) to {chain, key} PEM
     * @param clientCertificates the client certificate policy
     * @param clientCaPem trusted client CAs for {@link ClientCertificates#VERIFY_IF_GIVEN}, else ignored
     * @throws IllegalArgumentException when the PEM material cannot be used
     */
    public static Function<Channel, ChannelHandler> handlerFactory(
            String defaultChain,
            String defaultKey,
            Map<String, String[]> sniCertificates,
            ClientCertificates clientCertificates,
            String clientCaPem) {
        SslContext fallback = context(defaultChain, defaultKey, clientCertificates, clientCaPem);
        if (sniCertificates.isEmpty()) {
            return ch -> fallback.newHandler(ch.alloc());
        }
        DomainWildcardMappingBuilder<SslContext> builder = new DomainWildcardMappingBuilder<>(fallback);
        for (Map.Entry<String, String[]> entry : new LinkedHashMap<>(sniCertificates).entrySet()) {
            builder.add(
                    entry.getKey(), context(entry.getValue()[0], entry.getValue()[1], clientCertificates, clientCaPem));
        }
        Mapping<String, SslContext> mapping = builder.build();
        return ch -> new SniHandler(mapping);
    }

    private static SslContext context(String chainPem, String keyPem, ClientCertificates clients, String caPem) {
        requireNonNull(chainPem, "chainPem");
        requireNonNull(keyPem, "keyPem");
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(stream(chainPem), stream(keyPem))
                    .sslProvider(SslProvider.JDK)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2,
                            ApplicationProtocolNames.HTTP_1_1));
            switch (clients) {
                case REQUEST_ANY:
                    builder.clientAuth(ClientAuth.OPTIONAL).trustManager(InsecureTrustManagerFactory.INSTANCE);
                    break;
                case VERIFY_IF_GIVEN:
                    builder.clientAuth(ClientAuth.OPTIONAL).trustManager(stream(requireNonNull(caPem, "caPem")));
                    break;
                default:
                    break;
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid TLS material for the echo server: " + e.getMessage(), e);
        }
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
