package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.time.Duration;
import java.util.Optional;

/**
 * Active HTTP health checking of a cluster's endpoints. An endpoint turns unhealthy after
 * {@code unhealthyThreshold} failed checks in a row and healthy again after {@code healthyThreshold} good ones.
 *
 * @param path the request path
 * @param host the {@code Host} header; the endpoint address when empty
 * @param interval time between checks of one endpoint
 * @param timeout how long one check may take
 * @param healthyThreshold good checks in a row to become healthy
 * @param unhealthyThreshold failed checks in a row to become unhealthy
 * @param expectedStatusMin lowest status counted as healthy
 * @param expectedStatusMax highest status counted as healthy
 */
public record HealthCheck(
        String path,
        Optional<String> host,
        Duration interval,
        Duration timeout,
        int healthyThreshold,
        int unhealthyThreshold,
        int expectedStatusMin,
        int expectedStatusMax) {
    public HealthCheck {
        Checks.nonEmpty(path, "health check path");
        requireNonNull(host, "host");
        Checks.positive(interval, "interval");
        Checks.positive(timeout, "timeout");
        Checks.positive(healthyThreshold, "healthyThreshold");
        Checks.positive(unhealthyThreshold, "unhealthyThreshold");
        if (expectedStatusMin < 100 || expectedStatusMax > 599 || expectedStatusMin > expectedStatusMax) {
            throw new IllegalArgumentException(
                    "expected status range is invalid: " + expectedStatusMin + ".." + expectedStatusMax);
        }
    }

    /** GET {@code path} every 5 s with a 1 s timeout, 2 good / 3 bad in a row, 2xx healthy. */
    public static HealthCheck http(String path) {
        return new HealthCheck(path, Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3, 200, 299);
    }
}
