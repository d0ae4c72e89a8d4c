package dev.nantian.core.filter;

import dev.nantian.core.filter.internal.DefaultHttpHeaders;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A mutable, ordered multi-map of HTTP header (or trailer) fields. Names compare case-insensitively; pseudo-headers
 * ({@code :method}, {@code :path}, ...) are not here but on {@link HttpRequestHead} and {@link HttpResponseHead}.
 *
 * <p>An interface so that a host can hand filters a view over its own header objects instead of copying them for
 * every request. Instances are not thread-safe: use them on the exchange's event loop only.
 */
public interface HttpHeaders {

    /** Creates an empty, mutable header map. */
    static HttpHeaders of() {
        return new DefaultHttpHeaders(8);
    }

    /**
     * Creates a mutable header map holding the given fields.
     *
     * @param namesAndValues alternating names and values, e.g. {@code "content-type", "text/plain"}
     */
    static HttpHeaders of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("namesAndValues must alternate names and values");
        }
        HttpHeaders headers = new DefaultHttpHeaders(Math.max(8, namesAndValues.length / 2));
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    /** A mutable copy of {@code other}, independent of it. */
    static HttpHeaders copyOf(HttpHeaders other) {
        HttpHeaders copy = new DefaultHttpHeaders(Math.max(8, other.size()));
        other.forEach(copy::add);
        return copy;
    }

    /** The first value of {@code name}, or {@code null} when absent. */
    String get(String name);

    /** Every value of {@code name} in order; empty when absent. */
    List<String> getAll(String name);

    /** Whether at least one field is named {@code name}. */
    boolean contains(String name);

    /** Appends a field, keeping existing ones of the same name. Returns {@code this}. */
    HttpHeaders add(String name, String value);

    /** Replaces all fields named {@code name} by one. Returns {@code this}. */
    HttpHeaders set(String name, String value);

    /** Removes all fields named {@code name}; returns whether any was removed. */
    boolean remove(String name);

    /** The number of fields (not of distinct names). */
    int size();

    /** Whether there are no fields. */
    default boolean isEmpty() {
        return size() == 0;
    }

    /** Visits every field in order, without allocating. Names are given in lower case. */
    void forEach(BiConsumer<String, String> action);
}
