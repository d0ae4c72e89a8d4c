package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.filter.internal.DefaultHttpResponseHead;
import java.nio.ByteBuffer;

/**
 * A response the gateway sends itself instead of (or instead of the rest of) the upstream's. Returned from any
 * callback while no response head has gone downstream; later it resets the stream instead (see
 * {@link HttpFilter}). The reply passes through the response callbacks of the filters that come after the replying
 * one in response order, so a CORS or header filter placed before an auth filter still decorates its 401.
 *
 * <p>The host sets {@code content-length}; the record is not copied, so do not change its parts after returning it.
 *
 * @param status the status code, 100 to 599
 * @param headers the response headers
 * @param body the response body; its remaining bytes are sent
 */
public record LocalReply(int status, HttpHeaders headers, ByteBuffer body) implements FilterAction {
    public LocalReply {
        DefaultHttpResponseHead.checkStatus(status);
        requireNonNull(headers, "headers");
        requireNonNull(body, "body");
    }

    /** A reply with no headers and no body. */
    public static LocalReply of(int status) {
        return new LocalReply(status, HttpHeaders.of(), BodyBuffers.EMPTY);
    }

    /** A reply with a body of the given content type, e.g. {@code of(429, "application/json", "{...}")}. */
    public static LocalReply of(int status, String contentType, String body) {
        return new LocalReply(
                status,
                HttpHeaders.of("content-type", requireNonNull(contentType, "contentType")),
                BodyBuffers.utf8(body));
    }
}
