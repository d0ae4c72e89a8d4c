package dev.nantian.k8s.translate.internal;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * Creation timestamps of one translation's objects, each distinct text parsed once. Route precedence sorts by
 * creation time, and parsing inside the comparator cost a third of the translator's allocation; objects read from
 * files mostly share a handful of timestamps, so a memo by text is also small. Not thread-safe, like the
 * translation that owns it.
 */
final class CreationTimes {
    private final Map<String, Instant> parsed = new HashMap<>();

    /**
     * Oldest first, then by namespace and name: the Gateway API's order for conflicts between objects of one kind.
     */
    final Comparator<HasMetadata> precedence = Comparator.comparing(this::of)
            .thenComparing(Objects2::ns)
            .thenComparing(o -> o.getMetadata().getName());

    /** The creation time of {@code o}; the epoch when it has none or it does not parse. */
    Instant of(HasMetadata o) {
        String t = o.getMetadata().getCreationTimestamp();
        if (t == null) {
            return Instant.EPOCH;
        }
        Instant instant = parsed.get(t);
        if (instant == null) {
            instant = parse(t);
            parsed.put(t, instant);
        }
        return instant;
    }

    private static Instant parse(String t) {
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
