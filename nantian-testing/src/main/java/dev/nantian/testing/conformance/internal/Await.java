package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A small Awaitility-like poll loop for main code: try, and try again after a fixed interval until the attempt
 * succeeds or the time is up. Runs on the calling thread.
 */
public final class Await {

    /** One attempt: returns a value when done, null to try again; may throw to try again with a reason. */
    @FunctionalInterface
    public interface Attempt<T> {
        T attempt() throws Exception;
    }

    /** Thrown by an attempt to stop waiting at once (e.g. the process being waited for has exited). */
    public static final class Abort extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Abort(String message) {
            super(message);
        }
    }

    /** Why the wait ended without a value: the last attempt's exception or message. */
    public static final class TimeoutException extends Exception {
        private static final long serialVersionUID = 1L;

        TimeoutException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Clock clock;

    public Await(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    /**
     * Calls {@code attempt} until it returns non-null, at most until {@code timeout} has passed, pausing
     * {@code interval} between attempts.
     *
     * @throws TimeoutException naming {@code what} and the last failure when time ran out
     * @throws Abort when an attempt aborts
     * @throws InterruptedException when the thread is interrupted
     */
    public <T> T until(String what, Duration timeout, Duration interval, Attempt<T> attempt)
            throws TimeoutException, InterruptedException {
        Instant deadline = clock.instant().plus(timeout);
        Exception last = null;
        while (true) {
            try {
                T value = attempt.attempt();
                if (value != null) {
                    return value;
                }
                last = null;
            } catch (InterruptedException | Abort e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (!clock.instant().plus(interval).isBefore(deadline)) {
                String reason = last == null ? "" : ": " + last.getMessage();
                throw new TimeoutException(what + " not within " + timeout.toMillis() + " ms" + reason, last);
            }
            pause(interval);
        }
    }

    /** Pauses the calling thread for a fixed back-off (not to wait for a condition: use {@link #until}). */
    public static void pause(Duration interval) throws InterruptedException {
        Thread.sleep(interval.toMillis());
    }
}
