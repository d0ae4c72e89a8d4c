package dev.nantian.k8s.translate.internal;

import dev.nantian.k8s.translate.AddressAllocator;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * {@link AddressAllocator#ipv4Pool(String)}: addresses {@code first..last} of an IPv4 block, picked by a hash of the
 * Gateway key with linear probing.
 */
public final class LoopbackAddressPool implements AddressAllocator {
    private final long first;
    private final int size;

    private LoopbackAddressPool(long first, long last) {
        if (last < first) {
            throw new IllegalArgumentException("empty address range");
        }
        this.first = first;
        this.size = (int) (last - first + 1);
    }

    /** Parses {@code a.b.c.d/len} with {@code 16 <= len <= 30}. */
    public static LoopbackAddressPool parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("expected an IPv4 block like 127.0.1.0/24, got " + cidr);
        }
        String[] octets = cidr.substring(0, slash).split("\\.", -1);
        int length;
        try {
            length = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid prefix length in " + cidr, e);
        }
        if (octets.length != 4 || length < 16 || length > 30) {
            throw new IllegalArgumentException("expected an IPv4 block with prefix length 16..30, got " + cidr);
        }
        long base = 0;
        for (String o : octets) {
            int v;
            try {
                v = Integer.parseInt(o);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid IPv4 address in " + cidr, e);
            }
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("invalid IPv4 address in " + cidr);
            }
            base = (base << 8) | v;
        }
        long hostBits = 32 - length;
        long network = base & ~((1L << hostBits) - 1) & 0xffffffffL;
        long broadcast = network | ((1L << hostBits) - 1);
        return new LoopbackAddressPool(network + 1, broadcast - 1);
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
            out.put(key, format(first + slot));
        }
        return out;
    }

    private static String format(long address) {
        return ((address >> 24) & 0xff) + "." + ((address >> 16) & 0xff) + "." + ((address >> 8) & 0xff) + "."
                + (address & 0xff);
    }
}
