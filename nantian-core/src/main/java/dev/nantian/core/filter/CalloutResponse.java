package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;

/**
 * The complete response to a side call made with {@link HttpFilterContext#callout}.
 *
 * @param head status and headers
 * @param body the whole body, owned by the receiver
 * @param trailers the trailers, empty if there were none
 */
public record CalloutResponse(HttpResponseHead head, ByteBuffer body, HttpHeaders trailers) {
    public CalloutResponse {
        requireNonNull(head, "head");
        requireNonNull(body, "body");
        requireNonNull(trailers, "trailers");
    }
}
