package dev.nantian.ai;

import dev.nantian.core.model.Secret;
import java.util.Optional;

/**
 * Finds secrets by name ({@code namespace/name}), typically {@code snapshot::secret} of the config snapshot being
 * applied. Called off the event loop while a config snapshot is parsed; the API key found is copied into the
 * parsed configuration, so rotating a key takes a new snapshot.
 */
@FunctionalInterface
public interface SecretLookup {
    /** The secret named {@code name}, if any. */
    Optional<Secret> find(String name);
}
