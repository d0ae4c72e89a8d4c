package dev.nantian.xds.codec.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Collects decoding errors, each prefixed with where it was found ({@code RouteConfiguration web:
 * virtual_hosts[0].routes[2].match: ...}), so that one NACK lists every problem of a resource set.
 */
public final class Errors {
    private final List<String> errors = new ArrayList<>();

    /** Records a problem at {@code where}. */
    public void add(String where, String message) {
        errors.add(where + ": " + message);
    }

    /**
     * Runs {@code builder}, which constructs IR records; a rejected argument becomes an error at {@code where}
     * and the result is {@code null}.
     */
    public <T> T attempt(String where, Supplier<T> builder) {
        try {
            return builder.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            add(where, String.valueOf(e.getMessage()));
            return null;
        }
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public int size() {
        return errors.size();
    }

    /** The errors found so far, in order. */
    public List<String> list() {
        return List.copyOf(errors);
    }
}
