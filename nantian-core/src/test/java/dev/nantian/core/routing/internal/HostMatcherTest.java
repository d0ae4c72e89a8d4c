package dev.nantian.core.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HostMatcherTest {

    @Test
    void hostEndStripsPortsButKeepsIpv6Literals() {
        assertThat(HostMatcher.hostEnd("a.com:80")).isEqualTo(5);
        assertThat(HostMatcher.hostEnd("a.com")).isEqualTo(5);
        assertThat(HostMatcher.hostEnd("[::1]:8080")).isEqualTo(5);
        assertThat(HostMatcher.hostEnd("[::1]")).isEqualTo(5);
        assertThat(HostMatcher.hostEnd("::1")).isEqualTo(3);
        assertThat(HostMatcher.hostEnd("")).isZero();
    }

    @Test
    void manyHostsAllResolve() {
        HostMatcher.Builder<String> b = HostMatcher.builder();
        for (int i = 0; i < 1000; i++) {
            b.putIfAbsent("host" + i + ".example.com", "exact" + i);
            b.putIfAbsent("*.w" + i + ".example.com", "wild" + i);
        }
        HostMatcher<String> m = b.build();

        for (int i = 0; i < 1000; i++) {
            assertThat(m.find("HOST" + i + ".example.com:443")).isEqualTo("exact" + i);
            assertThat(m.find("a.b.w" + i + ".example.com")).isEqualTo("wild" + i);
        }
        assertThat(m.find("example.com")).isNull();
    }

    @Test
    void firstRegistrationWins() {
        HostMatcher.Builder<String> b = HostMatcher.builder();

        assertThat(b.putIfAbsent("*.a.com", "first")).isTrue();
        assertThat(b.putIfAbsent("*.A.com", "second")).isFalse();
        assertThat(b.putAnyIfAbsent("any")).isTrue();
        assertThat(b.putIfAbsent("*", "again")).isFalse();
        assertThat(b.build().find("x.a.com")).isEqualTo("first");
    }

    @Test
    void pathTableDerivesEveryPrefixHashWalkingBack() {
        String path = "/api/v1/users/42";
        int h = path.hashCode();
        for (int len = path.length(); len >= 1; len--) {
            assertThat(h).isEqualTo(path.substring(0, len).hashCode());
            h = PathTable.shorten(h, path.charAt(len - 1));
        }
        PathTable<String> table = PathTable.of(Map.of("/api", "api", "/api/v1", "v1"));
        assertThat(table.get(path, 4, "/api".hashCode())).isEqualTo("api");
        assertThat(table.get(path, 7, "/api/v1".hashCode())).isEqualTo("v1");
        assertThat(table.get(path, 5, "/api/".hashCode())).isNull();
    }
}
