package dev.nantian.core.filter.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;

/** A plain mutable {@link HttpRequestHead}. */
public final class DefaultHttpRequestHead implements HttpRequestHead {
    private String method;
    private String path;
    private String authority;
    private final HttpHeaders headers;

    public DefaultHttpRequestHead(String method, String path, String authority, HttpHeaders headers) {
        this.method = requireNonNull(method, "method");
        this.path = requireNonNull(path, "path");
        this.authority = requireNonNull(authority, "authority");
        this.headers = requireNonNull(headers, "headers");
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public void setMethod(String method) {
        this.method = requireNonNull(method, "method");
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public void setPath(String path) {
        this.path = requireNonNull(path, "path");
    }

    @Override
    public String authority() {
        return authority;
    }

    @Override
    public void setAuthority(String authority) {
        this.authority = requireNonNull(authority, "authority");
    }

    @Override
    public HttpHeaders headers() {
        return headers;
    }

    @Override
    public String toString() {
        return method + ' ' + path + " (" + authority + ") " + headers;
    }
}
