package dev.nantian.k8s.translate.internal;

import dev.nantian.k8s.translate.AddressAllocator;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/** {@link AddressAllocator#loopbackPool()}: {@code prefix + n} for {@code n} in {@code [first, last]}. */
public final class LoopbackAddressPool implements AddressAllocator {
    private final String prefix;
    private final int first;
    private final int size;

    public LoopbackAddressPool(String prefix, int first, int last) {
        if (first < 0 || last > 255 || last < first) {
            throw new IllegalArgumentException("invalid host range " + first + ".." + last);
        }
        this.prefix = prefix;
        this.first = first;
        this.size = last - first + 1;
    }

    @Override
    public Map<String, String> assign(List<String> gatewayKeys) {
        boolean[] taken = new boolean[size];
        Map<String, String> out = new LinkedHashMap<>();
        int free = size;
        for (String key : gatewayKeys) {
            if (free == 0) {
                break; // the rest get no address; the translator reports that per Gateway
            }
            CRC32 crc = new CRC32();
            crc.update(key.getBytes(StandardCharsets.UTF_8));
            int slot = (int) (crc.getValue() % size);
            while (taken[slot]) {
                slot = (slot + 1) % size;
            }
            taken[slot] = true;
            free--;
            out.put(key, prefix + (first + slot));
        }
        return out;
    }
}
