package dev.nantian.ai.limit;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Counters in this process: exact for one replica (each replica of several counts alone). Operations take one lock
 * for a few map lookups and complete at once, so callers on an event loop continue without a hop. Expired windows
 * are swept every {@value #SWEEP_EVERY} operations, bounding memory by the clients active in a window.
 */
public final class InMemoryTokenStore implements TokenStore {
    static final int SWEEP_EVERY = 1024;

    private final Clock clock;
    private final Map<String, long[]> counters = new HashMap<>(); // key -> {used, resetAtMillis}
    private int operations;

    /** @param clock decides when windows expire */
    public InMemoryTokenStore(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    @Override
    public CompletionStage<Reservation> reserve(List<TokenBucket> buckets, long min, long max) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("need 1 <= min <= max: " + min + ", " + max);
        }
        synchronized (counters) {
            long now = clock.millis();
            maybeSweep(now);
            long grant = max;
            for (TokenBucket b : buckets) {
                grant = Math.min(grant, b.limit() - used(b, now));
            }
            List<Long> used = new ArrayList<>(buckets.size());
            if (grant < min) {
                for (TokenBucket b : buckets) {
                    used.add(used(b, now));
                }
                return CompletableFuture.completedFuture(new Reservation(0, used));
            }
            for (TokenBucket b : buckets) {
                used.add(add(b, grant, now));
            }
            return CompletableFuture.completedFuture(new Reservation(grant, used));
        }
    }

    @Override
    public CompletionStage<Void> adjust(List<TokenBucket> buckets, long delta) {
        synchronized (counters) {
            long now = clock.millis();
            for (TokenBucket b : buckets) {
                add(b, delta, now);
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    private long used(TokenBucket b, long now) {
        long[] c = counters.get(b.key());
        return c == null || c[1] <= now ? 0 : c[0];
    }

    private long add(TokenBucket b, long delta, long now) {
        long[] c = counters.get(b.key());
        if (c == null || c[1] <= now) {
            if (b.resetAtMillis() <= now) {
                return 0; // the window is over: nothing to charge or refund
            }
            c = new long[] {0, b.resetAtMillis()};
            counters.put(b.key(), c);
        }
        c[0] = Math.max(0, c[0] + delta);
        return c[0];
    }

    private void maybeSweep(long now) {
        if (++operations % SWEEP_EVERY != 0) {
            return;
        }
        for (Iterator<long[]> it = counters.values().iterator(); it.hasNext(); ) {
            if (it.next()[1] <= now) {
                it.remove();
            }
        }
    }

    /** The number of live counters (for tests and diagnostics). */
    public int size() {
        synchronized (counters) {
            return counters.size();
        }
    }

    @Override
    public void close() {}
}
