package dev.nantian.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightedPickerTest {

    @Test
    void smoothScheduleInterleavesHeavyItems() {
        WeightedPicker<String> p = WeightedPicker.of(List.of("a", "b", "c"), List.of(5, 1, 1));
        List<String> cycle = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            cycle.add(p.pick());
        }
        Map<String, Integer> counts = new HashMap<>();
        cycle.forEach(s -> counts.merge(s, 1, Integer::sum));
        assertThat(counts).containsEntry("a", 5).containsEntry("b", 1).containsEntry("c", 1);
        // Never more than two a's in a row within a cycle (nginx order a a b a c a a, rotated).
        String joined = String.join("", cycle) + String.join("", cycle);
        assertThat(joined).doesNotContain("aaaaa");
    }

    @Test
    void zeroWeightsAreNeverPickedAndAllZeroPicksNothing() {
        WeightedPicker<String> p = WeightedPicker.of(List.of("a", "b"), List.of(0, 2));
        for (int i = 0; i < 10; i++) {
            assertThat(p.pick()).isEqualTo("b");
        }
        WeightedPicker<String> none = WeightedPicker.of(List.of("a"), List.of(0));
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.pick()).isNull();
    }

    @Test
    void largeWeightsUseCumulativePicksWithExactProportions() {
        WeightedPicker<String> p = WeightedPicker.of(List.of("a", "b"), List.of(6000, 2000));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 8000; i++) {
            counts.merge(p.pick(), 1, Integer::sum);
        }
        assertThat(counts).containsEntry("a", 6000).containsEntry("b", 2000);
    }
}
