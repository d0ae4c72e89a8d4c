package dev.nantian.core.routing.internal;

import java.util.Map;

/**
 * An immutable open-addressing map from path strings to values, probed with a region {@code [0, end)} of a request
 * target and a precomputed hash, so no substring is ever created.
 *
 * <p>The hash is {@link String#hashCode()}'s polynomial. Because 31 is odd it is invertible modulo 2<sup>32</sup>,
 * which lets a caller that has hashed {@code [0, n)} derive the hash of every shorter prefix while walking back
 * with {@link #shorten(int, char)}: one pass over the path serves both the exact table and every prefix length.
 *
 * @param <V> the value type
 */
public final class PathTable<V> {
    /** The multiplicative inverse of 31 modulo 2<sup>32</sup>. */
    private static final int INV31 = inverse(31);

    private final String[] keys;
    private final int[] hashes;
    private final Object[] values;
    private final int mask;
    private final int size;

    private PathTable(Map<String, V> entries) {
        int capacity = Integer.highestOneBit(Math.max(2, entries.size()) * 2 - 1) << 1;
        keys = new String[capacity];
        hashes = new int[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        for (Map.Entry<String, V> e : entries.entrySet()) {
            int hash = e.getKey().hashCode();
            int slot = mix(hash) & mask;
            while (keys[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = e.getKey();
            hashes[slot] = hash;
            values[slot] = e.getValue();
        }
        size = entries.size();
    }

    /** A table holding a copy of {@code entries}. */
    public static <V> PathTable<V> of(Map<String, V> entries) {
        return new PathTable<>(entries);
    }

    /** True when the table holds nothing. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** The value whose key equals {@code s[0, end)}, which must hash to {@code hash}; {@code null} when none. */
    @SuppressWarnings("unchecked")
    public V get(String s, int end, int hash) {
        for (int slot = mix(hash) & mask; keys[slot] != null; slot = (slot + 1) & mask) {
            String key = keys[slot];
            if (hashes[slot] == hash && key.length() == end && s.startsWith(key)) {
                return (V) values[slot];
            }
        }
        return null;
    }

    /** Extends the hash of a prefix by one character, as {@link String#hashCode()} does. */
    public static int extend(int hash, char c) {
        return 31 * hash + c;
    }

    /** Undoes {@link #extend}: the hash of the prefix without its last character {@code last}. */
    public static int shorten(int hash, char last) {
        return (hash - last) * INV31;
    }

    private static int inverse(int odd) {
        int x = odd; // correct to 3 bits because odd * odd == 1 (mod 8); each Newton step doubles that
        for (int i = 0; i < 5; i++) {
            x *= 2 - odd * x;
        }
        return x;
    }

    private static int mix(int h) {
        return h ^ (h >>> 16);
    }
}
