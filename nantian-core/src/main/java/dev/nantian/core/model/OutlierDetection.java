package dev.nantian.core.model;

import dev.nantian.core.internal.Checks;
import java.time.Duration;

/**
 * Passive health: an endpoint that fails {@code consecutiveFailures} requests in a row (5xx, connect errors) is
 * ejected for {@code baseEjectionTime} times the number of times it was ejected before, while at most
 * {@code maxEjectionPercent} of the cluster is ejected at once.
 *
 * @param consecutiveFailures failures in a row that eject an endpoint
 * @param baseEjectionTime how long a first ejection lasts
 * @param maxEjectionPercent the largest share of endpoints ejected at once, 0 to 100
 */
public record OutlierDetection(int consecutiveFailures, Duration baseEjectionTime, int maxEjectionPercent) {
    public OutlierDetection {
        Checks.positive(consecutiveFailures, "consecutiveFailures");
        Checks.positive(baseEjectionTime, "baseEjectionTime");
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
            throw new IllegalArgumentException("maxEjectionPercent must be in 0..100, got " + maxEjectionPercent);
        }
    }
}
