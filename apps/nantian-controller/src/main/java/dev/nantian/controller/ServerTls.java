package dev.nantian.controller;

import dev.nantian.core.watch.FileReloader;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The xDS port's credentials for {@link GrpcTls}. Key and trust material live in grpc-java's {@code AdvancedTls}
 * managers; a {@link FileReloader} re-reads the PEM files whenever their modification time or size changes (their
 * own file polling cannot check more often than once a minute): a renewed certificate (cert-manager, a rotated
 * Secret volume) takes effect for new connections without a restart, and established streams keep theirs.
 */
final class ServerTls implements AutoCloseable {
    private final ServerCredentials credentials;
    private final List<AutoCloseable> reloads;

    private ServerTls(ServerCredentials credentials, List<AutoCloseable> reloads) {
        this.credentials = credentials;
        this.reloads = List.copyOf(reloads);
    }

    /**
     * Loads the files once (failing on bad ones) and schedules their reloading.
     *
     * @throws IOException when a file cannot be read
     * @throws GeneralSecurityException when a file does not hold a usable certificate or key
     */
    static ServerTls create(GrpcTls tls, ScheduledExecutorService scheduler, Duration checkInterval)
            throws IOException, GeneralSecurityException {
        if (!tls.enabled()) {
            return new ServerTls(InsecureServerCredentials.create(), List.of());
        }
        List<AutoCloseable> reloads = new ArrayList<>();
        AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
        java.io.File cert = tls.certPath().orElseThrow().toFile();
        java.io.File key = tls.keyPath().orElseThrow().toFile();
        keys.updateIdentityCredentials(cert, key);
        reloads.add(FileReloader.start(
                "grpcTLS certificate",
                List.of(cert, key),
                () -> keys.updateIdentityCredentials(cert, key),
                scheduler,
                checkInterval));
        TlsServerCredentials.Builder creds = TlsServerCredentials.newBuilder().keyManager(keys);
        if (tls.clientCAPath().isPresent()) {
            // Clients are verified against the CA only: they are addressed by node id, not by host name.
            AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                    .build();
            java.io.File ca = tls.clientCAPath().get().toFile();
            trust.updateTrustCredentials(ca);
            reloads.add(FileReloader.start(
                    "grpcTLS client CA",
                    List.of(ca),
                    () -> trust.updateTrustCredentials(ca),
                    scheduler,
                    checkInterval));
            creds.trustManager(trust)
                    .clientAuth(
                            tls.requireClientCert()
                                    ? TlsServerCredentials.ClientAuth.REQUIRE
                                    : TlsServerCredentials.ClientAuth.OPTIONAL);
        }
        return new ServerTls(creds.build(), reloads);
    }

    ServerCredentials credentials() {
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
