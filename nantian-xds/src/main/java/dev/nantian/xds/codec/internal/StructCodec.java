package dev.nantian.xds.codec.internal;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts the JSON-shaped trees of {@link dev.nantian.core.model.ExtensionConfig#spec()} to and from
 * {@link Struct}. JSON numbers are doubles on the wire, so they come back as {@link Long} when whole and within
 * 2^53 (exactly representable), otherwise as {@link Double}.
 */
public final class StructCodec {
    private static final double MAX_EXACT = 9007199254740992.0; // 2^53

    private StructCodec() {}

    public static Struct toStruct(Map<String, Object> map) {
        Struct.Builder b = Struct.newBuilder();
        map.forEach((k, v) -> b.putFields(k, toValue(v)));
        return b.build();
    }

    private static Value toValue(Object v) {
        if (v instanceof String s) {
            return Value.newBuilder().setStringValue(s).build();
        }
        if (v instanceof Boolean bool) {
            return Value.newBuilder().setBoolValue(bool).build();
        }
        if (v instanceof Number n) {
            double d = n instanceof BigDecimal bd ? bd.doubleValue() : n.doubleValue();
            return Value.newBuilder().setNumberValue(d).build();
        }
        if (v instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) m;
            return Value.newBuilder().setStructValue(toStruct(typed)).build();
        }
        if (v instanceof List<?> list) {
            ListValue.Builder lb = ListValue.newBuilder();
            list.forEach(item -> lb.addValues(toValue(item)));
            return Value.newBuilder().setListValue(lb).build();
        }
        throw new IllegalArgumentException("unsupported spec value " + v);
    }

    public static Map<String, Object> fromStruct(Struct struct, String where, Errors errors) {
        Map<String, Object> out = new LinkedHashMap<>();
        struct.getFieldsMap().forEach((k, v) -> {
            Object o = fromValue(v, where + "." + k, errors);
            if (o != null) {
                out.put(k, o);
            }
        });
        return out;
    }

    private static Object fromValue(Value v, String where, Errors errors) {
        switch (v.getKindCase()) {
            case STRING_VALUE:
                return v.getStringValue();
            case BOOL_VALUE:
                return v.getBoolValue();
            case NUMBER_VALUE:
                double d = v.getNumberValue();
                if (d == Math.rint(d) && Math.abs(d) <= MAX_EXACT) {
                    return (long) d;
                }
                return d;
            case STRUCT_VALUE:
                return fromStruct(v.getStructValue(), where, errors);
            case LIST_VALUE:
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < v.getListValue().getValuesCount(); i++) {
                    Object item = fromValue(v.getListValue().getValues(i), where + "[" + i + "]", errors);
                    if (item == null) {
                        errors.add(where + "[" + i + "]", "null list items are not supported");
                    } else {
                        list.add(item);
                    }
                }
                return list;
            case NULL_VALUE:
                return null; // dropped, as ExtensionConfig drops null map values
            default:
                errors.add(where, "value has no kind");
                return null;
        }
    }
}
