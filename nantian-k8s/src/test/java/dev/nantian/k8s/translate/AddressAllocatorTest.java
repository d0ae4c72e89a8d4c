package dev.nantian.k8s.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AddressAllocatorTest {

    @Test
    void poolHandsOutDistinctHostAddressesOfTheBlock() {
        Map<String, String> assigned = AddressAllocator.ipv4Pool("10.1.2.0/30").assign(List.of("a/x", "b/y", "c/z"));

        assertThat(assigned).hasSize(2);
        assertThat(assigned.values()).containsExactlyInAnyOrder("10.1.2.1", "10.1.2.2");
    }

    @Test
    void aGatewayKeepsItsAddressWhenOthersComeAndGo() {
        AddressAllocator pool = AddressAllocator.loopbackPool();
        String alone = pool.assign(List.of("ns/gw")).get("ns/gw");

        assertThat(pool.assign(List.of("a/other", "ns/gw", "z/more")).get("ns/gw"))
                .isEqualTo(alone);
        assertThat(alone).startsWith("127.0.1.");
    }

    @Test
    void rejectsBlocksItCannotUse() {
        assertThatThrownBy(() -> AddressAllocator.ipv4Pool("127.0.1.0")).hasMessageContaining("IPv4 block");
        assertThatThrownBy(() -> AddressAllocator.ipv4Pool("127.0.1.0/8")).hasMessageContaining("16..30");
        assertThatThrownBy(() -> AddressAllocator.ipv4Pool("300.0.1.0/24")).hasMessageContaining("invalid IPv4");
    }
}
