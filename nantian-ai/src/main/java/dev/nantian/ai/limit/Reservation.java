package dev.nantian.ai.limit;

import java.util.List;

/**
 * The outcome of {@link TokenStore#reserve}.
 *
 * @param granted tokens reserved, or {@code 0} if the request was denied
 * @param used each bucket's count after the operation, in the order of the buckets given
 */
public record Reservation(long granted, List<Long> used) {
    public Reservation {
        used = List.copyOf(used);
    }

    /** Whether tokens were reserved. */
    public boolean isGranted() {
        return granted > 0;
    }
}
