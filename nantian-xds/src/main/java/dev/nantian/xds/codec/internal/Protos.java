package dev.nantian.xds.codec.internal;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;

/** Small conversions shared by the encoders and decoders. */
public final class Protos {
    private Protos() {}

    public static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder()
                .setSeconds(d.getSeconds())
                .setNanos(d.getNano())
                .build();
    }

    public static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    public static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder()
                .setSeconds(i.getEpochSecond())
                .setNanos(i.getNano())
                .build();
    }

    public static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    /** The ADS config source: every resource we name comes over the same stream. */
    public static ConfigSource ads() {
        return ConfigSource.newBuilder()
                .setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3)
                .build();
    }

    /** Metadata holding {@code extras} under our key. */
    public static Metadata metadata(Message extras) {
        return Metadata.newBuilder()
                .putTypedFilterMetadata(Names.METADATA_KEY, Any.pack(extras))
                .build();
    }

    /** Our extras from {@code metadata}, or {@code null} when absent or unreadable (then reported). */
    public static <T extends Message> T extras(Metadata metadata, Class<T> type, Errors errors, String where) {
        if (metadata.getFilterMetadataCount() > 0) {
            errors.add(where, "metadata.filter_metadata is not supported");
        }
        for (String key : metadata.getTypedFilterMetadataMap().keySet()) {
            if (!key.equals(Names.METADATA_KEY)) {
                errors.add(where, "metadata.typed_filter_metadata[" + key + "] is not supported");
            }
        }
        Any any = metadata.getTypedFilterMetadataMap().get(Names.METADATA_KEY);
        return any == null ? null : unpack(any, type, errors, where + ".metadata");
    }

    /** Unpacks {@code any} as {@code type}, reporting a wrong type or bad bytes. */
    public static <T extends Message> T unpack(Any any, Class<T> type, Errors errors, String where) {
        try {
            if (!any.is(type)) {
                errors.add(where, "expected " + type.getSimpleName() + " but got " + any.getTypeUrl());
                return null;
            }
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            errors.add(where, "cannot parse " + any.getTypeUrl() + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * Reports every field set in {@code message} that is not in {@code allowed}: a field we do not translate could
     * change behaviour, so it is an error rather than silently dropped.
     */
    public static void onlyFields(Message message, Errors errors, String where, String... allowed) {
        Set<String> ok = Set.of(allowed);
        Set<String> bad = new TreeSet<>();
        for (FieldDescriptor f : message.getAllFields().keySet()) {
            if (!ok.contains(f.getName())) {
                bad.add(f.getName());
            }
        }
        if (!message.getUnknownFields().asMap().isEmpty()) {
            bad.add("<unknown fields " + message.getUnknownFields().asMap().keySet() + ">");
        }
        if (!bad.isEmpty()) {
            errors.add(where, "unsupported field" + (bad.size() > 1 ? "s " : " ") + String.join(", ", bad));
        }
    }
}
