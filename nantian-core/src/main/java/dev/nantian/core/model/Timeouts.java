package dev.nantian.core.model;

import dev.nantian.core.internal.Checks;
import java.time.Duration;
import java.util.Optional;

/**
 * Gateway API HTTPRoute timeouts. Both are wall-clock limits that end in 504; empty means no limit beyond the
 * data plane's idle timeouts.
 *
 * @param request from the first byte of the request to the last byte of the response, retries included
 * @param backendRequest one attempt to one backend, from sending the request to the last byte of the response
 */
public record Timeouts(Optional<Duration> request, Optional<Duration> backendRequest) {
    private static final Timeouts NONE = new Timeouts(Optional.empty(), Optional.empty());

    public Timeouts {
        Checks.positiveIfPresent(request, "request timeout");
        Checks.positiveIfPresent(backendRequest, "backendRequest timeout");
        if (request.isPresent()
                && backendRequest.isPresent()
                && backendRequest.get().compareTo(request.get()) > 0) {
            throw new IllegalArgumentException("backendRequest timeout " + backendRequest.get()
                    + " must not be longer than request timeout " + request.get());
        }
    }

    /** No timeouts. */
    public static Timeouts none() {
        return NONE;
    }
}
