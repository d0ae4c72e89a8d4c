package dev.nantian.k8s.translate.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * A SHA-256 over a compact, unambiguous binary encoding of IR values, written straight into the digest through a
 * small buffer. It replaces hashing each record's {@code toString()}, which built megabytes of nested strings per
 * translation (half the translator's time) and missed whatever a record leaves out of its text.
 *
 * <p>The encoding walks records component by component (by reflection, so a component added to an IR record is
 * covered without touching this class): strings, numbers, booleans, enums (by name), {@code Optional}s, lists,
 * sets and maps, {@code Duration}s and {@code Instant}s each get a type tag and, where variable, a length; a record
 * starts with its simple name, which tells the variants of a sealed interface apart. Maps and sets whose elements
 * are strings are encoded in sorted order, so equal values hash equally in every JVM ({@code Map.copyOf} iterates
 * in an order that changes from run to run). Anything else is encoded by class name and {@code toString()}.
 *
 * <p>Not thread-safe; one instance per translation.
 */
final class ContentHash {
    private static final byte NULL = 0;
    private static final byte STRING = 1;
    private static final byte INT = 2;
    private static final byte LONG = 3;
    private static final byte TRUE = 4;
    private static final byte FALSE = 5;
    private static final byte DOUBLE = 6;
    private static final byte ENUM = 7;
    private static final byte EMPTY = 8;
    private static final byte PRESENT = 9;
    private static final byte LIST = 10;
    private static final byte MAP = 11;
    private static final byte RECORD = 12;
    private static final byte DURATION = 13;
    private static final byte INSTANT = 14;
    private static final byte OTHER = 15;
    private static final byte BYTES = 16;

    /**
     * The accessors of each record class, looked up once per class; immutable facts about loaded classes, not
     * configuration, so sharing them between translators is safe.
     */
    private static final ClassValue<RecordShape> SHAPES = new ClassValue<>() {
        @Override
        protected RecordShape computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Method[] accessors = new Method[components.length];
            for (int i = 0; i < components.length; i++) {
                accessors[i] = components[i].getAccessor();
                accessors[i].setAccessible(true);
            }
            return new RecordShape(type.getSimpleName().getBytes(StandardCharsets.UTF_8), accessors);
        }
    };

    private record RecordShape(byte[] name, Method[] accessors) {}

    private final MessageDigest digest;
    private final byte[] buffer = new byte[8192];
    private int position;

    ContentHash() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    /** Adds one value (a record, a collection of them, or any of the types above). */
    ContentHash add(Object value) {
        write(value);
        return this;
    }

    /** The first 12 bytes of the digest in hex: the snapshot version. Ends this hash. */
    String finish() {
        flush();
        return HexFormat.of().formatHex(digest.digest(), 0, 12);
    }

    private void write(Object value) {
        if (value == null) {
            put(NULL);
        } else if (value instanceof String s) {
            put(STRING);
            writeString(s);
        } else if (value instanceof Record r) {
            writeRecord(r);
        } else if (value instanceof List<?> list) {
            put(LIST);
            putInt(list.size());
            for (int i = 0, n = list.size(); i < n; i++) {
                write(list.get(i));
            }
        } else if (value instanceof Optional<?> o) {
            if (o.isPresent()) {
                put(PRESENT);
                write(o.get());
            } else {
                put(EMPTY);
            }
        } else if (value instanceof Integer i) {
            put(INT);
            putInt(i);
        } else if (value instanceof Long l) {
            put(LONG);
            putLong(l);
        } else if (value instanceof Boolean b) {
            put(b ? TRUE : FALSE);
        } else if (value instanceof Enum<?> e) {
            put(ENUM);
            writeString(e.name());
        } else if (value instanceof Map<?, ?> map) {
            writeMap(map);
        } else if (value instanceof Collection<?> c) {
            writeCollection(c);
        } else if (value instanceof Double d) {
            put(DOUBLE);
            putLong(Double.doubleToLongBits(d));
        } else if (value instanceof Duration d) {
            put(DURATION);
            putLong(d.getSeconds());
            putInt(d.getNano());
        } else if (value instanceof Instant t) {
            put(INSTANT);
            putLong(t.getEpochSecond());
            putInt(t.getNano());
        } else if (value instanceof byte[] bytes) {
            put(BYTES);
            putInt(bytes.length);
            putBytes(bytes);
        } else {
            put(OTHER);
            writeString(value.getClass().getName());
            writeString(value.toString());
        }
    }

    private void writeRecord(Record r) {
        RecordShape shape = SHAPES.get(r.getClass());
        put(RECORD);
        putInt(shape.name.length);
        putBytes(shape.name);
        for (Method accessor : shape.accessors) {
            Object component;
            try {
                component = accessor.invoke(r);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + accessor, e);
            }
            write(component);
        }
    }

    private void writeMap(Map<?, ?> map) {
        put(MAP);
        putInt(map.size());
        if (map instanceof SortedMap<?, ?> || !allStrings(map.keySet())) {
            map.forEach((k, v) -> {
                write(k);
                write(v);
            });
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        entries.sort((a, b) -> ((String) a.getKey()).compareTo((String) b.getKey()));
        for (Map.Entry<?, ?> e : entries) {
            write(e.getKey());
            write(e.getValue());
        }
    }

    private void writeCollection(Collection<?> c) {
        put(LIST);
        putInt(c.size());
        if (c instanceof Set<?> && !(c instanceof SortedSet<?>) && allStrings(c)) {
            List<String> sorted = new ArrayList<>(c.size());
            c.forEach(e -> sorted.add((String) e));
            sorted.sort(null);
            sorted.forEach(this::write);
        } else {
            c.forEach(this::write);
        }
    }

    private static boolean allStrings(Collection<?> c) {
        for (Object o : c) {
            if (!(o instanceof String)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The number of UTF-16 units, then each unit in one byte (below 0x80) or three (the rest): injective, and cheap
     * for the ASCII that configuration mostly is.
     */
    private void writeString(String s) {
        int n = s.length();
        putInt(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                put((byte) c);
            } else {
                put((byte) (0xE0 | (c >>> 12)));
                put((byte) (0x80 | ((c >>> 6) & 0x3F)));
                put((byte) (0x80 | (c & 0x3F)));
            }
        }
    }

    private void putInt(int v) {
        if (position + 4 > buffer.length) {
            flush();
        }
        buffer[position++] = (byte) (v >>> 24);
        buffer[position++] = (byte) (v >>> 16);
        buffer[position++] = (byte) (v >>> 8);
        buffer[position++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }

    private void putBytes(byte[] bytes) {
        if (position + bytes.length > buffer.length) {
            flush();
            if (bytes.length > buffer.length) {
                digest.update(bytes);
                return;
            }
        }
        System.arraycopy(bytes, 0, buffer, position, bytes.length);
        position += bytes.length;
    }

    private void put(byte b) {
        if (position == buffer.length) {
            flush();
        }
        buffer[position++] = b;
    }

    private void flush() {
        digest.update(buffer, 0, position);
        position = 0;
    }
}
