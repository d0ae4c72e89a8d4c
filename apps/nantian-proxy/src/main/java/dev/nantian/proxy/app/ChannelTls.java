package dev.nantian.proxy.app;

import dev.nantian.core.watch.FileReloader;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.File;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The xDS channel's credentials for {@link XdsTls}. Key and trust material live in grpc-java's {@code AdvancedTls}
 * managers; a {@link FileReloader} re-reads the PEM files whenever they change (their own file polling cannot check
 * more often than once a minute): renewed certificates take effect on the next connection (the current stream keeps
 * its handshake). The control plane's
 * certificate is verified against the CA and the expected name ({@code domainName}, else the host of the address).
 */
final class ChannelTls implements AutoCloseable {
    private final ChannelCredentials credentials;
    private final List<AutoCloseable> reloads;

    private ChannelTls(ChannelCredentials credentials, List<AutoCloseable> reloads) {
        this.credentials = credentials;
        this.reloads = List.copyOf(reloads);
    }

    /**
     * Loads the files once (failing on bad ones) and schedules their reloading.
     *
     * @throws IOException when a file cannot be read
     * @throws GeneralSecurityException when a file does not hold a usable certificate or key
     */
    static ChannelTls create(XdsTls tls, ScheduledExecutorService scheduler, Duration checkInterval)
            throws IOException, GeneralSecurityException {
        if (!tls.enabled()) {
            return new ChannelTls(InsecureChannelCredentials.create(), List.of());
        }
        List<AutoCloseable> reloads = new ArrayList<>();
        AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
                .build();
        if (tls.caPath().isPresent()) {
            File ca = tls.caPath().get().toFile();
            trust.updateTrustCredentials(ca);
            reloads.add(FileReloader.start(
                    "xdsTls CA", List.of(ca), () -> trust.updateTrustCredentials(ca), scheduler, checkInterval));
        } else {
            trust.useSystemDefaultTrustCerts();
        }
        TlsChannelCredentials.Builder creds = TlsChannelCredentials.newBuilder().trustManager(trust);
        if (tls.certPath().isPresent()) {
            AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
            File cert = tls.certPath().get().toFile();
            File key = tls.keyPath().orElseThrow().toFile();
            keys.updateIdentityCredentials(cert, key);
            reloads.add(FileReloader.start(
                    "xdsTls client certificate",
                    List.of(cert, key),
                    () -> keys.updateIdentityCredentials(cert, key),
                    scheduler,
                    checkInterval));
            creds.keyManager(keys);
        }
        return new ChannelTls(creds.build(), reloads);
    }

    ChannelCredentials credentials() {
        return credentials;
    }

    /** Stops reloading. Idempotent. */
    @Override
    public void close() {
        for (AutoCloseable c : reloads) {
            try {
                c.close();
            } catch (Exception e) {
                // Closing only cancels a scheduled task; nothing to recover.
            }
        }
    }
}
