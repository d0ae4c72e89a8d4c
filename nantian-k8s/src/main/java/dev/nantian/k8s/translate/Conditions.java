package dev.nantian.k8s.translate;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place that implements the Kubernetes condition rules Gateway API relies on:
 *
 * <ul>
 *   <li>conditions are merged by {@code type}: at most one condition per type;
 *   <li>{@code lastTransitionTime} changes only when {@code status} changes; a new reason or message alone keeps it;
 *   <li>conditions of types this controller does not manage (another controller's, e.g. a policy controller's) are
 *       kept untouched; managed types that are no longer desired are removed;
 *   <li>every condition written carries the object's {@code observedGeneration}.
 * </ul>
 *
 * <p>Inputs are never modified: every returned condition is a new object.
 */
public final class Conditions {
    private Conditions() {}

    /**
     * A new condition without a transition time; {@link #merge} fills it in.
     *
     * @param type the condition type, e.g. {@code Accepted}
     * @param status {@code true} or {@code false}
     * @param reason the CamelCase reason
     * @param message a human-readable message, may be empty
     * @param observedGeneration the generation of the object the condition describes
     */
    public static Condition of(String type, boolean status, String reason, String message, long observedGeneration) {
        return new ConditionBuilder()
                .withType(requireNonNull(type, "type"))
                .withStatus(status ? "True" : "False")
                .withReason(requireNonNull(reason, "reason"))
                .withMessage(requireNonNull(message, "message"))
                .withObservedGeneration(observedGeneration)
                .build();
    }

    /**
     * Merges the desired conditions into the existing ones.
     *
     * @param existing the conditions currently on the object (possibly {@code null})
     * @param desired the conditions this controller wants, at most one per type
     * @param managedTypes the types this controller owns on this object; existing conditions of these types that are
     *     not desired are dropped, all others are kept
     * @param now the time written as {@code lastTransitionTime} for conditions whose status changed
     * @return a new list: the desired conditions in their order, then kept foreign conditions in theirs
     */
    public static List<Condition> merge(
            List<Condition> existing, List<Condition> desired, Collection<String> managedTypes, Instant now) {
        requireNonNull(desired, "desired");
        requireNonNull(managedTypes, "managedTypes");
        requireNonNull(now, "now");
        Map<String, Condition> previous = new LinkedHashMap<>();
        if (existing != null) {
            for (Condition c : existing) {
                if (c != null && c.getType() != null) {
                    previous.putIfAbsent(c.getType(), c);
                }
            }
        }
        String nowText = format(now);
        Map<String, Condition> out = new LinkedHashMap<>();
        for (Condition want : desired) {
            Condition old = previous.get(want.getType());
            String transition = old != null
                            && old.getLastTransitionTime() != null
                            && statusEquals(old.getStatus(), want.getStatus())
                    ? old.getLastTransitionTime()
                    : nowText;
            if (out.put(want.getType(), copyWithTime(want, transition)) != null) {
                throw new IllegalArgumentException("condition type " + want.getType() + " desired twice");
            }
        }
        for (Condition old : previous.values()) {
            if (!out.containsKey(old.getType()) && !managedTypes.contains(old.getType())) {
                out.put(old.getType(), copyWithTime(old, old.getLastTransitionTime()));
            }
        }
        return new ArrayList<>(out.values());
    }

    /** The condition of the given type, or {@code null}. */
    public static Condition find(List<Condition> conditions, String type) {
        if (conditions == null) {
            return null;
        }
        for (Condition c : conditions) {
            if (c != null && type.equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    /** Formats a transition time the way the API server does: RFC 3339, whole seconds, UTC. */
    public static String format(Instant time) {
        return DateTimeFormatter.ISO_INSTANT.format(time.truncatedTo(ChronoUnit.SECONDS));
    }

    private static boolean statusEquals(String a, String b) {
        return a != null && a.equalsIgnoreCase(b);
    }

    private static Condition copyWithTime(Condition c, String transitionTime) {
        return new ConditionBuilder(c).withLastTransitionTime(transitionTime).build();
    }
}
