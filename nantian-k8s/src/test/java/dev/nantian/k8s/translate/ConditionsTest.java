package dev.nantian.k8s.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConditionsTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant T1 = Instant.parse("2025-01-02T00:00:00Z");

    @Test
    void transitionTimeChangesOnlyWhenTheStatusChanges() {
        List<Condition> first = Conditions.merge(
                null, List.of(Conditions.of("Accepted", true, "Accepted", "", 1)), Set.of("Accepted"), T0);
        List<Condition> sameStatus = Conditions.merge(
                first, List.of(Conditions.of("Accepted", true, "Other", "new", 2)), Set.of("Accepted"), T1);
        List<Condition> flipped = Conditions.merge(
                sameStatus, List.of(Conditions.of("Accepted", false, "Invalid", "", 3)), Set.of("Accepted"), T1);

        assertThat(sameStatus.get(0).getLastTransitionTime()).isEqualTo("2025-01-01T00:00:00Z");
        assertThat(sameStatus.get(0).getReason()).isEqualTo("Other");
        assertThat(sameStatus.get(0).getObservedGeneration()).isEqualTo(2L);
        assertThat(flipped.get(0).getLastTransitionTime()).isEqualTo("2025-01-02T00:00:00Z");
    }

    @Test
    void keepsOtherControllersConditionsAndDropsStaleManagedOnes() {
        Condition foreign = new ConditionBuilder()
                .withType("example.com/Audited")
                .withStatus("True")
                .withReason("Done")
                .withLastTransitionTime("2024-05-05T00:00:00Z")
                .build();
        Condition stale = Conditions.of("Conflicted", true, "HostnameConflict", "", 1);
        List<Condition> existing = List.of(foreign, stale);

        List<Condition> merged = Conditions.merge(
                existing,
                List.of(Conditions.of("Accepted", true, "Accepted", "", 1)),
                Set.of("Accepted", "Conflicted"),
                T0);

        assertThat(merged).extracting(Condition::getType).containsExactly("Accepted", "example.com/Audited");
        assertThat(merged.get(1).getLastTransitionTime()).isEqualTo("2024-05-05T00:00:00Z");
        assertThat(merged.get(1)).isNotSameAs(foreign);
        assertThat(existing).hasSize(2);
    }
}
