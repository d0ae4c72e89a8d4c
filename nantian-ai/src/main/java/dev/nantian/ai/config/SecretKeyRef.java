package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

/**
 * A value inside a Secret in the AIService's namespace ({@code auth: {secretRef: {name: anthropic-key, key:
 * apiKey}}}). The data plane looks the Secret up as {@code namespace/name} among the snapshot's secrets.
 *
 * @param name the Secret's name
 * @param key the key inside the Secret's data
 */
public record SecretKeyRef(String name, String key) {
    public SecretKeyRef {
        requireNonNull(name, "name");
        requireNonNull(key, "key");
    }
}
