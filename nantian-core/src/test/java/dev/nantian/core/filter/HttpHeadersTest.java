package dev.nantian.core.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpHeadersTest {
    @Test
    void namesCompareCaseInsensitivelyAndAreStoredInLowerCase() {
        HttpHeaders headers = HttpHeaders.of("Content-Type", "text/plain", "X-A", "1");

        List<String> names = new ArrayList<>();
        headers.forEach((name, value) -> names.add(name));

        assertThat(headers.get("content-type")).isEqualTo("text/plain");
        assertThat(headers.contains("x-a")).isTrue();
        assertThat(names).containsExactly("content-type", "x-a");
    }

    @Test
    void setReplacesEveryValueAndRemoveDropsThemAll() {
        HttpHeaders headers = HttpHeaders.of("a", "1", "b", "2", "a", "3", "c", "4", "a", "5");

        headers.set("a", "x");
        assertThat(headers.getAll("a")).containsExactly("x");
        assertThat(headers.size()).isEqualTo(3);

        headers.add("b", "6");
        assertThat(headers.remove("b")).isTrue();
        assertThat(headers.remove("b")).isFalse();
        assertThat(headers.getAll("b")).isEmpty();
        assertThat(headers.get("c")).isEqualTo("4");
        assertThat(headers.size()).isEqualTo(2);
    }

    @Test
    void copiesAreIndependent() {
        HttpHeaders original = HttpHeaders.of("a", "1");
        HttpHeaders copy = HttpHeaders.copyOf(original);

        copy.add("b", "2");

        assertThat(original.contains("b")).isFalse();
        assertThat(copy.size()).isEqualTo(2);
    }
}
