package dev.nantian.core.filter.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.filter.HttpHeaders;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * Headers as one flat array of lower-case names and values. A request carries a dozen or two fields, so a linear
 * scan with {@link String#equalsIgnoreCase} beats hashing and allocates nothing per lookup.
 */
public final class DefaultHttpHeaders implements HttpHeaders {
    private String[] entries; // name0, value0, name1, value1, ...
    private int size; // number of used slots (2 per field)

    public DefaultHttpHeaders(int expectedFields) {
        entries = new String[Math.max(2, expectedFields * 2)];
    }

    @Override
    public String get(String name) {
        requireNonNull(name, "name");
        for (int i = 0; i < size; i += 2) {
            if (entries[i].equalsIgnoreCase(name)) {
                return entries[i + 1];
            }
        }
        return null;
    }

    @Override
    public List<String> getAll(String name) {
        requireNonNull(name, "name");
        List<String> values = null;
        for (int i = 0; i < size; i += 2) {
            if (entries[i].equalsIgnoreCase(name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(entries[i + 1]);
            }
        }
        return values == null ? List.of() : List.copyOf(values);
    }

    @Override
    public boolean contains(String name) {
        return get(name) != null;
    }

    @Override
    public HttpHeaders add(String name, String value) {
        String lower = lowerCase(requireNonNull(name, "name"));
        requireNonNull(value, "value");
        if (size == entries.length) {
            entries = Arrays.copyOf(entries, entries.length * 2);
        }
        entries[size++] = lower;
        entries[size++] = value;
        return this;
    }

    @Override
    public HttpHeaders set(String name, String value) {
        requireNonNull(value, "value");
        for (int i = 0; i < size; i += 2) {
            if (entries[i].equalsIgnoreCase(name)) {
                entries[i + 1] = value;
                removeFrom(name, i + 2);
                return this;
            }
        }
        return add(name, value);
    }

    @Override
    public boolean remove(String name) {
        requireNonNull(name, "name");
        return removeFrom(name, 0);
    }

    private boolean removeFrom(String name, int start) {
        int out = start;
        for (int i = start; i < size; i += 2) {
            if (!entries[i].equalsIgnoreCase(name)) {
                entries[out++] = entries[i];
                entries[out++] = entries[i + 1];
            }
        }
        boolean removed = out != size;
        Arrays.fill(entries, out, size, null);
        size = out;
        return removed;
    }

    @Override
    public int size() {
        return size / 2;
    }

    @Override
    public void forEach(BiConsumer<String, String> action) {
        requireNonNull(action, "action");
        for (int i = 0; i < size; i += 2) {
            action.accept(entries[i], entries[i + 1]);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < size; i += 2) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(entries[i]).append(": ").append(entries[i + 1]);
        }
        return sb.append(']').toString();
    }

    private static String lowerCase(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return name.toLowerCase(Locale.ROOT);
            }
        }
        return name;
    }
}
