package dev.nantian.ai.config;

/** What the TokenPolicy filter does when its store cannot be reached. */
public enum FailMode {
    /** Let the request through unmetered (availability first); the default. */
    OPEN,
    /** Answer 503: no request goes out unless its budget could be checked. */
    CLOSED
}
