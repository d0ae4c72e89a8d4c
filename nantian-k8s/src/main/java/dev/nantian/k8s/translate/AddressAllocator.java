package dev.nantian.k8s.translate;

import static java.util.Objects.requireNonNull;

import dev.nantian.k8s.translate.internal.LoopbackAddressPool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides the address each Gateway binds to and reports in {@code status.addresses}. Called once per translation
 * with every Gateway that needs an address, so an implementation can be a pure function of that list; it must not
 * keep state between calls (the translator may run for two configurations in one JVM).
 */
@FunctionalInterface
public interface AddressAllocator {

    /**
     * Assigns addresses.
     *
     * @param gatewayKeys {@code namespace/name} of every Gateway that needs an address, sorted
     * @return the address (an IP literal) of each Gateway; a Gateway left out gets no address and is reported as not
     *     programmed ({@code AddressNotAssigned})
     */
    Map<String, String> assign(List<String> gatewayKeys);

    /** Every Gateway binds the same address, e.g. {@code 0.0.0.0} for a proxy that owns its host or pod. */
    static AddressAllocator fixed(String address) {
        requireNonNull(address, "address");
        return keys -> {
            Map<String, String> out = new LinkedHashMap<>();
            keys.forEach(k -> out.put(k, address));
            return out;
        };
    }

    /**
     * Each Gateway gets its own loopback address {@code 127.0.1.1} to {@code 127.0.1.254}, chosen by a hash of its
     * {@code namespace/name} (with linear probing on collisions, in name order), so a Gateway keeps its address as
     * other Gateways come and go unless their hashes collide. Meant for standalone use and conformance runs on one
     * host, where several Gateways listen on the same port.
     */
    static AddressAllocator loopbackPool() {
        return ipv4Pool("127.0.1.0/24");
    }

    /**
     * Like {@link #loopbackPool()}, over the usable host addresses of an IPv4 block such as {@code 127.0.1.0/24}
     * (network and broadcast addresses excluded; prefix length 16 to 30).
     *
     * @throws IllegalArgumentException when {@code cidr} is not such a block
     */
    static AddressAllocator ipv4Pool(String cidr) {
        return LoopbackAddressPool.parse(cidr);
    }
}
