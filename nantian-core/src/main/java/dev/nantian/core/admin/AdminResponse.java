package dev.nantian.core.admin;

import static java.util.Objects.requireNonNull;

/**
 * An admin response.
 *
 * @param status the HTTP status
 * @param contentType the media type
 * @param body the body text, UTF-8
 */
public record AdminResponse(int status, String contentType, String body) {
    public AdminResponse {
        requireNonNull(contentType, "contentType");
        requireNonNull(body, "body");
    }

    /** 200 with {@code value} written as JSON. */
    public static AdminResponse json(Object value) {
        return json(200, value);
    }

    /** {@code status} with {@code value} written as JSON. */
    public static AdminResponse json(int status, Object value) {
        return new AdminResponse(status, "application/json", Json.write(value) + "\n");
    }

    /** 200 with plain text. */
    public static AdminResponse text(String body) {
        return new AdminResponse(200, "text/plain; charset=utf-8", body);
    }

    /** An error as {@code {"error": message}}. */
    public static AdminResponse error(int status, String message) {
        return json(status, java.util.Map.of("error", message));
    }
}
