package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Helpers for body chunks. A chunk handed to a filter is a read-only view that is valid only during the callback;
 * whatever must outlive the callback has to be copied with one of these methods. None of them moves the chunk's
 * position.
 */
public final class BodyBuffers {
    /** An empty read-only buffer; shared, as it has nothing to change. */
    public static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private BodyBuffers() {}

    /** An independent heap copy of the chunk's remaining bytes, positioned at 0. */
    public static ByteBuffer copy(ByteBuffer chunk) {
        return ByteBuffer.wrap(toByteArray(chunk));
    }

    /** The chunk's remaining bytes as a new array. */
    public static byte[] toByteArray(ByteBuffer chunk) {
        requireNonNull(chunk, "chunk");
        byte[] bytes = new byte[chunk.remaining()];
        chunk.duplicate().get(bytes);
        return bytes;
    }

    /** The chunk's remaining bytes decoded as UTF-8. */
    public static String toUtf8(ByteBuffer chunk) {
        return toString(chunk, StandardCharsets.UTF_8);
    }

    /** The chunk's remaining bytes decoded with {@code charset}. */
    public static String toString(ByteBuffer chunk, Charset charset) {
        requireNonNull(charset, "charset");
        if (chunk.hasArray()) {
            return new String(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining(), charset);
        }
        return new String(toByteArray(chunk), charset);
    }

    /** {@code text} encoded as UTF-8 in a new read-only buffer. */
    public static ByteBuffer utf8(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    }
}
