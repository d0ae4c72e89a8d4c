package dev.nantian.testing.echo.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A complete response, independent of the protocol that carries it.
 *
 * @param status the final status code
 * @param interimStatus an informational (1xx) status to send before {@code status}, or 0
 * @param headers header fields in order, names with the case to use on HTTP/1.x (HTTP/2 lower-cases them)
 * @param body the body; never sent for HEAD requests, whose {@code Content-Length} still describes it
 */
public record EchoResponse(int status, int interimStatus, List<Map.Entry<String, String>> headers, byte[] body) {

    public EchoResponse {
        headers = List.copyOf(headers);
        requireNonNull(body, "body");
    }

    static EchoResponse of(int status, List<Map.Entry<String, String>> headers, String body) {
        return new EchoResponse(status, 0, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether this status may carry {@code Content-Length} (Go omits it for 1xx, 204 and 304). */
    public boolean allowsContentLength() {
        return status >= 200 && status != 204 && status != 304;
    }
}
