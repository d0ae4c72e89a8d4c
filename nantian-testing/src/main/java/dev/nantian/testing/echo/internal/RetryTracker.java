package dev.nantian.testing.echo.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts attempts per {@code uuid} for upstream's {@code /retry/} handler. Bounded so a long conformance run cannot
 * grow it without limit: the oldest ids are forgotten first (every probe uses a fresh id).
 */
final class RetryTracker {

    private final Map<String, Integer> attempts;

    RetryTracker(int capacity) {
        this.attempts = new LinkedHashMap<>(64, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Records one more attempt for {@code uuid} and returns how many there have been, this one included. */
    synchronized int recordAttempt(String uuid) {
        return attempts.merge(uuid, 1, Integer::sum);
    }
}
