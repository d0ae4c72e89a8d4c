package dev.nantian.proxy.app;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.admin.AdminServer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code adminAuth}: a bearer token, inline ({@code bearerToken}) or in a file read on every request so that it can
 * rotate ({@code bearerTokenFile}); at most one of the two. Without either the admin API is open, which is why it
 * binds to loopback by default. {@code /healthz} and {@code /readyz} stay open for probes.
 *
 * <p>Same as the controller app's {@code AdminAuth}: apps share no code.
 *
 * @param bearerToken the token; never printed
 * @param bearerTokenFile the file holding the token
 */
public record AdminAuth(Optional<String> bearerToken, Optional<Path> bearerTokenFile) {
    /** No authentication. */
    public static final AdminAuth NONE = new AdminAuth(Optional.empty(), Optional.empty());

    public AdminAuth {
        requireNonNull(bearerToken, "bearerToken");
        requireNonNull(bearerTokenFile, "bearerTokenFile");
        if (bearerToken.isPresent() && bearerTokenFile.isPresent()) {
            throw new IllegalArgumentException("set adminAuth.bearerToken or adminAuth.bearerTokenFile, not both");
        }
    }

    static AdminAuth from(ConfigNode node) {
        Optional<String> token = node.string("bearerToken");
        Optional<Path> file = node.file("bearerTokenFile");
        if (token.isPresent() && file.isPresent()) {
            node.error("bearerTokenFile", "set bearerToken or bearerTokenFile, not both");
            return NONE;
        }
        return new AdminAuth(token, file);
    }

    /** Applies the token to an admin server. */
    AdminServer.Builder applyTo(AdminServer.Builder admin) {
        bearerToken.ifPresent(admin::bearerToken);
        bearerTokenFile.ifPresent(admin::bearerTokenFile);
        return admin;
    }

    @Override
    public String toString() {
        return "AdminAuth[" + (bearerToken.isPresent() ? "bearerToken=<redacted>" : "")
                + bearerTokenFile.map(f -> "bearerTokenFile=" + f).orElse("") + "]";
    }
}
