package dev.nantian.core.filter;

import dev.nantian.core.filter.internal.DefaultHttpResponseHead;

/**
 * The status and headers of a response, as a filter may rewrite them before they go downstream. Changes made after
 * the head left for the client have no effect on the wire.
 *
 * <p>An interface so that a host can adapt its own response objects. Not thread-safe: event loop only.
 */
public interface HttpResponseHead {

    /** Creates a head with no headers. */
    static HttpResponseHead of(int status) {
        return new DefaultHttpResponseHead(status, HttpHeaders.of());
    }

    /** Creates a head holding (not copying) {@code headers}. */
    static HttpResponseHead of(int status, HttpHeaders headers) {
        return new DefaultHttpResponseHead(status, headers);
    }

    /** The status code, 100 to 599. */
    int status();

    /** Replaces the status code. */
    void setStatus(int status);

    /** The headers, mutable. */
    HttpHeaders headers();
}
