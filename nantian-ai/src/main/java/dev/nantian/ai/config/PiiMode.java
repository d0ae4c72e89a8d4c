package dev.nantian.ai.config;

import java.util.Optional;

/** What PII redaction does with a finding. */
public enum PiiMode {
    /** Nothing: no scanning. */
    OFF("off"),
    /** Replace the value by a typed placeholder such as {@code [EMAIL]}. */
    MASK("mask"),
    /** Replace the value by a typed, stable hash such as {@code [EMAIL:3f1c...]}, so equal values stay equal. */
    HASH("hash"),
    /** Reject the request with 400 naming the kind of data found (never the value). */
    BLOCK("block");

    private final String configName;

    PiiMode(String configName) {
        this.configName = configName;
    }

    /** The name in configuration. */
    public String configName() {
        return configName;
    }

    /** The mode with that configuration name. */
    public static Optional<PiiMode> fromConfigName(String name) {
        for (PiiMode mode : values()) {
            if (mode.configName.equals(name)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
