package dev.nantian.core.filter;

import dev.nantian.core.filter.internal.DefaultHttpRequestHead;

/**
 * The request line and headers of an exchange, as a filter may rewrite them before they go upstream. Changes made
 * after the head left for the upstream (see {@link HttpFilter#onRequestHead}) have no effect on the wire.
 *
 * <p>An interface so that a host can adapt its own request objects. Not thread-safe: event loop only.
 */
public interface HttpRequestHead {

    /** Creates a head with no headers; for tests and hosts without a native request type. */
    static HttpRequestHead of(String method, String path, String authority) {
        return new DefaultHttpRequestHead(method, path, authority, HttpHeaders.of());
    }

    /** Creates a head holding (not copying) {@code headers}. */
    static HttpRequestHead of(String method, String path, String authority, HttpHeaders headers) {
        return new DefaultHttpRequestHead(method, path, authority, headers);
    }

    /** The method, e.g. {@code POST}. */
    String method();

    /** Replaces the method. */
    void setMethod(String method);

    /** The request target as origin-form: path and query, e.g. {@code /v1/chat/completions?x=1}. */
    String path();

    /** Replaces the request target (path and query). */
    void setPath(String path);

    /** The authority ({@code :authority} or {@code Host}), e.g. {@code api.example.com:443}. */
    String authority();

    /** Replaces the authority; the host sends it as {@code Host} (HTTP/1.1) or {@code :authority} (HTTP/2). */
    void setAuthority(String authority);

    /** The headers, mutable. */
    HttpHeaders headers();
}
