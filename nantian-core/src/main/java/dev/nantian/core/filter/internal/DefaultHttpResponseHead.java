package dev.nantian.core.filter.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpResponseHead;

/** A plain mutable {@link HttpResponseHead}. */
public final class DefaultHttpResponseHead implements HttpResponseHead {
    private int status;
    private final HttpHeaders headers;

    public DefaultHttpResponseHead(int status, HttpHeaders headers) {
        this.status = checkStatus(status);
        this.headers = requireNonNull(headers, "headers");
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public void setStatus(int status) {
        this.status = checkStatus(status);
    }

    @Override
    public HttpHeaders headers() {
        return headers;
    }

    @Override
    public String toString() {
        return status + " " + headers;
    }

    public static int checkStatus(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be 100..599: " + status);
        }
        return status;
    }
}
