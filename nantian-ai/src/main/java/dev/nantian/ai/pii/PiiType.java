package dev.nantian.ai.pii;

import java.util.Optional;

/** A kind of personal or secret data the redactor finds; {@link #configName()} is its name in {@code pii.detectors}. */
public enum PiiType {
    /** E-mail addresses. */
    EMAIL("email", "EMAIL"),
    /** Phone numbers: E.164 ({@code +4915112345678}) and North American formats. */
    PHONE("phone", "PHONE"),
    /** Payment card numbers of 13 to 19 digits that pass the Luhn check. */
    CREDIT_CARD("creditCard", "CREDIT_CARD"),
    /** US social security numbers ({@code AAA-GG-SSSS}) that follow the SSA's allocation rules. */
    SSN("ssn", "SSN"),
    /** IBANs whose ISO 7064 mod-97 checksum is valid. */
    IBAN("iban", "IBAN"),
    /** IPv4 and IPv6 addresses. */
    IP_ADDRESS("ipAddress", "IP_ADDRESS"),
    /** Credentials: JWTs and well-known API key shapes (OpenAI, Anthropic, AWS, GitHub, Slack, Google). */
    SECRET("secret", "SECRET");

    private final String configName;
    private final String label;

    PiiType(String configName, String label) {
        this.configName = configName;
        this.label = label;
    }

    /** The name used in configuration, e.g. {@code creditCard}. */
    public String configName() {
        return configName;
    }

    /** The label in placeholders, e.g. {@code CREDIT_CARD} in {@code [CREDIT_CARD]}. */
    public String label() {
        return label;
    }

    /** The type with that configuration name. */
    public static Optional<PiiType> fromConfigName(String name) {
        for (PiiType type : values()) {
            if (type.configName.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
