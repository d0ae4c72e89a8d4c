package dev.nantian.core.filter.testing;

import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * What one exchange run by a {@link FilterChainTester} looked like from the outside: the response the client got
 * (or the reset), the request the upstream got, and the stats the filters got.
 */
public final class ExchangeResult {
    private final int status;
    private final HttpHeaders headers;
    private final List<byte[]> bodyChunks;
    private final HttpHeaders trailers;
    private final Throwable resetCause;
    private final UpstreamRequest upstreamRequest;
    private final List<UpstreamRequest> upstreamRequests;
    private final ExchangeStats stats;

    ExchangeResult(
            int status,
            HttpHeaders headers,
            List<byte[]> bodyChunks,
            HttpHeaders trailers,
            Throwable resetCause,
            UpstreamRequest upstreamRequest,
            List<UpstreamRequest> upstreamRequests,
            ExchangeStats stats) {
        this.status = status;
        this.headers = headers;
        this.bodyChunks = List.copyOf(bodyChunks);
        this.trailers = trailers;
        this.resetCause = resetCause;
        this.upstreamRequest = upstreamRequest;
        this.upstreamRequests = List.copyOf(upstreamRequests);
        this.stats = stats;
    }

    /** The status the client got, or 0 if no response head reached it. */
    public int status() {
        return status;
    }

    /** The response headers the client got (empty if none). */
    public HttpHeaders headers() {
        return headers;
    }

    /** The response body the client got, all chunks joined. */
    public byte[] body() {
        int size = 0;
        for (byte[] chunk : bodyChunks) {
            size += chunk.length;
        }
        byte[] body = new byte[size];
        int offset = 0;
        for (byte[] chunk : bodyChunks) {
            System.arraycopy(chunk, 0, body, offset, chunk.length);
            offset += chunk.length;
        }
        return body;
    }

    /** {@link #body()} decoded as UTF-8. */
    public String bodyUtf8() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    /** The body chunks as the client got them, decoded as UTF-8, one per host write. */
    public List<String> bodyChunksUtf8() {
        return bodyChunks.stream()
                .map(chunk -> new String(chunk, StandardCharsets.UTF_8))
                .toList();
    }

    /** The response trailers, or {@code null} if none. */
    public HttpHeaders trailers() {
        return trailers;
    }

    /** Why the downstream was reset, if it was. */
    public Optional<Throwable> reset() {
        return Optional.ofNullable(resetCause);
    }

    /**
     * The request of the last attempt that the upstream received in full, or empty if the exchange never sent (or
     * finished sending) one.
     */
    public Optional<UpstreamRequest> upstreamRequest() {
        return Optional.ofNullable(upstreamRequest);
    }

    /** Every request the upstream received in full, one per attempt (see {@code FilterAction.retry}), in order. */
    public List<UpstreamRequest> upstreamRequests() {
        return upstreamRequests;
    }

    /** The stats the host got (those of the filters' {@code onComplete} plus log fields set there). */
    public ExchangeStats stats() {
        return stats;
    }

    @Override
    public String toString() {
        return "ExchangeResult(status=" + status + ", headers=" + headers + ", body=" + bodyUtf8()
                + (resetCause != null ? ", reset=" + resetCause : "") + ")";
    }
}
