package dev.nantian.xds.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random field changes through protobuf reflection, for fuzzing decoders: sets, clears, adds and removes fields at
 * any depth, and looks inside {@code Any}s whose type the registry knows (else corrupts their type URL or bytes).
 * Deterministic for a seeded {@link Random}.
 */
final class ProtoMutator {
    private static final String ANY = "google.protobuf.Any";
    private static final int MAX_DEPTH = 12;

    private final Random random;
    private final TypeRegistry registry;
    private final List<String> knownTypeUrls;

    ProtoMutator(Random random, TypeRegistry registry, List<String> knownTypeUrls) {
        this.random = random;
        this.registry = registry;
        this.knownTypeUrls = knownTypeUrls;
    }

    /** One random change somewhere in {@code message}; returns a message of the same type. */
    @SuppressWarnings("unchecked")
    <T extends Message> T mutate(T message) {
        return (T) mutate(message, 0);
    }

    private Message mutate(Message m, int depth) {
        if (m.getDescriptorForType().getFullName().equals(ANY)) {
            return mutateAny(m, depth);
        }
        Descriptor d = m.getDescriptorForType();
        if (d.getFields().isEmpty()) {
            return m;
        }
        Message.Builder b = m.toBuilder();
        List<FieldDescriptor> set = new ArrayList<>(m.getAllFields().keySet());
        // mostly dig into what is there, sometimes set what is not
        FieldDescriptor f = !set.isEmpty() && random.nextInt(10) < 8
                ? set.get(random.nextInt(set.size()))
                : d.getFields().get(random.nextInt(d.getFields().size()));
        if (f.isRepeated()) {
            int n = b.getRepeatedFieldCount(f);
            int choice = random.nextInt(10);
            if (n > 0 && choice < 3) {
                List<Object> kept = new ArrayList<>((List<?>) b.getField(f));
                kept.remove(random.nextInt(n));
                b.setField(f, kept);
            } else if (n > 0 && choice < 8) {
                int i = random.nextInt(n);
                b.setRepeatedField(f, i, change(b, f, b.getRepeatedField(f, i), depth));
            } else {
                b.addRepeatedField(f, change(b, f, null, depth));
            }
        } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && b.hasField(f) && random.nextInt(5) == 0) {
            b.clearField(f);
        } else {
            b.setField(f, change(b, f, b.hasField(f) ? b.getField(f) : null, depth));
        }
        return b.build();
    }

    private Object change(Message.Builder owner, FieldDescriptor f, Object current, int depth) {
        switch (f.getJavaType()) {
            case MESSAGE:
                Message base = current != null
                        ? (Message) current
                        : owner.newBuilderForField(f).buildPartial();
                return depth >= MAX_DEPTH ? base.getDefaultInstanceForType() : mutate(base, depth + 1);
            case INT:
                return pickInt();
            case LONG:
                return pickLong();
            case BOOLEAN:
                return current == null ? Boolean.TRUE : !(Boolean) current;
            case FLOAT:
                return (float) pickDouble();
            case DOUBLE:
                return pickDouble();
            case STRING:
                return pickString(current == null ? "" : (String) current);
            case BYTE_STRING:
                byte[] bytes = new byte[random.nextInt(16)];
                random.nextBytes(bytes);
                return ByteString.copyFrom(bytes);
            case ENUM:
                List<EnumValueDescriptor> values = f.getEnumType().getValues();
                if (random.nextInt(5) == 0 && !f.getEnumType().isClosed()) {
                    return f.getEnumType().findValueByNumberCreatingIfUnknown(1000 + random.nextInt(10));
                }
                return values.get(random.nextInt(values.size()));
            default:
                throw new AssertionError(f.getJavaType());
        }
    }

    private Message mutateAny(Message any, int depth) {
        Descriptor d = any.getDescriptorForType();
        FieldDescriptor typeUrlField = d.findFieldByName("type_url");
        FieldDescriptor valueField = d.findFieldByName("value");
        String typeUrl = (String) any.getField(typeUrlField);
        ByteString value = (ByteString) any.getField(valueField);
        Descriptor inner = null;
        try {
            inner = registry.getDescriptorForTypeUrl(typeUrl);
        } catch (InvalidProtocolBufferException e) {
            // a malformed type URL from an earlier mutation: corrupt further below
        }
        int choice = random.nextInt(10);
        if (inner != null && choice < 7 && depth < MAX_DEPTH) {
            try {
                Message unpacked = DynamicMessage.parseFrom(inner, value);
                value = mutate(unpacked, depth + 1).toByteString();
            } catch (InvalidProtocolBufferException e) {
                value = ByteString.EMPTY;
            }
        } else if (choice < 9) {
            typeUrl = random.nextBoolean()
                    ? knownTypeUrls.get(random.nextInt(knownTypeUrls.size()))
                    : pickString(typeUrl);
        } else if (!value.isEmpty()) {
            byte[] bytes = value.toByteArray();
            bytes[random.nextInt(bytes.length)] ^= (byte) (1 + random.nextInt(255));
            value = random.nextBoolean()
                    ? ByteString.copyFrom(bytes)
                    : ByteString.copyFrom(bytes, 0, random.nextInt(bytes.length));
        }
        return any.toBuilder()
                .setField(typeUrlField, typeUrl)
                .setField(valueField, value)
                .build();
    }

    private int pickInt() {
        int[] edges = {0, 1, -1, 2, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE};
        return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextInt(100_000);
    }

    private long pickLong() {
        long[] edges = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 315_576_000_000L, 315_576_000_001L};
        return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextLong();
    }

    private double pickDouble() {
        double[] edges = {0, -1, 0.5, 100, 101, Double.NaN, Double.POSITIVE_INFINITY, 1e300};
        return edges[random.nextInt(edges.length)];
    }

    private String pickString(String current) {
        String[] options = {
            "",
            "*",
            "/",
            "x",
            current + "x",
            current.isEmpty() ? "y" : current.substring(1),
            "a b",
            "[",
            "(?",
            "\u00e9\u0000",
            "*.example.com",
            "::1",
            "10.0.0.300",
            "default/missing:80",
            "/prefix/../x",
            current.toUpperCase()
        };
        return options[random.nextInt(options.length)];
    }
}
