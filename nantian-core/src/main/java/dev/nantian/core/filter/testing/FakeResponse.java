package dev.nantian.core.filter.testing;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.filter.BodyBuffers;
import dev.nantian.core.filter.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the fake upstream of a {@link FilterChainTester} answers: a head, body chunks in order, maybe trailers; or a
 * failure of the upstream (connect failure, reset), possibly after a delay or midway through the body.
 */
public final class FakeResponse {
    private final int status;
    private final HttpHeaders headers;
    private final List<byte[]> chunks;
    private final HttpHeaders trailers;
    private final Duration delay;
    private final int failureStatus;
    private final boolean failBeforeHead;

    private FakeResponse(Builder builder) {
        this.status = builder.status;
        this.headers = builder.headers;
        this.chunks = List.copyOf(builder.chunks);
        this.trailers = builder.trailers;
        this.delay = builder.delay;
        this.failureStatus = builder.failureStatus;
        this.failBeforeHead = builder.failBeforeHead;
    }

    /**
     * No response at all: the host reports an upstream failure with {@code status} (502 for a refused connection,
     * 503 for an unavailable cluster, 504 for an upstream timeout), as {@code FilterExchange.onUpstreamFailure}.
     */
    public static FakeResponse upstreamFailure(int status) {
        Builder builder = builder(status);
        builder.failureStatus = status;
        builder.failBeforeHead = true;
        return builder.build();
    }

    /** A response with UTF-8 body chunks (none: a bodyless response). */
    public static FakeResponse of(int status, String... chunks) {
        Builder builder = builder(status);
        for (String chunk : chunks) {
            builder.chunk(chunk);
        }
        return builder.build();
    }

    /** Starts a response with {@code status}. */
    public static Builder builder(int status) {
        return new Builder(status);
    }

    int status() {
        return status;
    }

    HttpHeaders headers() {
        return headers;
    }

    List<byte[]> chunks() {
        return chunks;
    }

    HttpHeaders trailers() {
        return trailers;
    }

    Duration delay() {
        return delay;
    }

    /** The status of the upstream failure that ends this response, or 0 if it ends normally. */
    int failureStatus() {
        return failureStatus;
    }

    boolean failBeforeHead() {
        return failBeforeHead;
    }

    /** Builds a {@link FakeResponse}. */
    public static final class Builder {
        private final int status;
        private final HttpHeaders headers = HttpHeaders.of();
        private final List<byte[]> chunks = new ArrayList<>();
        private HttpHeaders trailers;
        private Duration delay = Duration.ZERO;
        private int failureStatus;
        private boolean failBeforeHead;

        private Builder(int status) {
            this.status = status;
        }

        public Builder header(String name, String value) {
            headers.add(name, value);
            return this;
        }

        /** Appends a UTF-8 body chunk; each is delivered in its own call. */
        public Builder chunk(String chunk) {
            chunks.add(requireNonNull(chunk, "chunk").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** Appends a body chunk (its remaining bytes, copied). */
        public Builder chunk(ByteBuffer chunk) {
            chunks.add(BodyBuffers.toByteArray(chunk));
            return this;
        }

        public Builder trailer(String name, String value) {
            if (trailers == null) {
                trailers = HttpHeaders.of();
            }
            trailers.add(name, value);
            return this;
        }

        /**
         * Delivers the response (or failure) {@code delay} after the request arrived, on the tester's clock; with a
         * response-head timeout shorter than that, the chain gives up first and the late response is dropped.
         */
        public Builder delay(Duration delay) {
            requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative: " + delay);
            }
            this.delay = delay;
            return this;
        }

        /**
         * Ends the response after the head and the chunks with an upstream failure of {@code status} instead of its
         * end (a reset mid-stream); trailers are not sent then.
         */
        public Builder failAfterBody(int status) {
            this.failureStatus = status;
            return this;
        }

        public FakeResponse build() {
            return new FakeResponse(this);
        }
    }
}
