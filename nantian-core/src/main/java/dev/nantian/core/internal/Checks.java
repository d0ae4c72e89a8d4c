package dev.nantian.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Argument checks shared by the model records. Not API. */
public final class Checks {
    private Checks() {}

    public static String nonEmpty(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value;
    }

    public static int port(int port, String name) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(name + " must be in 1..65535, got " + port);
        }
        return port;
    }

    public static int nonNegative(int value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
        return value;
    }

    public static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
        return value;
    }

    public static Duration positive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
        }
        return value;
    }

    public static Optional<Duration> positiveIfPresent(Optional<Duration> value, String name) {
        if (value == null) {
            throw new NullPointerException(name);
        }
        value.ifPresent(d -> positive(d, name));
        return value;
    }

    public static <T> List<T> list(List<T> value, String name) {
        if (value == null) {
            throw new NullPointerException(name);
        }
        return List.copyOf(value);
    }

    public static <T> List<T> nonEmptyList(List<T> value, String name) {
        List<T> copy = list(value, name);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return copy;
    }

    public static <K, V> Map<K, V> map(Map<K, V> value, String name) {
        if (value == null) {
            throw new NullPointerException(name);
        }
        return Map.copyOf(value);
    }

    /** Checks a DNS-style hostname as Gateway API allows it: optional leading {@code *.} wildcard label. */
    public static String hostname(String value, String name) {
        nonEmpty(value, name);
        if (value.length() > 253) {
            throw new IllegalArgumentException(name + " is longer than 253 characters: " + value);
        }
        String rest = value.startsWith("*.") ? value.substring(2) : value;
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(name + " must have a label after '*.': " + value);
        }
        for (String label : rest.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                throw new IllegalArgumentException(name + " has an empty or too long label: " + value);
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                if (!ok) {
                    throw new IllegalArgumentException(
                            name + " must be lower-case letters, digits, '-' and '.': " + value);
                }
            }
            if (label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
                throw new IllegalArgumentException(name + " has a label starting or ending with '-': " + value);
            }
        }
        return value;
    }
}
