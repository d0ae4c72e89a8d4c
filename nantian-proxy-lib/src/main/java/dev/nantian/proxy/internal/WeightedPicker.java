package dev.nantian.proxy.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin over a fixed list, shared by every event loop without locks. The order is nginx's smooth
 * weighted round robin, precomputed once per config so that a pick is one atomic increment: weights {@code 5, 1, 1}
 * give {@code a a b a c a a}, never five {@code a}s in a row. Items of weight 0 are never picked.
 *
 * <p>Each picker starts at a random position, so that a config swap does not send the first request of every
 * cluster to its first endpoint.
 *
 * @param <T> the item type
 */
public final class WeightedPicker<T> {
    /** Above this many slots the schedule would cost too much memory; picks then use cumulative weights. */
    private static final int MAX_SCHEDULE = 4096;

    private final List<T> items;
    private final int[] schedule;
    private final long[] cumulative;
    private final long total;
    private final AtomicLong next;

    private WeightedPicker(List<T> items, int[] schedule, long[] cumulative, long total) {
        this.items = items;
        this.schedule = schedule;
        this.cumulative = cumulative;
        this.total = total;
        this.next = new AtomicLong(total == 0 ? 0 : ThreadLocalRandom.current().nextLong(total));
    }

    /**
     * Builds a picker.
     *
     * @param items the items
     * @param weights their weights, each 0 or more, same order
     */
    public static <T> WeightedPicker<T> of(List<T> items, List<Integer> weights) {
        if (items.size() != weights.size()) {
            throw new IllegalArgumentException("items and weights differ in size");
        }
        long total = 0;
        long[] cumulative = new long[items.size()];
        for (int i = 0; i < items.size(); i++) {
            int w = weights.get(i);
            if (w < 0) {
                throw new IllegalArgumentException("negative weight " + w);
            }
            total += w;
            cumulative[i] = total;
        }
        int[] schedule = null;
        if (total > 0 && total <= MAX_SCHEDULE) {
            schedule = smoothSchedule(weights, (int) total);
        }
        return new WeightedPicker<>(List.copyOf(items), schedule, cumulative, total);
    }

    private static int[] smoothSchedule(List<Integer> weights, int total) {
        int n = weights.size();
        int[] current = new int[n];
        int[] out = new int[total];
        for (int slot = 0; slot < total; slot++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                current[i] += weights.get(i);
                if (weights.get(i) > 0 && (best < 0 || current[i] > current[best])) {
                    best = i;
                }
            }
            current[best] -= total;
            out[slot] = best;
        }
        return out;
    }

    /** The next item, or {@code null} when every weight is 0. Thread-safe. */
    public T pick() {
        if (total == 0) {
            return null;
        }
        long n = Math.floorMod(next.getAndIncrement(), total);
        if (schedule != null) {
            return items.get(schedule[(int) n]);
        }
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > n) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return items.get(lo);
    }

    /** True when nothing can be picked. */
    public boolean isEmpty() {
        return total == 0;
    }

    /** The items, in the order given. */
    public List<T> items() {
        return items;
    }

    /** A picker over items whose weights a function gives. */
    public static <T> WeightedPicker<T> of(List<T> items, java.util.function.ToIntFunction<T> weight) {
        List<Integer> weights = new ArrayList<>(items.size());
        for (T item : items) {
            weights.add(weight.applyAsInt(item));
        }
        return of(items, weights);
    }
}
