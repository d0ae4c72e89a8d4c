package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.time.Duration;
import java.util.Optional;

/**
 * Gateway API session persistence: requests of one session go to the same endpoint while it is healthy.
 *
 * @param sessionName the cookie or header name; the data plane picks one when empty
 * @param type where the session key travels
 * @param absoluteTimeout how long a session lasts at most
 * @param idleTimeout how long a session lasts without requests
 * @param permanentCookie whether the cookie carries an expiry ({@code Permanent}) or lives for the browser session
 */
public record SessionPersistence(
        Optional<String> sessionName,
        Type type,
        Optional<Duration> absoluteTimeout,
        Optional<Duration> idleTimeout,
        boolean permanentCookie) {

    /** Where the session key travels. */
    public enum Type {
        COOKIE,
        HEADER
    }

    public SessionPersistence {
        requireNonNull(sessionName, "sessionName");
        sessionName.ifPresent(n -> Checks.nonEmpty(n, "sessionName"));
        requireNonNull(type, "type");
        Checks.positiveIfPresent(absoluteTimeout, "absoluteTimeout");
        Checks.positiveIfPresent(idleTimeout, "idleTimeout");
    }
}
