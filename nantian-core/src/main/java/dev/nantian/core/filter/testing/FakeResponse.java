package dev.nantian.core.filter.testing;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.filter.BodyBuffers;
import dev.nantian.core.filter.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** What the fake upstream of a {@link FilterChainTester} answers: a head, body chunks in order, maybe trailers. */
public final class FakeResponse {
    private final int status;
    private final HttpHeaders headers;
    private final List<byte[]> chunks;
    private final HttpHeaders trailers;

    private FakeResponse(Builder builder) {
        this.status = builder.status;
        this.headers = builder.headers;
        this.chunks = List.copyOf(builder.chunks);
        this.trailers = builder.trailers;
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

    /** Builds a {@link FakeResponse}. */
    public static final class Builder {
        private final int status;
        private final HttpHeaders headers = HttpHeaders.of();
        private final List<byte[]> chunks = new ArrayList<>();
        private HttpHeaders trailers;

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

        public FakeResponse build() {
            return new FakeResponse(this);
        }
    }
}
