package dev.nantian.core.routing.internal;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps a host name to a value the way Gateway API and Envoy pick a listener or virtual host: an exact name first, then
 * the longest matching {@code *.} wildcard suffix, then the catch-all {@code *}. A wildcard needs at least one label
 * in front of its suffix: {@code *.example.com} matches {@code a.example.com} and {@code a.b.example.com}, never
 * {@code example.com}.
 *
 * <p>Lookups are case-insensitive (ASCII) and allocation-free: exact names and wildcard suffixes (stored with their
 * leading dot) share one open-addressing table whose hash runs from the end of the name to its start, so a single
 * right-to-left pass over the request's host yields the hash of every suffix and probes only at dots.
 *
 * @param <T> the value type
 */
public final class HostMatcher<T> {
    private final String[] keys;
    private final int[] hashes;
    private final Object[] values;
    private final int mask;
    private final int size;
    private final boolean hasWildcards;
    private final T any;

    private HostMatcher(Map<String, T> entries, T any) {
        int capacity = Integer.highestOneBit(Math.max(2, entries.size()) * 2 - 1) << 1;
        keys = new String[capacity];
        hashes = new int[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        boolean wildcards = false;
        for (Map.Entry<String, T> e : entries.entrySet()) {
            String key = e.getKey();
            int hash = reverseHash(key);
            int slot = mix(hash) & mask;
            while (keys[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            hashes[slot] = hash;
            values[slot] = e.getValue();
            wildcards |= key.charAt(0) == '.';
        }
        size = entries.size();
        hasWildcards = wildcards;
        this.any = any;
    }

    /** Starts a builder. */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * The end of the host name in a {@code Host} header or {@code :authority}: before a {@code :port} suffix, after
     * the {@code ]} of an IPv6 literal. A bare IPv6 address (several colons, no brackets, as in some SNI-less logs)
     * is kept whole.
     */
    public static int hostEnd(String host) {
        int len = host.length();
        if (len > 0 && host.charAt(0) == '[') {
            int close = host.indexOf(']');
            return close < 0 ? len : close + 1;
        }
        int colon = host.lastIndexOf(':');
        return colon >= 0 && host.indexOf(':') == colon ? colon : len;
    }

    /** Finds the value for {@code host}, which may carry a port and upper-case letters; {@code null} means no host. */
    public T find(String host) {
        return host == null ? any : find(host, hostEnd(host));
    }

    /**
     * Finds the value for the host name {@code host[0, end)}, typically with {@code end} from {@link #hostEnd}. A
     * {@code null} host with {@code end == 0} finds the catch-all.
     */
    @SuppressWarnings("unchecked")
    public T find(String host, int end) {
        if (size == 0) {
            return any;
        }
        Object best = null;
        int h = 0;
        for (int i = end - 1; i >= 0; i--) {
            char c = fold(host.charAt(i));
            h = 31 * h + c;
            if (i == 0) {
                if (c != '.') {
                    Object exact = get(host, 0, end, h);
                    if (exact != null) {
                        return (T) exact;
                    }
                }
            } else if (c == '.' && hasWildcards) {
                Object wildcard = get(host, i, end, h);
                if (wildcard != null) {
                    best = wildcard; // scanning leftwards, so a later hit is a longer suffix
                }
            }
        }
        return best != null ? (T) best : any;
    }

    private Object get(String host, int from, int to, int hash) {
        int len = to - from;
        for (int slot = mix(hash) & mask; keys[slot] != null; slot = (slot + 1) & mask) {
            String key = keys[slot];
            if (hashes[slot] == hash && key.length() == len && equalsFolded(key, host, from)) {
                return values[slot];
            }
        }
        return null;
    }

    private static boolean equalsFolded(String lowerKey, String host, int from) {
        for (int i = 0, n = lowerKey.length(); i < n; i++) {
            if (lowerKey.charAt(i) != fold(host.charAt(from + i))) {
                return false;
            }
        }
        return true;
    }

    private static char fold(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    private static int reverseHash(String key) {
        int h = 0;
        for (int i = key.length() - 1; i >= 0; i--) {
            h = 31 * h + fold(key.charAt(i));
        }
        return h;
    }

    private static int mix(int h) {
        return h ^ (h >>> 16);
    }

    /**
     * Collects host patterns. The first value registered for a pattern wins, which lets callers register in
     * precedence order and learn about conflicts from the return value.
     *
     * @param <T> the value type
     */
    public static final class Builder<T> {
        private final Map<String, T> entries = new LinkedHashMap<>();
        private T any;

        private Builder() {}

        /**
         * Registers {@code pattern} (an exact name, {@code *.suffix} or {@code *}) unless it is already taken.
         *
         * @return {@code false} when the pattern was already registered; the earlier value stays
         */
        public boolean putIfAbsent(String pattern, T value) {
            requireNonNull(pattern, "pattern");
            requireNonNull(value, "value");
            if (pattern.equals("*")) {
                if (any != null) {
                    return false;
                }
                any = value;
                return true;
            }
            String key = pattern.startsWith("*.") ? pattern.substring(1) : pattern;
            if (key.isEmpty() || key.equals(".")) {
                throw new IllegalArgumentException("invalid host pattern: " + pattern);
            }
            return entries.putIfAbsent(lower(key), value) == null;
        }

        /** Registers the catch-all value unless one is already set. */
        public boolean putAnyIfAbsent(T value) {
            return putIfAbsent("*", value);
        }

        public HostMatcher<T> build() {
            return new HostMatcher<>(entries, any);
        }

        private static String lower(String s) {
            StringBuilder sb = null;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c >= 'A' && c <= 'Z') {
                    if (sb == null) {
                        sb = new StringBuilder(s);
                    }
                    sb.setCharAt(i, fold(c));
                }
            }
            return sb == null ? s : sb.toString();
        }
    }
}
