package dev.nantian.testing.conformance;

/**
 * The run could not start or could not go on: unreadable vectors, a gateway that never came up or died, echo pods
 * that could not bind. {@link ConformanceMain} exits with status 2 on it.
 */
public final class ConformanceSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with what went wrong. */
    public ConformanceSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
