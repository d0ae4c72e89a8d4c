package dev.nantian.proxy.internal;

import dev.nantian.core.model.LoadBalancing;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A load balancer over a fixed set of endpoints (those available when it was built), one per {@link LoadBalancing}
 * variant. Built off the request path whenever the set changes; a pick takes no lock: round robin is one atomic
 * increment, random and least request use {@link ThreadLocalRandom}, consistent hash is a binary search.
 *
 * <p>Every policy honours endpoint weights.
 */
abstract class HostPicker {
    /** The hash value that means "this request has no hash key". */
    static final long NO_HASH = Long.MIN_VALUE;

    final UpstreamHost[] hosts;

    HostPicker(UpstreamHost[] hosts) {
        this.hosts = hosts;
    }

    /**
     * Picks an endpoint.
     *
     * @param hash the request's hash key for consistent hashing, or {@link #NO_HASH}
     * @return an endpoint; never {@code null} (pickers are not built over empty sets)
     */
    abstract UpstreamHost pick(long hash);

    /** A picker of {@code policy} over {@code hosts}, which must not be empty. */
    static HostPicker of(LoadBalancing policy, UpstreamHost[] hosts) {
        if (hosts.length == 1) {
            return new Single(hosts);
        }
        if (policy instanceof LoadBalancing.LeastRequest lr) {
            return new LeastRequest(hosts, lr.choiceCount());
        }
        if (policy instanceof LoadBalancing.Random) {
            return new Random(hosts);
        }
        if (policy instanceof LoadBalancing.ConsistentHash) {
            return new Ring(hosts);
        }
        return new RoundRobin(hosts);
    }

    /** A 64-bit hash of {@code key}, the same in every proxy and run. */
    static long hash(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        long h = 0xcbf29ce484222325L; // FNV-1a, then MurmurHash3's finalizer for avalanche
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == NO_HASH ? 0 : h;
    }

    private static final class Single extends HostPicker {
        Single(UpstreamHost[] hosts) {
            super(hosts);
        }

        @Override
        UpstreamHost pick(long hash) {
            return hosts[0];
        }
    }

    /** Smooth weighted round robin, via {@link WeightedPicker}. */
    private static final class RoundRobin extends HostPicker {
        private final WeightedPicker<UpstreamHost> picker;

        RoundRobin(UpstreamHost[] hosts) {
            super(hosts);
            this.picker = WeightedPicker.of(List.of(hosts), UpstreamHost::weight);
        }

        @Override
        UpstreamHost pick(long hash) {
            return picker.pick();
        }
    }

    /** Weighted random over cumulative weights. */
    private static class Random extends HostPicker {
        private final long[] cumulative;
        private final long total;

        Random(UpstreamHost[] hosts) {
            super(hosts);
            cumulative = new long[hosts.length];
            long t = 0;
            for (int i = 0; i < hosts.length; i++) {
                t += hosts[i].weight();
                cumulative[i] = t;
            }
            total = t;
        }

        @Override
        UpstreamHost pick(long hash) {
            return random();
        }

        final UpstreamHost random() {
            long n = ThreadLocalRandom.current().nextLong(total);
            int i = Arrays.binarySearch(cumulative, n);
            // an exact hit on a cumulative bound belongs to the next endpoint
            return hosts[i >= 0 ? i + 1 : -i - 1];
        }
    }

    /**
     * Power of N choices: draws {@code choices} endpoints at random (by weight) and takes the one with the fewest
     * requests in flight, the first drawn on a tie. In-flight counts are shared by every event loop of the proxy.
     */
    private static final class LeastRequest extends Random {
        private final int choices;

        LeastRequest(UpstreamHost[] hosts, int choices) {
            super(hosts);
            this.choices = choices;
        }

        @Override
        UpstreamHost pick(long hash) {
            UpstreamHost best = random();
            int bestActive = best.health().inFlight.get();
            for (int i = 1; i < choices && bestActive > 0; i++) {
                UpstreamHost h = random();
                int active = h.health().inFlight.get();
                if (active < bestActive) {
                    best = h;
                    bestActive = active;
                }
            }
            return best;
        }
    }

    /**
     * A hash ring (Ketama): each endpoint owns {@value #POINTS_PER_WEIGHT} points per unit of weight, placed by
     * hashing {@code host:port#i}, so every proxy builds the same ring. A key goes to the first point at or after its
     * hash. Removing an endpoint only moves the keys it owned; the others keep their endpoint. Requests without a
     * key are spread at random.
     */
    private static final class Ring extends Random {
        static final int POINTS_PER_WEIGHT = 160;
        static final int MAX_POINTS = 1 << 17;

        private final long[] points;
        private final UpstreamHost[] owners;

        Ring(UpstreamHost[] hosts) {
            super(hosts);
            long totalWeight = 0;
            for (UpstreamHost h : hosts) {
                totalWeight += h.weight();
            }
            // Large weights scale down so that the ring stays small; every endpoint keeps at least a few points.
            double perWeight = Math.min(POINTS_PER_WEIGHT, (double) MAX_POINTS / totalWeight);
            int n = 0;
            int[] counts = new int[hosts.length];
            for (int i = 0; i < hosts.length; i++) {
                counts[i] = (int) Math.max(4, Math.round(hosts[i].weight() * perWeight));
                n += counts[i];
            }
            long[] hashes = new long[n];
            int[] index = new int[n];
            int k = 0;
            for (int i = 0; i < hosts.length; i++) {
                String id = hosts[i].authority() + "#";
                for (int j = 0; j < counts[i]; j++) {
                    hashes[k] = hash(id + j);
                    index[k] = i;
                    k++;
                }
            }
            // sort the points by hash, carrying their owners along
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> {
                int c = Long.compare(hashes[a], hashes[b]);
                // equal hashes (rare): the lexically smaller endpoint wins everywhere
                return c != 0 ? c : hosts[index[a]].authority().compareTo(hosts[index[b]].authority());
            });
            points = new long[n];
            owners = new UpstreamHost[n];
            for (int i = 0; i < n; i++) {
                points[i] = hashes[order[i]];
                owners[i] = hosts[index[order[i]]];
            }
        }

        @Override
        UpstreamHost pick(long hash) {
            if (hash == NO_HASH) {
                return random();
            }
            int i = Arrays.binarySearch(points, hash);
            if (i < 0) {
                i = -i - 1;
            }
            return owners[i == points.length ? 0 : i];
        }
    }
}
