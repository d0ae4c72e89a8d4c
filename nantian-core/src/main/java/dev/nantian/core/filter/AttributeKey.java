package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

/**
 * A typed key for per-exchange state that filters share through {@link HttpFilterContext#attr(AttributeKey)}, for
 * example the token usage the AI filter records and a rate-limit filter charges. Keys compare by identity, so two
 * keys with the same name never collide; declare each once as a {@code static final} constant of its owner:
 *
 * <pre>{@code
 * public static final AttributeKey<TokenUsage> TOKEN_USAGE = AttributeKey.of("nantian.ai.token-usage");
 * }</pre>
 *
 * @param <T> the type of the value
 */
public final class AttributeKey<T> {
    private final String name;

    private AttributeKey(String name) {
        this.name = requireNonNull(name, "name");
    }

    /** Creates a new key; {@code name} is for diagnostics only. */
    public static <T> AttributeKey<T> of(String name) {
        return new AttributeKey<>(name);
    }

    /** The diagnostic name. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "AttributeKey(" + name + ")";
    }
}
