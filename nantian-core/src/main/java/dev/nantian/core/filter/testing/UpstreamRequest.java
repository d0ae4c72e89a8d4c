package dev.nantian.core.filter.testing;

import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The request as the fake upstream received it: after all request filters, with
 * {@link dev.nantian.core.filter.HttpFilterContext#upstreamRequestHeaders()} added.
 *
 * @param head a snapshot of the head that was sent
 * @param body the whole body received
 * @param trailers the trailers, or {@code null} if none were sent
 * @param cluster the cluster a filter selected, or the tester's default cluster
 * @param endpoint the endpoint a filter pinned, or {@code null}
 */
public record UpstreamRequest(
        HttpRequestHead head, byte[] body, HttpHeaders trailers, String cluster, InetSocketAddress endpoint) {

    /** The body decoded as UTF-8. */
    public String bodyUtf8() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
