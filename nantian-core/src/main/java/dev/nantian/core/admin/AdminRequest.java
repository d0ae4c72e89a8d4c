package dev.nantian.core.admin;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * An admin request.
 *
 * @param method the HTTP method
 * @param path the path without query
 * @param query the decoded query parameters (first value of each)
 */
public record AdminRequest(String method, String path, Map<String, String> query) {
    public AdminRequest {
        requireNonNull(method, "method");
        requireNonNull(path, "path");
        query = Map.copyOf(query);
    }
}
