package dev.nantian.core;

import java.util.List;

/**
 * Configuration was rejected. Carries every problem found, not just the first, so that one round trip tells the
 * author all that must be fixed (the same list becomes an xDS NACK's {@code error_detail} or a status message).
 */
public final class ConfigValidationException extends NantianException {
    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    public ConfigValidationException(List<String> errors) {
        super(Category.CONFIG, format(errors));
        this.errors = List.copyOf(errors);
    }

    /** Every problem found, in the order found; never empty. */
    public List<String> errors() {
        return errors;
    }

    private static String format(List<String> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a validation failure needs at least one error");
        }
        if (errors.size() == 1) {
            return errors.get(0);
        }
        return errors.size() + " errors: " + String.join("; ", errors);
    }
}
